package audit_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/database/dbtest"
)

// The database's owner can rewrite a whole chain consistently, or cut it
// and reset the head, and audit_verify then finds nothing; the signed
// anchors, in the database and in the file, show it.
func TestAnchorsShowAChainTheOwnerRewrote(t *testing.T) {
	cases := []struct {
		name    string
		tamper  []string // run by the owner; $1 is the agency
		rewrite bool     // then rebuild a consistent chain of forged entries
		want    string   // in the verify command's output
		// otherCut: the tampering (a TRUNCATE) took the other agency's log too
		otherCut bool
	}{
		{name: "intact", want: "AAA: ok, 7 entries, 1 anchors"},
		{name: "rewritten in place", rewrite: true,
			tamper: []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_immutable`,
				`DELETE FROM audit_log WHERE agency_id = $1`, `DELETE FROM audit_heads WHERE agency_id = $1`},
			want: "entry 5 differs from its anchor"},
		{name: "cut and head reset",
			tamper: []string{`TRUNCATE audit_log`, `UPDATE audit_heads SET seq = 0, hash = '' WHERE agency_id = $1`},
			want:   "entry 5, anchored at", otherCut: true},
		{name: "anchors truncated too", rewrite: true,
			tamper: []string{`TRUNCATE audit_log, audit_anchors, audit_heads`},
			want:   "anchor of entry 5 (" /* ... is in the file but not in the database */, otherCut: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := dbtest.New(t)
			ctx := context.Background()
			a, other := newAgency(t, db, "AAA"), newAgency(t, db, "BBB")
			dir := t.TempDir()
			anchors := &audit.Anchors{Pool: db.App, Keys: &audit.FileKeys{Dir: dir}, File: filepath.Join(dir, "anchors.jsonl")}
			record(t, db, a, 5)
			record(t, db, other, 2)
			reg := prometheus.NewRegistry()
			gauge, err := audit.NewChainGauge(reg)
			if err != nil {
				t.Fatal(err)
			}
			worker := &audit.AnchorWorker{Anchors: anchors, Gauge: gauge, Logger: slog.New(slog.DiscardHandler)}
			if err := worker.Round(ctx); err != nil { // anchors AAA at 5, BBB at 2
				t.Fatal(err)
			}
			record(t, db, a, 2)

			if len(tc.tamper) > 0 {
				owner, err := pgx.Connect(ctx, db.OwnerURL)
				if err != nil {
					t.Fatal(err)
				}
				defer owner.Close(ctx)
				for _, stmt := range tc.tamper {
					var args []any
					if strings.Contains(stmt, "$1") {
						args = append(args, a)
					}
					if _, err := owner.Exec(ctx, stmt, args...); err != nil {
						t.Fatalf("%s: %v", stmt, err)
					}
				}
				if tc.rewrite {
					forge(t, owner, a, 7)
				}
				if b := verify(t, db, a); b != nil {
					t.Fatalf("the owner's rewrite should pass the chain check alone, got %+v", *b)
				}
			}

			var out, errOut bytes.Buffer
			code := audit.Command(ctx, anchors, []string{"verify", "-agency", "AAA"}, &out, &errOut)
			wantCode := 1
			if tc.tamper == nil {
				wantCode = 0
			}
			if code != wantCode || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("okno audit verify: exit %d, want %d; output:\n%s%s\nwant it to say %q", code, wantCode, out.String(), errOut.String(), tc.want)
			}

			if err := worker.Round(ctx); err != nil {
				t.Fatal(err)
			}
			wantOK := map[string]float64{"AAA": float64(1 - wantCode), "BBB": 1}
			if tc.otherCut {
				wantOK["BBB"] = 0
			}
			if got := chainGauge(t, reg); got["AAA"] != wantOK["AAA"] || got["BBB"] != wantOK["BBB"] {
				t.Fatalf("okno_audit_chain_ok = %v, want %v", got, wantOK)
			}
		})
	}
}

// forge appends n entries of the owner's choosing as a consistent chain.
func forge(t *testing.T, owner *pgx.Conn, agency uuid.UUID, n int) {
	t.Helper()
	ctx := context.Background()
	entries := make([]string, n)
	for i := range entries {
		entries[i] = `{"action": "case.view", "object_type": "case", "object_id": "forged", "details": {}}`
	}
	if _, err := owner.Exec(ctx, `SELECT set_config('app.agency_id', $1, false), set_config('app.actor_login', 'head', false)`, agency.String()); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `SELECT audit_append_entries($1::jsonb)`, "["+strings.Join(entries, ",")+"]"); err != nil {
		t.Fatal(err)
	}
}

func chainGauge(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "okno_audit_chain_ok" {
			continue
		}
		for _, m := range f.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	return out
}

// An anchor signed with a key other than the agency's is not trusted.
func TestAnchorsSignedWithAnotherKeyAreRefused(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	a := newAgency(t, db, "AAA")
	record(t, db, a, 3)
	dir, forgerDir := t.TempDir(), t.TempDir()
	file := filepath.Join(dir, "anchors.jsonl")
	forger := &audit.Anchors{Pool: db.App, Keys: &audit.FileKeys{Dir: forgerDir}, File: file}
	if _, err := forger.Anchor(ctx, audit.Agency{ID: a, Code: "AAA"}); err != nil {
		t.Fatal(err)
	}
	anchors := &audit.Anchors{Pool: db.App, Keys: &audit.FileKeys{Dir: dir}, File: file}
	var out bytes.Buffer
	if code := audit.Command(ctx, anchors, []string{"verify"}, &out, &out); code != 1 || !strings.Contains(out.String(), "untrusted certificate") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
}
