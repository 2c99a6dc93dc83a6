// Package dbtest gives a test a migrated Okno database of its own and a pool
// connected as the application role, exactly as the server runs.
package dbtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/pgtest"
)

// DB is a migrated test database.
type DB struct {
	OwnerURL string        // the migration owner's URL (superuser in tests)
	App      *pgxpool.Pool // connected as the application role, subject to RLS
}

// New creates, migrates and opens a fresh database for the test.
func New(t testing.TB) DB {
	t.Helper()
	ctx := context.Background()
	ownerURL := pgtest.NewDatabase(t)
	if err := database.Prepare(ctx, ownerURL, ""); err != nil {
		t.Fatalf("dbtest: prepare: %v", err)
	}
	appURL, err := database.AppURL(ownerURL, "")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := database.Open(ctx, appURL)
	if err != nil {
		t.Fatalf("dbtest: open: %v", err)
	}
	t.Cleanup(pool.Close)
	return DB{OwnerURL: ownerURL, App: pool}
}
