// Package database connects Okno to PostgreSQL: it prepares the database and
// the application role, runs the embedded goose migrations as the owner, and
// opens the pool the application uses as okno_app, a role that owns nothing and
// cannot bypass row-level security.
//
// Tenant scope is applied in exactly one place, InAgency, which sets
// app.agency_id for the current transaction only (never for the session, which
// would leak between tenants on pooled connections).
package database

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/okno-oiv/okno/migrations"
)

// AppRole is the PostgreSQL role the application runs as.
const AppRole = "okno_app"

// Prepare makes the database named in ownerURL ready: it creates the database
// when missing (connecting to the server's postgres database for that), makes
// sure the application role exists without BYPASSRLS, and applies migrations.
// appPassword, when not empty, becomes the application role's password.
func Prepare(ctx context.Context, ownerURL, appPassword string) error {
	if err := ensureDatabase(ctx, ownerURL); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return fmt.Errorf("connect as owner: %w", err)
	}
	defer conn.Close(ctx)
	// One preparer at a time: several server processes may start together.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", prepareLockKey); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", prepareLockKey) //nolint:errcheck // the session ends right after
	if err := ensureAppRole(ctx, conn, appPassword); err != nil {
		return err
	}
	if err := migrate(ctx, ownerURL); err != nil {
		return err
	}
	return migrateRiver(ctx, ownerURL, conn)
}

// prepareLockKey is the advisory lock that serialises Prepare ("okno" in ASCII).
const prepareLockKey = 0x6f6b6e6f

// RiverSchema holds River's job tables: outside the tenant tables, without
// RLS, because a job names its agency in its arguments and the worker opens
// the agency-scoped transaction itself.
const RiverSchema = "river"

func migrateRiver(ctx context.Context, ownerURL string, conn *pgx.Conn) error {
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+RiverSchema); err != nil {
		return fmt.Errorf("create schema %s: %w", RiverSchema, err)
	}
	pool, err := pgxpool.New(ctx, ownerURL)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	defer pool.Close()
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{
		Schema: RiverSchema, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("apply river migrations: %w", err)
	}
	for _, grant := range []string{
		"GRANT USAGE ON SCHEMA " + RiverSchema + " TO " + AppRole,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + RiverSchema + " TO " + AppRole,
		"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + RiverSchema + " TO " + AppRole,
		"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA " + RiverSchema + " TO " + AppRole,
	} {
		if _, err := conn.Exec(ctx, grant); err != nil {
			return fmt.Errorf("grant river tables: %w", err)
		}
	}
	return nil
}

func ensureDatabase(ctx context.Context, ownerURL string) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err == nil {
		return conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name
		return fmt.Errorf("connect to database: %w", err)
	}
	u, perr := url.Parse(ownerURL)
	if perr != nil {
		return fmt.Errorf("parse database URL: %w", perr)
	}
	name := u.Path[1:]
	u.Path = "/postgres"
	server, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return fmt.Errorf("connect to server to create database %q: %w", name, err)
	}
	defer server.Close(ctx)
	if _, err := server.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		var exists *pgconn.PgError
		if errors.As(err, &exists) && exists.Code == "42P04" { // duplicate_database: a parallel start made it
			return nil
		}
		return fmt.Errorf("create database %q: %w", name, err)
	}
	return nil
}

func ensureAppRole(ctx context.Context, conn *pgx.Conn, appPassword string) error {
	// Roles are cluster-wide: several Okno databases on one server share it.
	_, err := conn.Exec(ctx, `DO $$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '`+AppRole+`') THEN
			CREATE ROLE `+AppRole+` LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
		END IF;
	END $$`)
	if err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23505" { // a parallel start created it
			return fmt.Errorf("create role %s: %w", AppRole, err)
		}
	}
	if appPassword != "" {
		if _, err := conn.Exec(ctx, "ALTER ROLE "+AppRole+" PASSWORD "+quoteLiteral(appPassword)); err != nil {
			return fmt.Errorf("set password of role %s: %w", AppRole, err)
		}
	}
	return nil
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

