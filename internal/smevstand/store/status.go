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

// StatusEvent is one asynchronous processing status for a message's sender.
type StatusEvent struct {
	MessageID uuid.UUID
	Category  string // basic:InteractionStatusType
	Details   string
	CreatedAt time.Time
}

// execer is a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// addStatus queues a status for recipient (the message's sender), within
// the transaction that changed the message.
func addStatus(ctx context.Context, db execer, recipient string, e StatusEvent) error {
	_, err := db.Exec(ctx, `INSERT INTO smevstand.status_event (recipient, message_id, category, details, created_at) VALUES ($1, $2, $3, $4, $5)`,
		recipient, e.MessageID, e.Category, e.Details, e.CreatedAt)
	if err != nil {
		return fmt.Errorf("add status %s of %s: %w", e.Category, e.MessageID, err)
	}
	return nil
}

// TakeStatus removes and returns recipient's oldest status, or nil.
func (s *Store) TakeStatus(ctx context.Context, recipient string) (*StatusEvent, error) {
	e := &StatusEvent{}
	err := s.pool.QueryRow(ctx, `
		DELETE FROM smevstand.status_event WHERE id = (
			SELECT id FROM smevstand.status_event WHERE recipient = $1 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING message_id, category, details, created_at`, recipient).
		Scan(&e.MessageID, &e.Category, &e.Details, &e.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("take status for %s: %w", recipient, err)
	}
	return e, nil
}
