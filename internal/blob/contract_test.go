package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// contractLimit is the size limit of every store under contract test: large
// enough to need many copy buffers, small enough to keep tests quick.
const contractLimit = 1<<20 + 17

// harness is one fresh, empty store plus a view of its backend that does not
// go through the Store interface.
type harness struct {
	store Store
	// stored lists everything the backend holds, temporary files included, so
	// tests can prove a failed Put left nothing behind.
	stored func(t *testing.T) []string
	// corrupt changes the stored content of key without updating its digest.
	corrupt func(t *testing.T, key string)
}

// runContract checks the guarantees every Store gives; newHarness returns a
// fresh empty store whose limit is contractLimit.
func runContract(t *testing.T, newHarness func(t *testing.T) harness) {
	t.Run("Check", func(t *testing.T) { testCheck(t, newHarness(t)) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newHarness(t)) })
	t.Run("Overwrite", func(t *testing.T) { testOverwrite(t, newHarness(t)) })
	t.Run("NestedKeys", func(t *testing.T) { testNestedKeys(t, newHarness(t)) })
	t.Run("TooLarge", func(t *testing.T) { testTooLarge(t, newHarness(t)) })
	t.Run("FailedSource", func(t *testing.T) { testFailedSource(t, newHarness(t)) })
	t.Run("InvalidKeys", func(t *testing.T) { testInvalidKeys(t, newHarness(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, newHarness(t)) })
	t.Run("Tee", func(t *testing.T) { testTee(t, newHarness(t)) })
	t.Run("Corruption", func(t *testing.T) { testCorruption(t, newHarness(t)) })
	t.Run("ConcurrentKeys", func(t *testing.T) { testConcurrentKeys(t, newHarness(t)) })
	t.Run("ConcurrentSameKey", func(t *testing.T) { testConcurrentSameKey(t, newHarness(t)) })
}

func testCheck(t *testing.T, h harness) {
	if err := h.store.Check(context.Background()); err != nil {
		t.Fatalf("Check of a working store: %v", err)
	}
	if got := h.stored(t); len(got) != 0 {
		t.Fatalf("Check left %q behind", got)
	}
}

func testRoundTrip(t *testing.T, h harness) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"one page", 4096},
		{"many copy buffers", 300_001},
		{"exactly the limit", contractLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "agency/a1/case/c1/doc/" + strings.ReplaceAll(tc.name, " ", "-")
			data := randomBytes(tc.size)
			want := Info{Key: key, Size: int64(tc.size), SHA256: sha256.Sum256(data)}

			got, err := h.store.Put(ctx, key, bytes.NewReader(data))
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if got != want {
				t.Fatalf("Put = %+v, want %+v", got, want)
			}
			if got, err := h.store.Stat(ctx, key); err != nil || got != want {
				t.Fatalf("Stat = %+v, %v; want %+v", got, err, want)
			}
			if content, info := readAll(t, h.store, key); !bytes.Equal(content, data) || info != want {
				t.Fatalf("Open gave %d bytes and %+v, want %d bytes and %+v", len(content), info, len(data), want)
			}
			if err := h.store.Delete(ctx, key); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := h.store.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Stat after Delete: %v, want ErrNotFound", err)
			}
			if got := h.stored(t); len(got) != 0 {
				t.Fatalf("after Delete the backend still holds %q", got)
			}
		})
	}
}

