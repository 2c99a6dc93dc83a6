// Package dbtest gives a test a migrated Okno database of its own and a pool
// connected as the application role, exactly as the server runs.
//
// Migrating takes a while, so it happens once: the first New of a test
// process prepares a template database named after a digest of what makes
// it (the migrations, River's version, database.Prepare's source), and every test gets a copy of it
// (CREATE DATABASE … TEMPLATE), so database tests can run in parallel. The
// template is built under an advisory lock, so the test processes of several
// packages starting together build it once between them, and it stays on the
// server for the next run; a changed migration gives a new name (old
// templates may be dropped at will).
package dbtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/testenv"
	"github.com/okno-oiv/okno/migrations"
)

// DB is a migrated test database.
type DB struct {
	OwnerURL string        // the migration owner's URL (superuser in tests)
	App      *pgxpool.Pool // connected as the application role, subject to RLS
}

// New creates a migrated database for the test (a copy of the template)
// and opens it as the application role.
func New(t testing.TB) DB {
	t.Helper()
	ownerURL := NewURL(t)
	appURL, err := database.AppURL(ownerURL, "")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := database.Open(context.Background(), appURL)
	if err != nil {
		t.Fatalf("dbtest: open: %v", err)
	}
	t.Cleanup(pool.Close)
	return DB{OwnerURL: ownerURL, App: pool}
}

// NewURL creates a migrated database for the test and returns its owner's
// URL, for tests that hand the database to a binary or open it themselves.
func NewURL(t testing.TB) string {
	t.Helper()
	name, err := template()
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return pgtest.NewDatabaseFrom(t, name)
}

// template returns the name of the migrated template, building it on the
// first call of the process. The result is kept for the process: once made,
// a template does not change (its name says what it holds).
var template = sync.OnceValues(func() (string, error) {
	name, err := templateName()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return name, ensureTemplate(ctx, name)
})

// templateName digests what the template holds: Okno's migrations, the
// River version whose migrations Prepare applies, and the database package's
// source (Prepare's role and grants), read from the checkout the test runs in.
func templateName() (string, error) {
	h := sha256.New()
	root, err := testenv.ModuleRoot()
	if err != nil {
		return "", err
	}
	sources, err := filepath.Glob(filepath.Join(root, "internal", "database", "*.go"))
	if err != nil || len(sources) == 0 {
		return "", fmt.Errorf("digest database.Prepare: no sources in %s (%v)", root, err)
	}
	for _, path := range sources {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("digest database.Prepare: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(path), len(data))
		h.Write(data)
	}
	err = fs.WalkDir(migrations.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(migrations.Files, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("digest migrations: %w", err)
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if strings.HasPrefix(dep.Path, "github.com/riverqueue/river") {
				fmt.Fprintf(h, "%s %s\n", dep.Path, dep.Version)
			}
		}
	}
	return "okno_template_" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// templateLockKey serialises building templates across test processes
// ("oknotmpl" in ASCII).
const templateLockKey = 0x6f6b6e6f746d706c

// ensureTemplate builds the template unless a finished one exists. A
// template is finished once it is marked IS_TEMPLATE, its last step; an
// unfinished one (a process killed while migrating) is dropped and rebuilt.
func ensureTemplate(ctx context.Context, name string) error {
	server := pgtest.ServerURL()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("connect to the server: %w (start PostgreSQL or set DATABASE_URL; `make test` does both)", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(templateLockKey)); err != nil {
		return fmt.Errorf("lock template: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(templateLockKey)) //nolint:errcheck // the session ends right after

	var finished *bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&finished)
	switch {
	case err == nil && *finished:
		return nil
	case err == nil:
		if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop unfinished template %s: %w", name, err)
		}
	case err != pgx.ErrNoRows:
		return fmt.Errorf("look for template %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create template %s: %w", name, err)
	}
	templateURL, err := pgtest.DatabaseURL(name)
	if err != nil {
		return err
	}
	if err := database.Prepare(ctx, templateURL, ""); err != nil {
		return fmt.Errorf("prepare template %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" IS_TEMPLATE true"); err != nil {
		return fmt.Errorf("mark template %s finished: %w", name, err)
	}
	return nil
}
