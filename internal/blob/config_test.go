package blob

import (
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	dir := t.TempDir()
	s3 := S3Config{Endpoint: "127.0.0.1:9000", Bucket: "okno", AccessKey: "k", SecretKey: "s"}
	for _, tc := range []struct {
		name    string
		cfg     Config
		want    string // %T of the store, or empty when an error is expected
		errPart string
	}{
		{"default is local", Config{Dir: dir, MaxBytes: 1}, "*blob.Local", ""},
		{"local", Config{Backend: BackendLocal, Dir: dir, MaxBytes: 1}, "*blob.Local", ""},
		{"s3", Config{Backend: BackendS3, S3: s3, MaxBytes: 1}, "*blob.S3", ""},
		{"unknown backend", Config{Backend: "ftp", Dir: dir, MaxBytes: 1}, "", `unknown storage backend "ftp"`},
		{"local without directory", Config{MaxBytes: 1}, "", "needs a directory"},
		{"local without limit", Config{Dir: dir}, "", "maximum size must be positive"},
		{"s3 without endpoint", Config{Backend: BackendS3, S3: S3Config{Bucket: "okno"}, MaxBytes: 1}, "", "needs an endpoint"},
		{"s3 without bucket", Config{Backend: BackendS3, S3: S3Config{Endpoint: "h:1"}, MaxBytes: 1}, "", "needs a bucket"},
		{"s3 negative limit", Config{Backend: BackendS3, S3: s3, MaxBytes: -5}, "", "got -5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, err := New(tc.cfg)
			if tc.want == "" {
				if err == nil || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("New: %v, want an error mentioning %q", err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := typeName(store); got != tc.want {
				t.Fatalf("New returned %s, want %s", got, tc.want)
			}
		})
	}
}

func typeName(s Store) string {
	switch s.(type) {
	case *Local:
		return "*blob.Local"
	case *S3:
		return "*blob.S3"
	}
	return "unknown"
}
