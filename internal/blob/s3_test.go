package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/okno-oiv/okno/internal/testenv"
)

func TestS3Contract(t *testing.T) {
	server := startMinio(t)
	runContract(t, func(t *testing.T) harness {
		bucket := server.newBucket(t)
		spool := t.TempDir()
		store, err := NewS3(server.config(bucket, spool), contractLimit)
		if err != nil {
			t.Fatalf("NewS3: %v", err)
		}
		return harness{
			store: store,
			stored: func(t *testing.T) []string {
				return slices.Concat(server.contents(t, bucket), filesUnder(t, spool))
			},
			corrupt: func(t *testing.T, key string) {
				// Replace the content but keep the digest of the original.
				oi, err := server.client.StatObject(context.Background(), bucket, key, minio.StatObjectOptions{})
				if err != nil {
					t.Fatalf("stat for corruption: %v", err)
				}
				forged := bytes.Repeat([]byte("x"), int(oi.Size))
				_, err = server.client.PutObject(context.Background(), bucket, key, bytes.NewReader(forged), oi.Size, minio.PutObjectOptions{
					UserMetadata: map[string]string{metaSHA256: oi.Metadata.Get("X-Amz-Meta-" + metaSHA256)},
				})
				if err != nil {
					t.Fatalf("corrupt: %v", err)
				}
			},
		}
	})
}

func TestS3RefusesObjectWithoutDigest(t *testing.T) {
	server := startMinio(t)
	bucket := server.newBucket(t)
	store, err := NewS3(server.config(bucket, ""), 1024)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	ctx := context.Background()
	if _, err := server.client.PutObject(ctx, bucket, "foreign", strings.NewReader("uploaded by hand"), -1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Stat(ctx, "foreign"); err == nil || !strings.Contains(err.Error(), "metadata") {
		t.Fatalf("Stat of an object without digest: %v, want a metadata error", err)
	}
	if _, _, err := store.Open(ctx, "foreign"); err == nil {
		t.Fatal("Open accepted an object without digest")
	}
}

// minioServer is a real MinIO process owned by one test.
type minioServer struct {
	endpoint string
	client   *minio.Client
	buckets  atomic.Int64
}

const (
	minioUser     = "okno-test"
	minioPassword = "okno-test-secret"
)

// startMinio runs `minio server` on free local ports until the test ends.
func startMinio(tb testing.TB) *minioServer {
	tb.Helper()
	bin := testenv.NeedMinIO(tb)
	addr, consoleAddr := freeAddr(tb), freeAddr(tb)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "server", tb.TempDir(), "--address", addr, "--console-address", consoleAddr, "--quiet")
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+minioUser,
		"MINIO_ROOT_PASSWORD="+minioPassword,
		"MINIO_BROWSER=off",
	)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start minio: %v", err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if tb.Failed() {
			tb.Logf("minio output:\n%s", logs.String())
		}
	})
	waitLive(tb, "http://"+addr+"/minio/health/live")
	client, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(minioUser, minioPassword, "")})
	if err != nil {
		tb.Fatalf("minio client: %v", err)
	}
	return &minioServer{endpoint: addr, client: client}
}

func (m *minioServer) config(bucket, spoolDir string) S3Config {
	return S3Config{Endpoint: m.endpoint, Bucket: bucket, AccessKey: minioUser, SecretKey: minioPassword, SpoolDir: spoolDir}
}

// newBucket gives each test an empty bucket on the shared server.
func (m *minioServer) newBucket(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("okno-test-%d", m.buckets.Add(1))
	if err := m.client.MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		tb.Fatalf("make bucket %s: %v", name, err)
	}
	return name
}

// contents lists the objects of bucket and its unfinished multipart uploads.
func (m *minioServer) contents(t *testing.T, bucket string) []string {
	t.Helper()
	ctx := context.Background()
	var names []string
	for oi := range m.client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if oi.Err != nil {
			t.Fatalf("list objects: %v", oi.Err)
		}
		names = append(names, oi.Key)
	}
	for up := range m.client.ListIncompleteUploads(ctx, bucket, "", true) {
		if up.Err != nil {
			t.Fatalf("list incomplete uploads: %v", up.Err)
		}
		names = append(names, "incomplete upload "+up.Key)
	}
	return names
}

func waitLive(tb testing.TB, url string) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("minio not live at %s after 60s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Content above the client's 16 MiB part size goes up as a multipart upload;
// its digest must still be the plain SHA-256 of the whole content.
func TestS3Multipart(t *testing.T) {
	server := startMinio(t)
	bucket := server.newBucket(t)
	const size = 17<<20 + 3
	store, err := NewS3(server.config(bucket, t.TempDir()), size)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	ctx := context.Background()
	want := sha256.New()
	io.Copy(want, newPatternReader(size))

	info, err := store.Put(ctx, "case/c1/large-scan", newPatternReader(size))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if info.Size != size || !bytes.Equal(info.SHA256[:], want.Sum(nil)) {
		t.Fatalf("Put = size %d sha256 %x, want %d %x", info.Size, info.SHA256, size, want.Sum(nil))
	}
	rc, _, err := store.Open(ctx, "case/c1/large-scan")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	got := sha256.New()
	if n, err := io.Copy(got, rc); err != nil || n != size {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("read back sha256 %x, want %x", got.Sum(nil), want.Sum(nil))
	}
}

func TestS3CheckFailsOnMisconfiguration(t *testing.T) {
	server := startMinio(t)
	bucket := server.newBucket(t)
	wrongSecret := server.config(bucket, "")
	wrongSecret.SecretKey = "not-the-secret"
	for _, tc := range []struct {
		name    string
		cfg     S3Config
		errPart string
	}{
		{"missing bucket", server.config("no-such-bucket", ""), `bucket "no-such-bucket" does not exist`},
		{"wrong secret", wrongSecret, "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, err := NewS3(tc.cfg, 1024)
			if err != nil {
				t.Fatalf("NewS3: %v", err)
			}
			if err := store.Check(context.Background()); err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Fatalf("Check: %v, want an error mentioning %q", err, tc.errPart)
			}
		})
	}
}