func migrate(ctx context.Context, ownerURL string) error {
	cfg, err := pgx.ParseConfig(ownerURL)
	if err != nil {
		return fmt.Errorf("parse database URL: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations.Files)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// AppURL is ownerURL with the user replaced by the application role.
func AppURL(ownerURL, appPassword string) (string, error) {
	u, err := url.Parse(ownerURL)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	if appPassword != "" {
		u.User = url.UserPassword(AppRole, appPassword)
	} else {
		u.User = url.User(AppRole)
	}
	return u.String(), nil
}

// Open opens the application's connection pool.
func Open(ctx context.Context, appURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(appURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect as %s: %w", AppRole, err)
	}
	return pool, nil
}

// InAgency runs fn in one transaction scoped to the agency: row-level security
// shows and accepts only that agency's rows. The transaction commits when fn
// returns nil and rolls back otherwise. fn's transaction is a *Tx: what was
// deferred to its end (the audit entries) runs after fn, just before commit.
//
// A transaction PostgreSQL ends as a deadlock victim or a serialization
// failure is run again, fn and all, a few times after a short random pause;
// fn must therefore leave nothing behind outside its transaction (files are
// stored before it, jobs are inserted in it). If every attempt fails so, the
// error wraps ErrBusy.
func InAgency(ctx context.Context, pool *pgxpool.Pool, agencyID uuid.UUID, fn func(pgx.Tx) error) error {
	if agencyID == uuid.Nil {
		return errors.New("database: InAgency called without an agency")
	}
	for attempt := 1; ; attempt++ {
		err := inAgencyOnce(ctx, pool, agencyID, fn)
		if !retryable(err) {
			return err
		}
		if attempt == retryAttempts {
			return fmt.Errorf("%w after %d attempts: %w", ErrBusy, attempt, err)
		}
		// A random pause, growing with the attempt, keeps the transactions
		// that collided from colliding again in step.
		pause := time.Duration(rand.Int64N(int64(retryPause) << attempt))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// ErrBusy says a transaction kept colliding with others (deadlock or
// serialization failure) and was given up: the person may simply repeat.
var ErrBusy = errors.New("database: the data is being changed by another transaction")

const (
	retryAttempts = 5
	retryPause    = 20 * time.Millisecond // the first pause is up to twice this
)

// retryable tells a collision PostgreSQL resolved by ending this
// transaction: serialization_failure (40001) or deadlock_detected (40P01).
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

func inAgencyOnce(ctx context.Context, pool *pgxpool.Pool, agencyID uuid.UUID, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(ptx pgx.Tx) error {
		if _, err := ptx.Exec(ctx, "SELECT set_config('app.agency_id', $1, true)", agencyID.String()); err != nil {
			return fmt.Errorf("set agency scope: %w", err)
		}
		tx := &Tx{Tx: ptx, Agency: agencyID}
		if err := fn(tx); err != nil {
			return err
		}
		for _, f := range tx.finals {
			if err := f.step.Finish(ctx, ptx); err != nil {
				return err
			}
		}
		return nil
	})
}

// Tx is an agency-scoped transaction of InAgency.
type Tx struct {
	pgx.Tx
	Agency uuid.UUID
	finals []final
}

// A FinalStep is work a transaction defers to its end, so that the locks it
// takes are held only from there to the commit.
type FinalStep interface {
	Finish(ctx context.Context, tx pgx.Tx) error
}

type final struct {
	key  any
	step FinalStep
}

// Final returns the transaction's final step under key, made by create on
// first use. Steps run in the order they were first asked for.
func (t *Tx) Final(key any, create func() FinalStep) FinalStep {
	for _, f := range t.finals {
		if f.key == key {
			return f.step
		}
	}
	step := create()
	t.finals = append(t.finals, final{key: key, step: step})
	return step
}

// Unscoped runs fn in a transaction with no agency scope: tenant tables show
// no rows. Only reference tables (agencies, the login directory) are usable.
func Unscoped(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, fn)
}
