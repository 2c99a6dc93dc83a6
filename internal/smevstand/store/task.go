package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Task is work a simulated participant promised to do at DueAt.
type Task struct {
	ID          int64
	Participant string
	Kind        string
	DueAt       time.Time
	Payload     json.RawMessage
}

// AddTask schedules work for a participant.
func (s *Store) AddTask(ctx context.Context, participant, kind string, due time.Time, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s task: %w", kind, err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO smevstand.task (participant, kind, due_at, payload) VALUES ($1, $2, $3, $4)`,
		participant, kind, due, b); err != nil {
		return fmt.Errorf("add %s task for %s: %w", kind, participant, err)
	}
	return nil
}

// RunDueTask claims one due task of participant and runs do; the task is
// deleted only when do succeeds, so a failure or a crash leaves it for a
// later attempt. It reports whether a task was run.
func (s *Store) RunDueTask(ctx context.Context, participant string, now time.Time, do func(Task) error) (bool, error) {
	ran := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var t Task
		err := tx.QueryRow(ctx, `SELECT id, participant, kind, due_at, payload FROM smevstand.task
			WHERE participant = $1 AND due_at <= $2 ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`, participant, now).
			Scan(&t.ID, &t.Participant, &t.Kind, &t.DueAt, &t.Payload)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("claim task of %s: %w", participant, err)
		}
		if err := do(t); err != nil {
			return fmt.Errorf("%s task %d of %s: %w", t.Kind, t.ID, participant, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM smevstand.task WHERE id = $1`, t.ID); err != nil {
			return fmt.Errorf("finish task %d: %w", t.ID, err)
		}
		ran = true
		return nil
	})
	return ran, err
}
