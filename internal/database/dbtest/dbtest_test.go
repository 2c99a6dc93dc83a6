package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/migrations"
)

// Each test's copy carries every migration, and what one test writes the
// other never sees.
func TestNewIsMigratedAndIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first, second := New(t), New(t)
	if first.OwnerURL == second.OwnerURL {
		t.Fatalf("two calls returned the same database %s", first.OwnerURL)
	}
	files, err := fs.Glob(migrations.Files, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	a, err := pgx.Connect(ctx, first.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	var applied int
	if err := a.QueryRow(ctx, "SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Fatalf("copy has %d migrations applied, want %d", applied, len(files))
	}
	if _, err := a.Exec(ctx, `INSERT INTO agencies (id, code, name, short_name) VALUES (gen_random_uuid(), 'ISOLATED', 'Проверка', 'Проверка')`); err != nil {
		t.Fatal(err)
	}
	b, err := pgx.Connect(ctx, second.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	var n int
	if err := b.QueryRow(ctx, "SELECT count(*) FROM agencies WHERE code = 'ISOLATED'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("the second copy sees the first one's agency")
	}
	// The pool runs as the application role, which cannot see tenant rows
	// without an agency scope.
	var role string
	if err := first.App.QueryRow(ctx, "SELECT current_user").Scan(&role); err != nil {
		t.Fatal(err)
	}
	if role != "okno_app" {
		t.Fatalf("pool runs as %q, want okno_app", role)
	}
}

// Test processes of several packages start together: however many build the
// same template at once, one builds it and all of them get it.
func TestEnsureTemplateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	suffix := make([]byte, 4)
	rand.Read(suffix)
	name := "okno_template_race_" + hex.EncodeToString(suffix)
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, pgtest.ServerURL())
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		db := pgx.Identifier{name}.Sanitize()
		conn.Exec(ctx, "ALTER DATABASE "+db+" IS_TEMPLATE false")
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = ensureTemplate(ctx, name) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("builder %d: %v", i, err)
		}
	}
	copyURL := pgtest.NewDatabaseFrom(t, name)
	conn, err := pgx.Connect(ctx, copyURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM river.river_job").Scan(&n); err != nil {
		t.Fatalf("copy of the template lacks River's tables: %v", err)
	}
}
