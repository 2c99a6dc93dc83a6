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
// migrated and seeded, the handler answers, Start runs the periodic bus
// pull and Stop ends it and closes the pool Okno opened.
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
		var pulls, anchorings int
		if err := owner.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'bus_pull'),
			count(*) FILTER (WHERE kind = 'audit_anchor' AND state = 'completed') FROM river.river_job`).Scan(&pulls, &anchorings); err != nil {
			t.Fatal(err)
		}
		if pulls > 0 && anchorings > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Start: %d bus pulls scheduled, %d audit anchorings completed; want both", pulls, anchorings)
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
