package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/database/dbtest"
)

func newAgency(t *testing.T, db dbtest.DB, code string) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	id := uuid.New()
	if err := database.Unscoped(ctx, db.App, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO agencies (id, code, name, short_name) VALUES ($1, $2, $2, $2)`, id, code)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func record(t *testing.T, db dbtest.DB, agency uuid.UUID, n int) {
	t.Helper()
	ctx := context.Background()
	actor := audit.Actor{ID: uuid.New(), Login: "ivanov", IP: "10.0.0.7"}
	for i := 0; i < n; i++ {
		if err := database.InAgency(ctx, db.App, agency, func(tx pgx.Tx) error {
			return audit.Record(ctx, tx, actor, audit.Entry{Action: "user.update", ObjectType: "user", ObjectID: fmt.Sprint(i), Details: map[string]any{"role": "clerk"}})
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, db dbtest.DB, agency uuid.UUID) *audit.Break {
	t.Helper()
	var b *audit.Break
	ctx := context.Background()
	if err := database.InAgency(ctx, db.App, agency, func(tx pgx.Tx) (err error) {
		b, err = audit.Verify(ctx, tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestChainDetectsTampering(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tamper string // run by the owner with the immutability trigger disabled
		seq    int64
		reason string
	}{
		{"intact", "", 0, ""},
		{"changed action", `UPDATE audit_log SET action = 'user.delete' WHERE seq = 3`, 3, "row content changed"},
		{"changed details", `UPDATE audit_log SET details = '{"role":"head"}' WHERE seq = 2`, 2, "row content changed"},
		{"changed time", `UPDATE audit_log SET occurred_at = occurred_at - interval '1 day' WHERE seq = 4`, 4, "row content changed"},
		{"removed row", `DELETE FROM audit_log WHERE seq = 2`, 2, "row missing"},
		{"removed tail", `DELETE FROM audit_log WHERE seq = 5`, 5, "rows missing at the end"},
		{"rehashed row", `UPDATE audit_log SET action = 'x', hash = audit_row_hash(agency_id, seq, prev_hash, occurred_at, actor_id, actor_login, 'x', object_type, object_id, client_ip, details) WHERE seq = 3`, 4, "previous hash does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := dbtest.New(t)
			a, other := newAgency(t, db, "AAA"), newAgency(t, db, "BBB")
			record(t, db, a, 5)
			record(t, db, other, 2)
			if tc.tamper != "" {
				ctx := context.Background()
				owner, err := pgx.Connect(ctx, db.OwnerURL)
				if err != nil {
					t.Fatal(err)
				}
				defer owner.Close(ctx)
				if _, err := owner.Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_immutable`); err != nil {
					t.Fatal(err)
				}
				if _, err := owner.Exec(ctx, tc.tamper+` AND agency_id = $1`, a); err != nil {
					t.Fatal(err)
				}
			}
			b := verify(t, db, a)
			switch {
			case tc.seq == 0 && b != nil:
				t.Fatalf("intact chain reported broken: %+v", *b)
			case tc.seq != 0 && (b == nil || b.Seq != tc.seq || b.Reason != tc.reason):
				t.Fatalf("got %+v, want seq %d %q", b, tc.seq, tc.reason)
			}
			if b := verify(t, db, other); b != nil {
				t.Fatalf("other agency's chain affected: %+v", *b)
			}
		})
	}
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	a := newAgency(t, db, "AAA")
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() { defer wg.Done(); record(t, db, a, 10) }()
	}
	wg.Wait()
	if b := verify(t, db, a); b != nil {
		t.Fatalf("chain broken after concurrent appends: %+v", *b)
	}
	ctx := context.Background()
	var rows []audit.Row
	if err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) (err error) {
		rows, err = audit.List(ctx, tx, audit.Filter{Limit: 500})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 40 || rows[0].Seq != 40 || rows[39].Seq != 1 {
		t.Fatalf("got %d rows, first seq %d", len(rows), rows[0].Seq)
	}
}

// Two transactions lock two rows in opposite order, each recording an entry
// in between: the shape of a bulk assignment beside a status change. When
// an entry locked the chain head where it was recorded, the first held the
// head while waiting for the second's row, and the second waited for the
// head: a deadlock. Appended at commit, the second finishes first.
func TestEntriesDoNotHoldTheHeadWhileTheTransactionWorks(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	a := newAgency(t, db, "AAA")
	first, second := uuid.New(), uuid.New()
	if err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO departments (agency_id, id, name) VALUES (@a, @x, 'Первый'), (@a, @y, 'Второй')`,
			pgx.NamedArgs{"a": a, "x": first, "y": second})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	lock := func(tx pgx.Tx, id uuid.UUID) error {
		_, err := tx.Exec(ctx, `SELECT FROM departments WHERE id = $1 FOR UPDATE`, id)
		return err
	}
	actor := audit.Actor{Login: "ivanov", IP: "10.0.0.7"}
	entry := func(id uuid.UUID) audit.Entry {
		return audit.Entry{Action: "department.rename", ObjectType: "department", ObjectID: id.String()}
	}
	bulkRecorded, otherLocked := make(chan struct{}), make(chan struct{})
	errs := make(chan error, 2)
	go func() { // the bulk action: first, then second
		errs <- database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
			if err := lock(tx, first); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, actor, entry(first)); err != nil {
				return err
			}
			close(bulkRecorded)
			<-otherLocked
			if err := lock(tx, second); err != nil {
				return err
			}
			return audit.Record(ctx, tx, actor, entry(second))
		})
	}()
	go func() { // the single action on the second row
		errs <- database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
			<-bulkRecorded
			if err := lock(tx, second); err != nil {
				return err
			}
			close(otherLocked)
			return audit.Record(ctx, tx, actor, entry(second))
		})
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent transactions: %v", err)
		}
	}
	if b := verify(t, db, a); b != nil {
		t.Fatalf("chain broken: %+v", *b)
	}
	var rows []audit.Row
	if err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) (err error) {
		rows, err = audit.List(ctx, tx, audit.Filter{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d entries, want 3", len(rows))
	}
}

func TestRecordRefusesATransactionOutsideInAgency(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	err := database.Unscoped(ctx, db.App, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.SystemActor(), audit.Entry{Action: "user.update", ObjectType: "user", ObjectID: "1"})
	})
	if err == nil || !strings.Contains(err.Error(), "outside database.InAgency") {
		t.Fatalf("got %v, want a refusal", err)
	}
}
