package blob

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const (
	// headerMagic opens every local file; the digest follows it. The version
	// digit lets a later layout coexist with files already on disk.
	headerMagic = "OKNOBLB1"
	headerLen   = len(headerMagic) + sha256.Size
	// tempPattern names files being written. They start with '.', which no key
	// segment may, so they never collide with stored content.
	tempPattern = ".put-*"
)

// Local stores content in a directory tree on the server's disk.
type Local struct {
	dir      string
	maxBytes int64
}

// NewLocal returns a store rooted at dir, creating the directory if needed,
// that refuses content larger than maxBytes.
func NewLocal(dir string, maxBytes int64) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: local store needs a directory")
	}
	if maxBytes <= 0 {
		return nil, fmt.Errorf("blob: maximum size must be positive, got %d", maxBytes)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: resolve local store directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("blob: create local store directory: %w", err)
	}
	return &Local{dir: abs, maxBytes: maxBytes}, nil
}

// path maps a valid key to its file; ValidateKey guarantees it stays under dir.
func (l *Local) path(key string) string {
	return filepath.Join(l.dir, filepath.FromSlash(key)+localSuffix)
}

// Put writes a temporary file beside the final one, fsyncs it and renames it
// into place, so a crash or a refused upload never exposes partial content.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, opts ...PutOption) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	path := l.path(key)
	dir := filepath.Dir(path)
	if err := l.mkdirs(dir); err != nil {
		return Info{}, fmt.Errorf("blob: create directory for key %q: %w", key, err)
	}
	tmp, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return Info{}, fmt.Errorf("blob: create temporary file for key %q: %w", key, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	// Reserve the header; the digest is only known after the copy.
	if _, err := tmp.Write(make([]byte, headerLen)); err != nil {
		return Info{}, fmt.Errorf("blob: write header for key %q: %w", key, err)
	}
	info, err := copyLimited(ctx, key, tmp, r, l.maxBytes, opts)
	if err != nil {
		return Info{}, err
	}
	header := append([]byte(headerMagic), info.SHA256[:]...)
	if _, err := tmp.WriteAt(header, 0); err != nil {
		return Info{}, fmt.Errorf("blob: write header for key %q: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: sync content for key %q: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: close content for key %q: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return Info{}, fmt.Errorf("blob: move content for key %q into place: %w", key, err)
	}
	renamed = true
	// The rename is durable only once the directory entry is on disk.
	if err := syncDir(dir); err != nil {
		return Info{}, fmt.Errorf("blob: sync directory for key %q: %w", key, err)
	}
	return info, nil
}

// Open returns the content of key, verified against its SHA-256 at EOF.
func (l *Local) Open(_ context.Context, key string) (io.ReadCloser, Info, error) {
	f, info, err := l.openFile(key)
	if err != nil {
		return nil, Info{}, err
	}
	return newVerifyingReader(f, info), info, nil
}

// Stat reads only the header and the file size.
func (l *Local) Stat(_ context.Context, key string) (Info, error) {
	f, info, err := l.openFile(key)
	if err != nil {
		return Info{}, err
	}
	f.Close()
	return info, nil
}

// Delete removes the file of key. Emptied directories stay: removing them
// would race with a concurrent Put creating its temporary file there.
func (l *Local) Delete(_ context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	path := l.path(key)
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("blob: delete key %q: %w", key, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("blob: sync directory after deleting key %q: %w", key, err)
	}
	return nil
}

// Check creates and removes a temporary file in the root directory.
func (l *Local) Check(context.Context) error {
	probe, err := os.CreateTemp(l.dir, ".check-*")
	if err != nil {
		return fmt.Errorf("blob: local store directory %s is not writable: %w", l.dir, err)
	}
	probe.Close()
	if err := os.Remove(probe.Name()); err != nil {
		return fmt.Errorf("blob: remove probe file from %s: %w", l.dir, err)
	}
	return nil
}

// openFile opens the file of key and reads its header, leaving the file
// positioned at the first byte of content.
func (l *Local) openFile(key string) (*os.File, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, err
	}
	f, err := os.Open(l.path(key))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, Info{}, fmt.Errorf("%w: key %q", ErrNotFound, key)
		}
		return nil, Info{}, fmt.Errorf("blob: open key %q: %w", key, err)
	}
	info, err := readHeader(f, key)
	if err != nil {
		f.Close()
		return nil, Info{}, err
	}
	return f, info, nil
}

func readHeader(f *os.File, key string) (Info, error) {
	st, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("blob: stat key %q: %w", key, err)
	}
	var header [headerLen]byte
	if _, err := io.ReadFull(f, header[:]); err != nil {
		return Info{}, fmt.Errorf("blob: read header of key %q: %w", key, err)
	}
	if string(header[:len(headerMagic)]) != headerMagic {
		return Info{}, fmt.Errorf("blob: file of key %q does not start with %q", key, headerMagic)
	}
	info := Info{Key: key, Size: st.Size() - int64(headerLen)}
	copy(info.SHA256[:], header[len(headerMagic):])
	return info, nil
}

// mkdirs creates the missing directories between the root and dir, syncing
// each parent so that a new directory survives a crash with its content.
func (l *Local) mkdirs(dir string) error {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return nil
	}
	rel, err := filepath.Rel(l.dir, dir)
	if err != nil {
		return err
	}
	parent := l.dir
	for _, seg := range strings.Split(rel, string(filepath.Separator)) {
		next := filepath.Join(parent, seg)
		err := os.Mkdir(next, 0o750)
		switch {
		case err == nil:
			if err := syncDir(parent); err != nil {
				return err
			}
		case !errors.Is(err, fs.ErrExist):
			return err
		}
		parent = next
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
