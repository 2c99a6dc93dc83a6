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
// deleted only when do succeeds. A failure puts the task off (retryDelay
// of its attempts so far) and a crash leaves it for a later attempt, so one
// failing task neither comes first at every step nor is lost. It reports
// whether a task was run.
func (s *Store) RunDueTask(ctx context.Context, participant string, now time.Time, do func(Task) error) (bool, error) {
	ran := false
	var failed error
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var t Task
		var attempts int
		err := tx.QueryRow(ctx, `SELECT id, participant, kind, due_at, payload, attempts FROM smevstand.task
			WHERE participant = @participant AND due_at <= @now ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
			pgx.NamedArgs{"participant": participant, "now": now}).
			Scan(&t.ID, &t.Participant, &t.Kind, &t.DueAt, &t.Payload, &attempts)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("claim task of %s: %w", participant, err)
		}
		if err := do(t); err != nil {
			failed = fmt.Errorf("%s task %d of %s (attempt %d): %w", t.Kind, t.ID, participant, attempts+1, err)
			if _, err := tx.Exec(ctx, `UPDATE smevstand.task SET due_at = @due, attempts = attempts + 1 WHERE id = @id`,
				pgx.NamedArgs{"id": t.ID, "due": now.Add(retryDelay(attempts))}); err != nil {
				return fmt.Errorf("put off task %d: %w", t.ID, err)
			}
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM smevstand.task WHERE id = @id`, pgx.NamedArgs{"id": t.ID}); err != nil {
			return fmt.Errorf("finish task %d: %w", t.ID, err)
		}
		ran = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return ran, failed
}

// retryDelay is how long a task waits after its n-th failure (from zero):
// a second, doubling up to ten minutes.
func retryDelay(failures int) time.Duration {
	const ceiling = 10 * time.Minute
	if failures >= 10 {
		return ceiling
	}
	return min(time.Second<<failures, ceiling)
}
