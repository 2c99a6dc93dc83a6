package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/database/dbtest"
)

// Two transactions lock two rows in opposite order, forced into a cycle on
// their first attempt: PostgreSQL ends one as the deadlock victim, and
// InAgency runs it again, so both callers succeed.
func TestInAgencyRetriesADeadlockVictim(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	a := seedAgency(t, db, "AAA")
	first, second := uuid.New(), uuid.New()
	if err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO departments (agency_id, id, name) VALUES (@a, @x, 'Первый'), (@a, @y, 'Второй')`,
			pgx.NamedArgs{"a": a, "x": first, "y": second})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	lock := func(tx pgx.Tx, id uuid.UUID) error {
		_, err := tx.Exec(ctx, `UPDATE departments SET name = name || '.' WHERE id = $1`, id)
		return err
	}
	oneLocked, twoLocked := make(chan struct{}), make(chan struct{})
	attempts := [2]int{}
	run := func(i int, mine, theirs uuid.UUID, locked, other chan struct{}) error {
		return database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
			attempts[i]++
			if err := lock(tx, mine); err != nil {
				return err
			}
			if attempts[i] == 1 {
				close(locked)
				<-other
			}
			return lock(tx, theirs)
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run(0, first, second, oneLocked, twoLocked) }()
	go func() { errs <- run(1, second, first, twoLocked, oneLocked) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("deadlocked transaction not retried: %v", err)
		}
	}
	if attempts[0]+attempts[1] != 3 {
		t.Errorf("attempts %v, want one of the two run twice", attempts)
	}
	var dots int
	if err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT sum(length(name) - length(rtrim(name, '.'))) FROM departments WHERE id = ANY($1)`,
			[]uuid.UUID{first, second}).Scan(&dots)
	}); err != nil {
		t.Fatal(err)
	}
	if dots != 4 {
		t.Errorf("%d updates kept, want 4 (each transaction's two, the victim's first attempt rolled back)", dots)
	}
}

// A transaction that keeps failing to serialise is given up after a few
// attempts with ErrBusy, which the web shows as "someone else is changing
// it", never as an internal error.
func TestInAgencyGivesUpWithErrBusy(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	a := seedAgency(t, db, "AAA")
	attempts := 0
	err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		attempts++
		_, err := tx.Exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'collided' USING ERRCODE = 'serialization_failure'; END $$`)
		return err
	})
	if !errors.Is(err, database.ErrBusy) {
		t.Fatalf("got %v, want ErrBusy", err)
	}
	if attempts < 2 {
		t.Fatalf("%d attempts, want retries", attempts)
	}
	// Other errors are not retried.
	attempts = 0
	err = database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		attempts++
		_, err := tx.Exec(ctx, `SELECT 1/0`)
		return err
	})
	if err == nil || errors.Is(err, database.ErrBusy) || attempts != 1 {
		t.Fatalf("division by zero: %v after %d attempts, want one attempt and its own error", err, attempts)
	}
}