func testOverwrite(t *testing.T, h harness) {
	ctx := context.Background()
	key := "agency/a1/result"
	mustPut(t, h.store, key, []byte("draft decision"))
	final := []byte("signed decision")
	mustPut(t, h.store, key, final)
	if content, info := readAll(t, h.store, key); !bytes.Equal(content, final) || info.SHA256 != sha256.Sum256(final) {
		t.Fatalf("after overwrite Open gave %q (%x)", content, info.SHA256)
	}
	if got := h.stored(t); len(got) != 1 {
		t.Fatalf("after overwrite the backend holds %q, want one entry", got)
	}
	if err := h.store.Delete(ctx, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
}

// A key may be a prefix of another key, as in S3.
func testNestedKeys(t *testing.T, h harness) {
	contents := map[string][]byte{
		"case/c1":           []byte("parent"),
		"case/c1/doc/d1":    []byte("child"),
		"case/c1/doc/d1.p7": []byte("signature"),
	}
	for key, data := range contents {
		mustPut(t, h.store, key, data)
	}
	for key, data := range contents {
		if got, _ := readAll(t, h.store, key); !bytes.Equal(got, data) {
			t.Errorf("Open(%q) = %q, want %q", key, got, data)
		}
	}
}

func testTooLarge(t *testing.T, h harness) {
	ctx := context.Background()
	const key = "agency/a1/case/c1/scan"
	previous := []byte("the scan stored before")
	mustPut(t, h.store, key, previous)
	before := h.stored(t)

	for _, tc := range []struct {
		name string
		r    io.Reader
	}{
		{"one byte over", bytes.NewReader(randomBytes(contractLimit + 1))},
		{"three times over", bytes.NewReader(randomBytes(3 * contractLimit))},
		{"endless stream", &endlessReader{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.store.Put(ctx, key, tc.r)
			var tooLarge *TooLargeError
			if !errors.Is(err, ErrTooLarge) || !errors.As(err, &tooLarge) {
				t.Fatalf("Put: %v, want a *TooLargeError", err)
			}
			if tooLarge.Limit != contractLimit || tooLarge.Key != key {
				t.Fatalf("TooLargeError = %+v, want limit %d for key %q", tooLarge, contractLimit, key)
			}
			if after := h.stored(t); !slices.Equal(after, before) {
				t.Fatalf("refused Put changed the backend from %q to %q", before, after)
			}
			if got, _ := readAll(t, h.store, key); !bytes.Equal(got, previous) {
				t.Fatalf("refused Put changed the content to %d bytes", len(got))
			}
		})
	}
}

func testFailedSource(t *testing.T, h harness) {
	broken := errors.New("client went away")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		r    io.Reader
		want error
	}{
		{"reader fails midway", context.Background(), io.MultiReader(bytes.NewReader(randomBytes(100_000)), failingReader{broken}), broken},
		{"context cancelled", cancelled, bytes.NewReader(randomBytes(10)), context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := h.store.Put(tc.ctx, "case/c1/upload", tc.r); !errors.Is(err, tc.want) {
				t.Fatalf("Put: %v, want %v", err, tc.want)
			}
			if got := h.stored(t); len(got) != 0 {
				t.Fatalf("failed Put left %q behind", got)
			}
		})
	}
}

func testInvalidKeys(t *testing.T, h harness) {
	ctx := context.Background()
	for _, key := range []string{
		"",
		"/etc/passwd",
		"../outside",
		"case/../../outside",
		"case/./doc",
		"case//doc",
		"case/doc/",
		".hidden",
		`case\doc`,
		"case/doc.blob",
		"case/doc 1",
		"дело/1",
		"case/doc\x00",
		strings.Repeat("a", 201),
		strings.Repeat("abcdefgh/", 114) + "abc",
	} {
		t.Run(fmt.Sprintf("%.40q", key), func(t *testing.T) {
			if _, err := h.store.Put(ctx, key, untouchedReader{t}); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Put: %v, want ErrInvalidKey", err)
			}
			if _, _, err := h.store.Open(ctx, key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Open: %v, want ErrInvalidKey", err)
			}
			if _, err := h.store.Stat(ctx, key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Stat: %v, want ErrInvalidKey", err)
			}
			if err := h.store.Delete(ctx, key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Delete: %v, want ErrInvalidKey", err)
			}
			if got := h.stored(t); len(got) != 0 {
				t.Errorf("invalid key left %q behind", got)
			}
		})
	}
}

func testNotFound(t *testing.T, h harness) {
	ctx := context.Background()
	mustPut(t, h.store, "case/c1/doc/d1", []byte("present"))
	for _, key := range []string{"case/c1/doc/d2", "case/c1/doc", "case/c1", "other"} {
		if _, _, err := h.store.Open(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q): %v, want ErrNotFound", key, err)
		}
		if _, err := h.store.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat(%q): %v, want ErrNotFound", key, err)
		}
		if err := h.store.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q) of a missing key: %v, want success", key, err)
		}
	}
}

