package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/database/dbtest"
)

func seedAgency(t *testing.T, db dbtest.DB, code string) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	id := uuid.New()
	err := database.Unscoped(ctx, db.App, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO agencies (id, code, name, short_name) VALUES ($1, $2, $2, $2)`, id, code)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = database.InAgency(ctx, db.App, id, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO departments (agency_id, id, name) VALUES ($1, $2, 'Отдел'), ($1, $3, 'Второй отдел')`, id, uuid.New(), uuid.New())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// countDepartments runs a query with no agency filter at all: only RLS scopes it.
func countDepartments(t *testing.T, db dbtest.DB, agency uuid.UUID) (total, foreign int) {
	t.Helper()
	ctx := context.Background()
	err := database.InAgency(ctx, db.App, agency, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE agency_id <> $1) FROM departments`, agency).Scan(&total, &foreign)
	})
	if err != nil {
		t.Fatal(err)
	}
	return total, foreign
}

func TestRowLevelSecurityScopesUnfilteredQueries(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	a, b := seedAgency(t, db, "AAA"), seedAgency(t, db, "BBB")

	for _, agency := range []uuid.UUID{a, b} {
		total, foreign := countDepartments(t, db, agency)
		if total != 2 || foreign != 0 {
			t.Fatalf("agency %s sees %d departments, %d of another agency; want 2 and 0", agency, total, foreign)
		}
	}

	// Without a scope nothing is visible: the policy fails closed.
	var n int
	if err := database.Unscoped(ctx, db.App, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM departments`).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("unscoped transaction sees %d departments, want 0", n)
	}

	// Writing a row for another agency is refused by WITH CHECK.
	err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO departments (agency_id, id, name) VALUES ($1, $2, 'Чужой')`, b, uuid.New())
		return err
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Fatalf("insert into another agency: got %v, want insufficient_privilege (RLS)", err)
	}

	// The proof works because of the policy: drop it (as the owner) and the
	// same query sees everything, so this test would catch a missing policy.
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, `ALTER TABLE departments DISABLE ROW LEVEL SECURITY`); err != nil {
		t.Fatal(err)
	}
	if total, foreign := countDepartments(t, db, a); total != 4 || foreign != 2 {
		t.Fatalf("without RLS the unfiltered query should see all 4 rows, saw %d (%d foreign)", total, foreign)
	}
}

func TestAppRoleCannotBypassOrRewriteAudit(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	a := seedAgency(t, db, "AAA")

	var bypass, super bool
	if err := db.App.QueryRow(ctx, `SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&bypass, &super); err != nil {
		t.Fatal(err)
	}
	if bypass || super {
		t.Fatalf("application role has bypassrls=%v superuser=%v", bypass, super)
	}

	err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT audit_append(NULL, 'system', 'test', 'agency', 'x', '127.0.0.1', '{}')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE audit_log SET action = 'forged'`, `DELETE FROM audit_log`} {
		err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, stmt)
			return err
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s as app role: got %v, want permission denied", stmt, err)
		}
	}
}

func TestInAgencyRollsBackOnError(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	a := seedAgency(t, db, "AAA")
	boom := errors.New("boom")
	err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO departments (agency_id, id, name) VALUES ($1, $2, 'Третий')`, a, uuid.New()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if total, _ := countDepartments(t, db, a); total != 2 {
		t.Fatalf("rolled-back insert is visible: %d departments", total)
	}
}
