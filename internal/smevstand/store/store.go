// Package store owns the stand's PostgreSQL state in the smevstand schema:
// message queues with at-least-once delivery, inline attachments, processing
// statuses, the file storage, participants' scheduled work and the portal's
// applications. Several stand processes may share one database: delivery
// and scheduled work are claimed with FOR UPDATE SKIP LOCKED.
package store

import (
	"context"
	_ "embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed schema.sql
var schemaSQL string

// schemaLock serializes schema creation among stand processes starting together.
const schemaLock = 0x736d6576 // "smev"

// Store is the stand's database.
type Store struct {
	pool *pgxpool.Pool
}

// ErrNotFound means the row asked for does not exist.
var ErrNotFound = errors.New("not found")

// Open connects to PostgreSQL and creates the smevstand schema if missing.
func Open(ctx context.Context, url string) (*Store, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open stand database: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the connections.
func (s *Store) Close() { s.pool.Close() }

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("create stand schema: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", schemaLock); err != nil {
		return fmt.Errorf("create stand schema: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, schemaSQL); err != nil {
		return fmt.Errorf("create stand schema: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("create stand schema: commit: %w", err)
	}
	return nil
}
