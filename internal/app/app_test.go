package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/app"
	"github.com/okno-oiv/okno/internal/config"
	"github.com/okno-oiv/okno/internal/pgtest"
)

func load(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Built from configuration alone, as the server does: the database is
// migrated and seeded, the handler answers, Start runs the bus pull loop
// (which takes the pull lease) and the audit anchoring, and Stop ends them,
// releasing the lease, and closes the pool Okno opened.
func TestBuildsOknoFromConfiguration(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	cfg := load(t, map[string]string{"DATABASE_URL": dbURL, "OKNO_DATA_DIR": t.TempDir(), "OKNO_DEMO": "true"})
	okno, err := app.New(ctx, app.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(okno.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %d", resp.StatusCode)
	}

	if err := okno.Start(ctx); err != nil {
		t.Fatal(err)
	}
	owner, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var anchorings int
		if err := owner.QueryRow(ctx, `SELECT count(*) FROM river.river_job WHERE kind = 'audit_anchor' AND state = 'completed'`).Scan(&anchorings); err != nil {
			t.Fatal(err)
		}
		leases := pullLeases(t, owner)
		if leases == 1 && anchorings > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Start: %d pull leases held, %d audit anchorings completed; want both", leases, anchorings)
		}
		time.Sleep(100 * time.Millisecond)
	}

	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := okno.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	if err := okno.Pool.Ping(ctx); err == nil {
		t.Fatal("the pool Okno opened is still open after Stop")
	}
	// The server ends the closed session's backend, and its lock, on its own time.
	for leases := pullLeases(t, owner); leases != 0; leases = pullLeases(t, owner) {
		if time.Now().After(deadline.Add(30 * time.Second)) {
			t.Fatalf("%d pull leases still held after Stop", leases)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pullLeases counts the sessions of the database that hold the bus pull's
// advisory lock ("pull" in ASCII, a bigint key: its low half is objid).
func pullLeases(t *testing.T, owner *pgx.Conn) int {
	t.Helper()
	var n int
	if err := owner.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
		WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = @key AND l.objsubid = 1
		AND d.datname = current_database()`, pgx.NamedArgs{"key": 0x70756c6c}).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A web-only replica (OKNO_WORKERS=false) schedules nothing, and a pool the
// caller gave stays the caller's.
func TestWithoutWorkersNothingRunsAndTheGivenPoolStaysOpen(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	first := load(t, map[string]string{"DATABASE_URL": dbURL, "OKNO_DATA_DIR": t.TempDir()})
	opened, err := app.New(ctx, app.Options{Config: first})
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Stop(ctx)

	cfg := load(t, map[string]string{"DATABASE_URL": dbURL, "OKNO_DATA_DIR": t.TempDir(), "OKNO_WORKERS": "false"})
	okno, err := app.New(ctx, app.Options{Config: cfg, Pool: opened.Pool})
	if err != nil {
		t.Fatal(err)
	}
	if err := okno.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := okno.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := opened.Pool.Ping(ctx); err != nil {
		t.Fatalf("the caller's pool was closed: %v", err)
	}
	var jobs int
	if err := opened.Pool.QueryRow(ctx, `SELECT count(*) FROM river.river_job`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs != 0 {
		t.Fatalf("%d jobs scheduled by a process without workers", jobs)
	}
}
