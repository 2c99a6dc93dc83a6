package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLocalContract(t *testing.T) {
	runContract(t, func(t *testing.T) harness {
		dir := t.TempDir()
		store, err := NewLocal(dir, contractLimit)
		if err != nil {
			t.Fatalf("NewLocal: %v", err)
		}
		return harness{
			store:  store,
			stored: func(t *testing.T) []string { return filesUnder(t, dir) },
			corrupt: func(t *testing.T, key string) {
				path := filepath.Join(dir, filepath.FromSlash(key)+localSuffix)
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					t.Fatalf("open for corruption: %v", err)
				}
				defer f.Close()
				if _, err := f.WriteAt([]byte("tampered"), int64(headerLen)+100); err != nil {
					t.Fatalf("corrupt: %v", err)
				}
			},
		}
	})
}

// The on-disk layout is what operators see and back up; see the package doc.
func TestLocalLayout(t *testing.T) {
	dir := t.TempDir()
	store, err := NewLocal(dir, 1024)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	data := []byte("заявление гражданина")
	if _, err := store.Put(context.Background(), "agency/a1/case/c1/doc/d1", bytes.NewReader(data)); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if got, want := filesUnder(t, dir), []string{"agency/a1/case/c1/doc/d1.blob"}; !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "agency/a1/case/c1/doc/d1.blob"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := slices.Concat([]byte("OKNOBLB1"), sum[:], data)
	if !bytes.Equal(raw, want) {
		t.Fatalf("file holds %q, want magic, digest and content %q", raw, want)
	}
}

func TestLocalRejectsForeignFile(t *testing.T) {
	dir := t.TempDir()
	store, err := NewLocal(dir, 1024)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	for name, content := range map[string]string{
		"short":    "OKNO",
		"no-magic": "plain text copied here by hand, long enough for a header",
	} {
		if err := os.WriteFile(filepath.Join(dir, name+localSuffix), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Stat(context.Background(), name); err == nil {
			t.Errorf("Stat(%q) accepted a file without a blob header", name)
		}
	}
}

// filesUnder lists the regular files under dir, temporary ones included, as
// slash-separated relative paths in lexical order.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return files
}

func TestLocalCheckFailsWithoutDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "files")
	store, err := NewLocal(dir, 1024)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := store.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("Check after the directory vanished: %v, want a not-writable error", err)
	}
}
