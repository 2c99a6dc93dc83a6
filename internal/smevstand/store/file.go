package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// File is one file in the stand's file storage.
type File struct {
	UUID       uuid.UUID
	Owner      string
	FileName   string
	MimeType   string
	Hash       string // base64 GOST R 34.11-2012 256 digest, as RefAttachmentHeader/Hash carries it
	Content    []byte
	Password   string // what FSAttachment/Password tells the receiver
	Size       int64
	UploadedAt time.Time
}

// PutFile stores a file; a repeated uuid is ErrDuplicate (files are immutable).
func (s *Store) PutFile(ctx context.Context, f *File) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO smevstand.file (uuid, owner, file_name, mime_type, hash, content, password, uploaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		f.UUID, f.Owner, f.FileName, f.MimeType, f.Hash, f.Content, f.Password, f.UploadedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("put file %s: %w", f.UUID, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("put file %s: %w", f.UUID, err)
	}
	return nil
}

// File returns a stored file with its content.
func (s *Store) File(ctx context.Context, id uuid.UUID) (*File, error) {
	f := &File{}
	err := s.pool.QueryRow(ctx, `SELECT uuid, owner, file_name, mime_type, hash, content, password, uploaded_at FROM smevstand.file WHERE uuid = $1`, id).
		Scan(&f.UUID, &f.Owner, &f.FileName, &f.MimeType, &f.Hash, &f.Content, &f.Password, &f.UploadedAt)
	f.Size = int64(len(f.Content))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("file %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", id, err)
	}
	return f, nil
}

// FileInfo is File without the content, for checks that need only the
// metadata of a possibly large file.
func (s *Store) FileInfo(ctx context.Context, id uuid.UUID) (*File, error) {
	f := &File{}
	err := s.pool.QueryRow(ctx, `SELECT uuid, owner, file_name, mime_type, hash, password, uploaded_at, octet_length(content) FROM smevstand.file WHERE uuid = $1`, id).
		Scan(&f.UUID, &f.Owner, &f.FileName, &f.MimeType, &f.Hash, &f.Password, &f.UploadedAt, &f.Size)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("file %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", id, err)
	}
	return f, nil
}
