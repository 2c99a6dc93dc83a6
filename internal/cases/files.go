package cases

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/blob"
	"github.com/okno-oiv/okno/internal/esign/streebog"
)

// Files of cases in the blob store: the clerk's scans (office.go) and the
// bus's attachments (package intake) are stored the same way.

// StoreFile puts r into the blob store under key with both digests
// (SHA-256 and Streebog-256) computed in the same pass. A failure to read r
// itself is a *SourceError, told apart from the blob store failing.
func (s *Service) StoreFile(ctx context.Context, key string, r io.Reader) (Document, error) {
	gost := streebog.New256()
	info, err := s.cfg.Blobs.Put(ctx, key, sourceReader{r}, blob.WithTee(gost))
	if err != nil {
		return Document{}, err
	}
	return Document{ID: uuid.New(), Size: info.Size, SHA256: info.SHA256[:], Streebog256: gost.Sum(nil), BlobKey: key}, nil
}

// OpenFile reads back a stored file.
func (s *Service) OpenFile(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, _, err := s.cfg.Blobs.Open(ctx, key)
	return rc, err
}

// SourceError marks a failure to read the incoming file (a hash mismatch, a
// cut connection), as opposed to a failure of the blob store itself.
type SourceError struct{ Err error }

func (e *SourceError) Error() string { return e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

type sourceReader struct{ r io.Reader }

func (m sourceReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = &SourceError{err}
	}
	return n, err
}

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SafeKey turns a file or message name into a blob key segment.
func SafeKey(name string) string {
	base := unsafeKeyChars.ReplaceAllString(path.Base(name), "_")
	base = strings.TrimLeft(base, "._-")
	if base == "" {
		sum := sha256.Sum256([]byte(name))
		return fmt.Sprintf("f%x", sum[:6])
	}
	if len(base) > 120 {
		base = base[len(base)-120:]
	}
	return base
}
