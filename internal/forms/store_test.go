package forms_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/database/dbtest"
	"github.com/okno-oiv/okno/internal/forms"
)

func newAgency(t *testing.T, pool *pgxpool.Pool, code string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	err := database.Unscoped(context.Background(), pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO agencies (id, code, name, short_name) VALUES ($1, $2, $2, $2)`, id, code)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func inAgency(t *testing.T, pool *pgxpool.Pool, agency uuid.UUID, fn func(ctx context.Context, tx pgx.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	return database.InAgency(ctx, pool, agency, func(tx pgx.Tx) error { return fn(ctx, tx) })
}

func TestStoreKeepsServiceTypesPerAgency(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	a := newAgency(t, db.App, "AGENCY_A")
	b := newAgency(t, db.App, "AGENCY_B")
	rns := demoType(t, "MINSTROY", "RNS")
	rns.AgencyID = a
	err := inAgency(t, db.App, a, func(ctx context.Context, tx pgx.Tx) error { return forms.Insert(ctx, tx, rns) })
	if err != nil {
		t.Fatal(err)
	}
	err = inAgency(t, db.App, a, func(ctx context.Context, tx pgx.Tx) error {
		got, err := forms.ByNamespace(ctx, tx, rns.NamespaceURI, "FormData")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, rns) {
			t.Errorf("read back\n%+v\nwant\n%+v", got, rns)
		}
		if got, err := forms.ByID(ctx, tx, rns.ID); err != nil || got.Code != "RNS" {
			t.Errorf("ByID: %v %v", got.Code, err)
		}
		sel, err := forms.Selectors(ctx, tx)
		if err != nil {
			return err
		}
		if want := []forms.Selector{{NamespaceURI: rns.NamespaceURI, RootElement: "FormData"}}; !reflect.DeepEqual(sel, want) {
			t.Errorf("selectors %+v", sel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = inAgency(t, db.App, b, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := forms.ByNamespace(ctx, tx, rns.NamespaceURI, "FormData"); !errors.Is(err, forms.ErrNotFound) {
			t.Errorf("agency B finds A's form: %v", err)
		}
		if _, err := forms.ByID(ctx, tx, rns.ID); !errors.Is(err, forms.ErrNotFound) {
			t.Errorf("agency B reads A's service type: %v", err)
		}
		list, err := forms.List(ctx, tx)
		if err != nil || len(list) != 0 {
			t.Errorf("agency B lists %d service types, %v", len(list), err)
		}
		sel, err := forms.Selectors(ctx, tx)
		if err != nil || len(sel) != 0 {
			t.Errorf("agency B asks the bus for %+v, %v", sel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// B may have its own service type for the same form.
	mine := rns
	mine.AgencyID, mine.ID = b, uuid.New()
	if err := inAgency(t, db.App, b, func(ctx context.Context, tx pgx.Tx) error { return forms.Insert(ctx, tx, mine) }); err != nil {
		t.Fatal(err)
	}
	// Nor can B write a row for A.
	forged := rns
	forged.ID, forged.Code, forged.Active = uuid.New(), "FORGED", false
	err = inAgency(t, db.App, b, func(ctx context.Context, tx pgx.Tx) error { return forms.Insert(ctx, tx, forged) })
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" { // insufficient_privilege: the RLS check
		t.Fatalf("agency B inserting a service type of agency A: %v", err)
	}
}

func TestInsertRefusesConflictsAndInvalidTypes(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	a := newAgency(t, db.App, "AGENCY_A")
	rns := demoType(t, "MINSTROY", "RNS")
	rns.AgencyID = a
	insert := func(st forms.ServiceType) error {
		return inAgency(t, db.App, a, func(ctx context.Context, tx pgx.Tx) error { return forms.Insert(ctx, tx, st) })
	}
	if err := insert(rns); err != nil {
		t.Fatal(err)
	}
	sameCode := rns
	sameCode.ID, sameCode.NamespaceURI = uuid.New(), forms.ConcentratorNamespace("building-permit", "2.0.0")
	if err := insert(sameCode); !errors.Is(err, forms.ErrConflict) {
		t.Errorf("same code: %v", err)
	}
	sameForm := rns
	sameForm.ID, sameForm.Code = uuid.New(), "RNS2"
	if err := insert(sameForm); !errors.Is(err, forms.ErrConflict) {
		t.Errorf("second active type for one form: %v", err)
	}
	sameForm.Active = false // an old version may stay, inactive
	if err := insert(sameForm); err != nil {
		t.Errorf("inactive type for the same form: %v", err)
	}
	bad := rns
	bad.ID, bad.Code, bad.RegistryPattern = uuid.New(), "BAD", "{year}"
	if err := insert(bad); !errors.Is(err, forms.ErrInvalidServiceType) {
		t.Errorf("invalid type: %v", err)
	}
	noID := rns
	noID.ID, noID.Code = uuid.Nil, "NOID"
	if err := insert(noID); !errors.Is(err, forms.ErrInvalidServiceType) {
		t.Errorf("type without id: %v", err)
	}
	err := inAgency(t, db.App, a, func(ctx context.Context, tx pgx.Tx) error {
		list, err := forms.List(ctx, tx)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].Code != "RNS" || list[1].Code != "RNS2" || list[1].Active {
			t.Errorf("list %+v", list)
		}
		sel, err := forms.Selectors(ctx, tx)
		if err != nil || len(sel) != 1 {
			t.Errorf("selectors %+v, %v", sel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSeedDemoIsIdempotent(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	if err := forms.SeedDemo(ctx, db.App); err == nil {
		t.Fatal("seeded without the demo agencies")
	}
	agencies := map[string]uuid.UUID{"MINSTROY": newAgency(t, db.App, "MINSTROY"), "OKN": newAgency(t, db.App, "OKN")}
	for range 2 {
		if err := forms.SeedDemo(ctx, db.App); err != nil {
			t.Fatal(err)
		}
	}
	for code, id := range agencies {
		err := inAgency(t, db.App, id, func(ctx context.Context, tx pgx.Tx) error {
			list, err := forms.List(ctx, tx)
			if err != nil {
				return err
			}
			want := forms.DemoServiceTypes(code)
			for i := range want {
				want[i].AgencyID = id
			}
			if !reflect.DeepEqual(list, want) {
				t.Errorf("%s: stored\n%+v\nwant\n%+v", code, list, want)
			}
			var audited int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'service_type.create'`).Scan(&audited); err != nil {
				return err
			}
			if audited != len(want) {
				t.Errorf("%s: %d audit entries for %d service types", code, audited, len(want))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
