package drafts_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/database/dbtest"
	"github.com/okno-oiv/okno/internal/drafts"
	"github.com/okno-oiv/okno/internal/people"
)

// clerk makes an agency with one user, as the application would.
func clerk(t *testing.T, db dbtest.DB, code string) *people.Principal {
	t.Helper()
	ctx := context.Background()
	p := &people.Principal{Agency: people.Agency{ID: uuid.New()}, User: people.User{ID: uuid.New()}}
	if err := database.Unscoped(ctx, db.App, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO agencies (id, code, name, short_name) VALUES (@id, @code, @code, @code)`,
			pgx.NamedArgs{"id": p.Agency.ID, "code": code})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := database.InAgency(ctx, db.App, p.Agency.ID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (agency_id, id, login, full_name, role, password_hash)
			VALUES (@agency, @id, @login, 'Сотрудник', 'clerk', 'x')`,
			pgx.NamedArgs{"agency": p.Agency.ID, "id": p.User.ID, "login": strings.ToLower(code) + ".clerk"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

// A draft is the user's own: saved, replaced, read back, cleared; never
// read by a user of another agency under the same key; bad input changes nothing.
func TestDraftsAreTheUsersOwnAndBounded(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	svc := drafts.New(db.App)
	a, b := clerk(t, db, "AAA"), clerk(t, db, "BBB")
	if err := svc.Save(ctx, a, "office/RNS", []byte(`{"applicant.last_name": "Первая"}`)); err != nil {
		t.Fatal(err)
	}
	if err := svc.Save(ctx, a, "office/RNS", []byte(`{"applicant.last_name": "Орлова"}`)); err != nil {
		t.Fatal(err)
	}
	d, ok, err := svc.Load(ctx, a, "office/RNS")
	if err != nil || !ok || !strings.Contains(string(d.Values), "Орлова") {
		t.Fatalf("load: %s %v %v", d.Values, ok, err)
	}
	if _, ok, err := svc.Load(ctx, b, "office/RNS"); err != nil || ok {
		t.Fatalf("another agency's user reads the draft: %v %v", ok, err)
	}
	for _, bad := range []struct {
		key, values string
		want        error
	}{
		{"", `{}`, drafts.ErrBadKey},
		{"admin/users", `{}`, drafts.ErrBadKey},
		{"office/" + strings.Repeat("x", 300), `{}`, drafts.ErrBadKey},
		{"office/RNS", `["a"]`, drafts.ErrNotJSON},
		{"office/RNS", `не json`, drafts.ErrNotJSON},
		{"office/RNS", `{"x": "` + strings.Repeat("я", drafts.MaxBytes) + `"}`, drafts.ErrTooLarge},
	} {
		if err := svc.Save(ctx, a, bad.key, []byte(bad.values)); !errors.Is(err, bad.want) {
			t.Errorf("save %q: %v, want %v", bad.key, err, bad.want)
		}
	}
	if d, _, _ := svc.Load(ctx, a, "office/RNS"); !strings.Contains(string(d.Values), "Орлова") {
		t.Fatalf("refused saves changed the draft: %s", d.Values)
	}
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, `UPDATE drafts SET saved_at = now() - interval '8 days'`); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := svc.Load(ctx, a, "office/RNS"); err != nil || ok {
		t.Fatalf("a draft older than a week is read: %v %v", ok, err)
	}
	if err := svc.Save(ctx, a, "case/x/in_progress", []byte(`{"comment": "новый"}`)); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := owner.QueryRow(ctx, `SELECT count(*) FROM drafts WHERE form_key = 'office/RNS'`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("the expired draft stays after the user's next save: %d %v", left, err)
	}
	if err := svc.Clear(ctx, a, "office/RNS"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := svc.Load(ctx, a, "office/RNS"); err != nil || ok {
		t.Fatalf("a cleared draft comes back: %v %v", ok, err)
	}
}
