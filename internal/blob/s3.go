package blob

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// metaSHA256 is the user metadata holding the hex SHA-256 of an object; S3
// sends it as the header x-amz-meta-sha256.
const metaSHA256 = "Sha256"

// S3Config locates a bucket on an S3-compatible server.
type S3Config struct {
	Endpoint  string // host:port, without scheme
	Bucket    string
	AccessKey string
	SecretKey string
	UseTLS    bool
	// SpoolDir holds the temporary copy of each upload; empty means the
	// system's temporary directory.
	SpoolDir string
}

// S3 stores content as objects of one bucket.
type S3 struct {
	client   *minio.Client
	bucket   string
	maxBytes int64
	spoolDir string
}

// NewS3 returns a store on cfg's bucket that refuses content larger than
// maxBytes. It does not contact the server; a missing bucket or bad
// credentials surface on the first call.
func NewS3(cfg S3Config, maxBytes int64) (*S3, error) {
	switch {
	case cfg.Endpoint == "":
		return nil, errors.New("blob: S3 store needs an endpoint")
	case cfg.Bucket == "":
		return nil, errors.New("blob: S3 store needs a bucket")
	case maxBytes <= 0:
		return nil, fmt.Errorf("blob: maximum size must be positive, got %d", maxBytes)
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseTLS,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: S3 client for %q: %w", cfg.Endpoint, err)
	}
	spool := cfg.SpoolDir
	if spool == "" {
		spool = os.TempDir()
	}
	return &S3{client: client, bucket: cfg.Bucket, maxBytes: maxBytes, spoolDir: spool}, nil
}

// Put spools the content to a temporary file (enforcing the limit and hashing
// it), then uploads it with a declared size and its digest as metadata. S3
// makes an object visible only when its upload completes, so Put is atomic.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, opts ...PutOption) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	spool, err := os.CreateTemp(s.spoolDir, "okno-blob-*")
	if err != nil {
		return Info{}, fmt.Errorf("blob: create spool file for key %q: %w", key, err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	info, err := copyLimited(ctx, key, spool, r, s.maxBytes, opts)
	if err != nil {
		return Info{}, err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return Info{}, fmt.Errorf("blob: rewind spool file for key %q: %w", key, err)
	}
	_, err = s.client.PutObject(ctx, s.bucket, key, spool, info.Size, minio.PutObjectOptions{
		ContentType:  "application/octet-stream",
		UserMetadata: map[string]string{metaSHA256: info.SHA256Hex()},
	})
	if err != nil {
		return Info{}, fmt.Errorf("blob: upload key %q to bucket %q: %w", key, s.bucket, err)
	}
	return info, nil
}

// Open starts a GET and returns its body, verified against the stored
// SHA-256 at EOF.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, s.wrap("open", key, err)
	}
	// Stat issues the GET and reports a missing key before any read.
	oi, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Info{}, s.wrap("open", key, err)
	}
	info, err := infoFromObject(key, oi)
	if err != nil {
		obj.Close()
		return nil, Info{}, err
	}
	return newVerifyingReader(obj, info), info, nil
}

// Stat issues a HEAD request.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.wrap("stat", key, err)
	}
	return infoFromObject(key, oi)
}

// Delete removes the object; S3 itself treats a missing key as success.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return s.wrap("delete", key, err)
	}
	return nil
}

// Check asks whether the bucket exists, which also proves the endpoint and
// the credentials.
func (s *S3) Check(ctx context.Context) error {
	exists, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: check bucket %q: %w", s.bucket, err)
	}
	if !exists {
		return fmt.Errorf("blob: bucket %q does not exist", s.bucket)
	}
	return nil
}

func (s *S3) wrap(op, key string, err error) error {
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return fmt.Errorf("%w: key %q", ErrNotFound, key)
	}
	return fmt.Errorf("blob: %s key %q in bucket %q: %w", op, key, s.bucket, err)
}

// infoFromObject reads the digest Put stored; an object without it was not
// written by this package and cannot be verified, so it is refused.
func infoFromObject(key string, oi minio.ObjectInfo) (Info, error) {
	info := Info{Key: key, Size: oi.Size}
	digest := oi.Metadata.Get("X-Amz-Meta-" + metaSHA256)
	raw, err := hex.DecodeString(digest)
	if err != nil || len(raw) != len(info.SHA256) {
		return Info{}, fmt.Errorf("blob: object %q has no valid %s metadata (got %q)", key, metaSHA256, digest)
	}
	copy(info.SHA256[:], raw)
	return info, nil
}
