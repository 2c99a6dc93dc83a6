package database_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/okno-oiv/okno/internal/audit"
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

func TestAppRoleCannotForgeAudit(t *testing.T) {
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

	// An entry recorded the ordinary way carries the transaction's time.
	var txTime time.Time
	err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&txTime); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{Login: "ivanov", IP: "10.0.0.7"}, audit.Entry{Action: "user.update", ObjectType: "user", ObjectID: "1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var at time.Time
	var login string
	if err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT occurred_at, actor_login FROM audit_log WHERE seq = 1`).Scan(&at, &login)
	}); err != nil {
		t.Fatal(err)
	}
	if !at.Equal(txTime) || login != "ivanov" {
		t.Fatalf("entry at %v by %q, want the transaction's time %v and ivanov", at, login, txTime)
	}

	for _, stmt := range []string{
		// An entry of another time, actor and address, hashed by hand.
		`INSERT INTO audit_log (agency_id, seq, occurred_at, actor_id, actor_login, action, object_type, object_id, client_ip, details, prev_hash, hash)
			SELECT agency_id, seq + 1, '2001-01-01', NULL, 'head', 'case.status', 'case', 'x', '1.2.3.4', '{}', hash,
				audit_row_hash(agency_id, seq + 1, hash, '2001-01-01', NULL, 'head', 'case.status', 'case', 'x', '1.2.3.4', '{}')
			FROM audit_heads`,
		`UPDATE audit_heads SET seq = seq + 1`,
		`INSERT INTO audit_heads (agency_id, seq, hash) VALUES (current_agency_id(), 7, '')`,
		`UPDATE audit_log SET action = 'forged'`,
		`DELETE FROM audit_log`,
		`INSERT INTO audit_anchors (agency_id, seq, hash, signed_at, certificate, signature) SELECT agency_id, seq, hash, now(), '', '' FROM audit_heads`,
		`SELECT audit_append(NULL, 'head', 'case.status', 'case', 'x', '1.2.3.4', '{}')`,
	} {
		err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, stmt)
			return err
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "42883") { // insufficient_privilege, undefined_function
			t.Errorf("%s\nas app role: got %v, want permission denied", stmt, err)
		}
	}
	if b := verifyChain(t, db, a); b != nil {
		t.Fatalf("chain broken: %+v", *b)
	}
}

func verifyChain(t *testing.T, db dbtest.DB, agency uuid.UUID) *audit.Break {
	t.Helper()
	ctx := context.Background()
	var b *audit.Break
	if err := database.InAgency(ctx, db.App, agency, func(tx pgx.Tx) (err error) {
		b, err = audit.Verify(ctx, tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

// The registry reads cases under their policy, which is a security barrier:
// a condition that fails on a value (a cast) runs only on the agency's own
// rows, so its error cannot show another agency's applicant.
func TestCasesPolicyKeepsOtherAgenciesValuesOutOfErrors(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	a, b := seedAgency(t, db, "AAA"), seedAgency(t, db, "BBB")
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	stID := uuid.New()
	if _, err := owner.Exec(ctx, `INSERT INTO service_types (agency_id, id, code, title, namespace_uri, root_element, registry_pattern,
			deadline_working_days, on_problem, fields, required_documents, mapping, version)
		VALUES (@agency, @id, 'S', 'Услуга', 'urn:x', 'R', '{seq}', 10, 'register', '[]', '[]', '{}', 1)`,
		pgx.NamedArgs{"agency": b, "id": stID}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `INSERT INTO cases (agency_id, id, number, service_type_id, service_type_version, status, channel,
			applicant_kind, applicant_name, applicant, fields, received_at, registered_at, due_date)
		SELECT @agency, gen_random_uuid(), 'B-' || i, @st, 1, 'registered', 'portal', 'person', 'Тайнов Секрет ' || i, '{}', '{}', now(), now(), current_date
		FROM generate_series(1, 20) i`, pgx.NamedArgs{"agency": b, "st": stID}); err != nil {
		t.Fatal(err)
	}
	for _, cond := range []string{"applicant_name::int = 1", "number::int = 1", "(applicant_name || '')::numeric > 0"} {
		err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
			// The attacker's choice of plan: a sequential scan, where the
			// cheapest condition runs first unless the policy is a barrier.
			if _, err := tx.Exec(ctx, `SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off`); err != nil {
				return err
			}
			var n int
			return tx.QueryRow(ctx, `SELECT count(*) FROM cases WHERE `+cond).Scan(&n)
		})
		if err != nil {
			if strings.Contains(err.Error(), "Тайнов") || strings.Contains(err.Error(), "B-") {
				t.Errorf("%s from agency AAA leaks agency BBB's value: %v", cond, err)
			} else {
				t.Errorf("%s: %v", cond, err)
			}
		}
	}
}

// The reference tables are readable by all, but an agency writes only its own rows.
func TestAppRoleCannotRewriteAnotherAgencysReferenceRows(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	a, b := seedAgency(t, db, "AAA"), seedAgency(t, db, "BBB")
	userB := uuid.New()
	if err := database.InAgency(ctx, db.App, b, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (agency_id, id, login, full_name, role, password_hash)
			VALUES (@agency, @id, 'petrov', 'Петров', 'agency_admin', 'x')`, pgx.NamedArgs{"agency": b, "id": userB}); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO login_directory (login, agency_id, user_id) VALUES ('petrov', @agency, @id)`,
			pgx.NamedArgs{"agency": b, "id": userB})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE agencies SET require_second_factor = true WHERE code = 'BBB'`,
		`UPDATE agencies SET name = 'Захвачено', smev_mnemonic = 'EVIL' WHERE code = 'BBB'`,
		`UPDATE agencies SET is_platform = true`,
		`UPDATE login_directory SET agency_id = current_agency_id() WHERE login = 'petrov'`,
		`DELETE FROM login_directory WHERE login = 'petrov'`,
		`DELETE FROM agencies WHERE code = 'BBB'`,
	} {
		var affected int64
		err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, stmt)
			affected = tag.RowsAffected()
			return err
		})
		var pgErr *pgconn.PgError
		if err == nil && affected != 0 {
			t.Errorf("%s from agency AAA changed %d rows", stmt, affected)
		} else if err != nil && (!errors.As(err, &pgErr) || pgErr.Code != "42501") {
			t.Errorf("%s: got %v, want permission denied or no rows", stmt, err)
		}
	}
	// A login cannot be entered for another agency either.
	err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO login_directory (login, agency_id, user_id) VALUES ('petrov2', @agency, @id)`,
			pgx.NamedArgs{"agency": b, "id": userB})
		return err
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("login entered for another agency: got %v, want permission denied (RLS)", err)
	}
	var bName string
	var second, platform bool
	var dirAgency uuid.UUID
	if err := database.Unscoped(ctx, db.App, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT name, require_second_factor, is_platform FROM agencies WHERE id = $1`, b).Scan(&bName, &second, &platform); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT agency_id FROM login_directory WHERE login = 'petrov'`).Scan(&dirAgency)
	}); err != nil {
		t.Fatal(err)
	}
	if bName != "BBB" || second || platform || dirAgency != b {
		t.Fatalf("agency BBB now %q second factor %v platform %v, petrov in %s", bName, second, platform, dirAgency)
	}
	// Its own settings an agency still changes.
	var affected int64
	if err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE agencies SET require_second_factor = true WHERE id = $1`, a)
		affected = tag.RowsAffected()
		return err
	}); err != nil || affected != 1 {
		t.Fatalf("own settings: %d rows, %v", affected, err)
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