func testTee(t *testing.T, h harness) {
	ctx := context.Background()
	data := randomBytes(200_000)
	t.Run("digests in the same pass", func(t *testing.T) {
		sha512Sum, copyBuf := sha512.New(), &bytes.Buffer{}
		if _, err := h.store.Put(ctx, "case/c1/doc/tee", bytes.NewReader(data), WithTee(sha512Sum), WithTee(copyBuf)); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if want := sha512.Sum512(data); !bytes.Equal(sha512Sum.Sum(nil), want[:]) {
			t.Errorf("tee hash %x, want %x", sha512Sum.Sum(nil), want)
		}
		if !bytes.Equal(copyBuf.Bytes(), data) {
			t.Errorf("tee received %d bytes, want the %d stored", copyBuf.Len(), len(data))
		}
	})
	t.Run("failing tee aborts", func(t *testing.T) {
		before := h.stored(t)
		broken := errors.New("hash device unplugged")
		if _, err := h.store.Put(ctx, "case/c1/doc/broken-tee", bytes.NewReader(data), WithTee(failingWriter{broken})); !errors.Is(err, broken) {
			t.Fatalf("Put: %v, want %v", err, broken)
		}
		if after := h.stored(t); !slices.Equal(after, before) {
			t.Fatalf("aborted Put changed the backend from %q to %q", before, after)
		}
	})
}

func testCorruption(t *testing.T, h harness) {
	ctx := context.Background()
	const key = "case/c1/decision"
	mustPut(t, h.store, key, randomBytes(70_000))
	h.corrupt(t, key)
	rc, _, err := h.store.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); !errors.Is(err, ErrChecksum) {
		t.Fatalf("reading corrupted content: %v, want ErrChecksum", err)
	}
}

func testConcurrentKeys(t *testing.T, h harness) {
	const writers = 8
	contents := make([][]byte, writers)
	for i := range contents {
		contents[i] = randomBytes(50_000 + i)
	}
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = h.store.Put(context.Background(), fmt.Sprintf("agency/a1/case/c%d/doc/d", i), bytes.NewReader(contents[i]))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
		if got, _ := readAll(t, h.store, fmt.Sprintf("agency/a1/case/c%d/doc/d", i)); !bytes.Equal(got, contents[i]) {
			t.Errorf("key of writer %d holds %d bytes, want its %d", i, len(got), len(contents[i]))
		}
	}
}

// Writers racing on one key leave exactly one of their contents, whole.
func testConcurrentSameKey(t *testing.T, h harness) {
	const writers = 6
	const key = "case/c1/doc/contested"
	contents := make([][]byte, writers)
	for i := range contents {
		contents[i] = randomBytes(80_000)
	}
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() { _, errs[i] = h.store.Put(context.Background(), key, bytes.NewReader(contents[i])) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, info := readAll(t, h.store, key)
	if !slices.ContainsFunc(contents, func(c []byte) bool { return bytes.Equal(c, got) }) {
		t.Fatalf("key holds %d bytes matching no writer", len(got))
	}
	if info.SHA256 != sha256.Sum256(got) {
		t.Fatalf("Info.SHA256 %x does not describe the content", info.SHA256)
	}
	if stored := h.stored(t); len(stored) != 1 {
		t.Fatalf("backend holds %q, want one entry", stored)
	}
}

func mustPut(t *testing.T, s Store, key string, data []byte) {
	t.Helper()
	if _, err := s.Put(context.Background(), key, bytes.NewReader(data)); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// readAll reads key to EOF, which also runs the checksum verification.
func readAll(t *testing.T, s Store, key string) ([]byte, Info) {
	t.Helper()
	rc, info, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	content, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return content, info
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return b
}

// endlessReader is a hostile upload that never ends.
type endlessReader struct{}

func (endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

// untouchedReader fails the test when read: invalid keys must be refused
// before the upload is consumed.
type untouchedReader struct{ t *testing.T }

func (u untouchedReader) Read([]byte) (int, error) {
	u.t.Error("the content was read although the key is invalid")
	return 0, io.EOF
}
