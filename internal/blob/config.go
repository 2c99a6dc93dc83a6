package blob

import "fmt"

// Backends accepted by Config.Backend (OKNO_STORAGE).
const (
	BackendLocal = "local"
	BackendS3    = "s3"
)

// Config selects and configures a store. The config package fills it from
// OKNO_STORAGE, OKNO_STORAGE_DIR, OKNO_S3_* and OKNO_MAX_UPLOAD_BYTES.
type Config struct {
	Backend  string // BackendLocal (also when empty) or BackendS3
	Dir      string // root of the local store
	S3       S3Config
	MaxBytes int64 // largest content Put accepts
}

// New returns the store Config selects.
func New(cfg Config) (Store, error) {
	switch cfg.Backend {
	case BackendLocal, "":
		return NewLocal(cfg.Dir, cfg.MaxBytes)
	case BackendS3:
		return NewS3(cfg.S3, cfg.MaxBytes)
	default:
		return nil, fmt.Errorf("blob: unknown storage backend %q, want %q or %q", cfg.Backend, BackendLocal, BackendS3)
	}
}
