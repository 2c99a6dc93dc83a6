package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/app"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/config"
	"github.com/okno-oiv/okno/internal/database/dbtest"
	"github.com/okno-oiv/okno/internal/outbox"
	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevlink"
	"github.com/okno-oiv/okno/internal/smevstand"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/testenv"
)

// newBusSite is a site whose outbox works against stands whose
// participants do not run, so nobody takes the portal's queue. The agencies
// named in overflowing talk to a stand of their own whose queue holds one
// message before the bus answers DestinationOverflow; the others to a stand
// with room.
func newBusSite(t *testing.T, backoff outbox.Backoff, overflowing ...string) *site {
	t.Helper()
	testenv.NeedFonts(t, portal.DefaultFontPath)
	ctx := context.Background()
	keys := t.TempDir() // shared: both stands know the same systems' keys
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	startStand := func(capacity int) string {
		stand, err := smevstand.New(ctx, smevstand.Config{DatabaseURL: pgtest.NewDatabase(t), KeyDir: keys, QueueCapacity: capacity,
			Redelivery: time.Hour, Log: discard})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(stand.Handler())
		t.Cleanup(func() { srv.Close(); stand.Close() })
		return srv.URL
	}
	roomy, full := startStand(0), startStand(1)
	toFull := routedBuses{names: map[string]bool{}, full: smevlink.New(smevlink.Config{Endpoint: full + "/smev", FilesURL: full + "/files/", KeysDir: keys})}
	for _, m := range overflowing {
		toFull.names[m] = true
	}

	db := dbtest.New(t)
	blobDir := t.TempDir()
	env := map[string]string{
		"DATABASE_URL": db.OwnerURL, "OKNO_DATA_DIR": t.TempDir(), "OKNO_STORAGE_DIR": blobDir, "OKNO_DEMO": "true",
		"OKNO_WORKERS": "true", "OKNO_SESSION_KEY": strings.Repeat("07", 32), "OKNO_SECRETS_KEY": strings.Repeat("09", 32),
		"OKNO_SMEV_URL": roomy + "/smev", "OKNO_SMEV_FILES_URL": roomy + "/files/", "OKNO_SMEV_KEYS_DIR": keys,
		"OKNO_SMEV_PULL_INTERVAL": "1h",
	}
	cfg, err := config.Load(func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	okno, err := app.New(ctx, app.Options{Config: cfg, Pool: db.App, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		FetchPollInterval: 100 * time.Millisecond, OutboxBackoff: backoff,
		InstrumentBuses: func(b cases.Buses) cases.Buses { toFull.roomy = b; return toFull }})
	if err != nil {
		t.Fatal(err)
	}
	if err := okno.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = okno.Stop(context.Background()) })
	ts := httptest.NewServer(okno.Handler())
	t.Cleanup(ts.Close)
	ownerCfg, err := pgxpool.ParseConfig(db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	ownerCfg.MaxConns = 2
	owner, err := pgxpool.NewWithConfig(ctx, ownerCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(owner.Close)
	return &site{t: t, db: db, url: ts.URL, handler: ts.Config.Handler, owner: owner, log: logs, blobs: blobDir}
}

// routedBuses sends the named agencies to the full stand.
type routedBuses struct {
	names       map[string]bool
	roomy, full cases.Buses
}

func (b routedBuses) For(mnemonic string) (cases.Bus, error) {
	if b.names[mnemonic] {
		return b.full.For(mnemonic)
	}
	return b.roomy.For(mnemonic)
}

// eventually polls cond until it holds; the deadline only bounds a broken
// run, nothing is asserted about how fast.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(90 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still not so: %s", what)
		}
	}
}

// TestOverflowedDeliveriesBackOffAndGetStuck: while the portal's queue is
// full, statuses are retried with backoff instead of failing or holding a
// worker, and once past the threshold they are stuck: on the card, with
// the bus's fault, and in the metrics. Cancelling the stuck status lets the
// case's later one go on its own.
func TestOverflowedDeliveriesBackOffAndGetStuck(t *testing.T) {
	t.Parallel()
	s := newBusSite(t, outbox.Backoff{First: 20 * time.Millisecond, Cap: 200 * time.Millisecond, StuckAfter: 500 * time.Millisecond}, "MINSTROY")
	clerk := s.browser().login("minstroy.clerk")
	head := s.browser().login("minstroy.head")
	for range 3 {
		if id, r := clerk.registerOffice(validOffice(), []byte("%PDF-1.4 скан")); id == "" {
			t.Fatalf("registration: %d %s", r.status, r.body)
		}
	}
	// One status fills the portal's queue; the two others overflow it.
	eventually(t, "one status sent, two stuck on DestinationOverflow", func() bool {
		return s.count(`SELECT count(*) FROM status_deliveries WHERE state = 'sent'`) == 1 &&
			s.count(`SELECT count(*) FROM status_deliveries WHERE state = 'queued' AND stuck_since IS NOT NULL
				AND attempts > 1 AND last_error LIKE '%DestinationOverflow%'`) == 2
	})
	var stuckID, agencyID string
	if err := s.ownerQuery(`SELECT case_id::text, agency_id::text FROM status_deliveries WHERE state = 'queued' ORDER BY case_id LIMIT 1`).
		Scan(&stuckID, &agencyID); err != nil {
		t.Fatal(err)
	}
	mustContain(t, head.get("/cases/"+stuckID), "Не доставлено на портал:", "DestinationOverflow", "Повторить сейчас")
	metrics := head.get("/metrics")
	mustContain(t, metrics, `okno_outbox_stuck_deliveries{agency="`+agencyID+`"} 2`, `okno_outbox_delivery_attempts_total{result="overflow"}`,
		`okno_outbox_delivery_attempts_total{result="sent"} 1`)
	// A River job of a stuck delivery is snoozed, not failed toward its last attempt.
	if n := s.count(`SELECT count(*) FROM river.river_job WHERE kind = 'case_status_delivery' AND state IN ('discarded', 'cancelled')`); n != 0 {
		t.Fatalf("%d delivery jobs given up", n)
	}
}

// TestOneAgencysFullQueueDoesNotHoldAnother: while the portal's queue of
// one agency is full and its statuses back off, another agency's statuses
// go to the bus at their first try: the overflow holds neither the
// outbox's workers nor the other agency.
func TestOneAgencysFullQueueDoesNotHoldAnother(t *testing.T) {
	t.Parallel()
	s := newBusSite(t, outbox.Backoff{First: 50 * time.Millisecond, Cap: 500 * time.Millisecond, StuckAfter: time.Hour}, "MINSTROY")
	minstroy := s.browser().login("minstroy.clerk")
	okn := s.browser().login("okn.clerk")
	// More overflowing statuses (10) than the outbox queue has workers (8):
	// were a refused status to hold its worker, ОКН's would wait for one.
	for range 11 {
		if id, r := minstroy.registerOffice(validOffice(), []byte("%PDF-1.4 скан")); id == "" {
			t.Fatalf("registration: %d %s", r.status, r.body)
		}
	}
	eventually(t, "Минстрой's queue full and its statuses backing off", func() bool {
		return s.count(`SELECT count(*) FROM status_deliveries WHERE state = 'queued' AND attempts >= 1 AND last_error LIKE '%DestinationOverflow%'`) == 10
	})
	var oknCases []string
	for range 3 {
		id, r := okn.registerOfficeAt("OKN-R", validHeritageOffice(), []byte("%PDF-1.4 скан"))
		if id == "" {
			t.Fatalf("ОКН registration: %d %s", r.status, r.body)
		}
		oknCases = append(oknCases, id)
	}
	eventually(t, "ОКН's statuses sent", func() bool {
		return s.count(`SELECT count(*) FROM status_deliveries WHERE state = 'sent' AND case_id = ANY($1::uuid[])`, oknCases) == 3
	})
	var slowest float64
	if err := s.ownerQuery(`SELECT extract(epoch FROM max(d.updated_at - e.at))::float8 FROM status_deliveries d
		JOIN case_events e ON e.agency_id = d.agency_id AND e.case_id = d.case_id AND e.seq = d.event_seq
		WHERE d.case_id = ANY($1::uuid[])`, oknCases).Scan(&slowest); err != nil {
		t.Fatal(err)
	}
	t.Logf("slowest of ОКН's statuses reached the bus %.2f s after its change (a figure, not asserted)", slowest)
	// Each went at its first try, and Минстрой's still wait for room.
	if n := s.count(`SELECT count(*) FROM status_deliveries WHERE case_id = ANY($1::uuid[]) AND attempts = 1 AND tries = 1 AND last_error = ''`, oknCases); n != 3 {
		t.Fatalf("%d of ОКН's statuses went at the first try, want 3", n)
	}
	if n := s.count(`SELECT count(*) FROM status_deliveries WHERE state = 'queued' AND NOT (case_id = ANY($1::uuid[]))`, oknCases); n != 10 {
		t.Fatalf("%d of Минстрой's statuses still queued, want 10", n)
	}
}

// validHeritageOffice is a complete paper application for ОКН's OKN-R.
func validHeritageOffice() map[string]string {
	return map[string]string{
		"applicant.kind": "person", "applicant.last_name": "Орлова", "applicant.first_name": "Анна",
		"applicant.snils": "112-233-445 95", "applicant.document_series": "4510", "applicant.document_number": "123456",
		"heritageObjectName": "Особняк Морозова", "registryNumber": "771510302050006",
		"objectAddress": "г. Москва, ул. Спиридоновка, д. 17", "worksKind": "Реставрация",
		"document.0": "on", "document.1": "on", "document.2": "on",
	}
}

// TestCancellingAStuckStatusLetsTheNextGo: an office case's next status
// waits for the portal's answer to its first (which names the cabinet's
// order); when that answer never comes both are marked stuck, and the head
// cancelling the first lets the next go at once.
func TestCancellingAStuckStatusLetsTheNextGo(t *testing.T) {
	t.Parallel()
	// StuckAfter and Cap are long: the next status moves only by the cancel.
	s := newBusSite(t, outbox.Backoff{First: 20 * time.Millisecond, Cap: time.Hour, StuckAfter: 200 * time.Millisecond})
	clerk := s.browser().login("minstroy.clerk")
	head := s.browser().login("minstroy.head")
	id, r := clerk.registerOffice(validOffice(), []byte("%PDF-1.4 скан"))
	if id == "" {
		t.Fatalf("registration: %d %s", r.status, r.body)
	}
	eventually(t, "the first status sent", func() bool {
		return s.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND state = 'sent'`, id) == 1
	})
	if r := clerk.post("/cases/"+id+"/status", url.Values{"from": {"registered"}, "to": {"in_progress"}}); r.status != http.StatusSeeOther {
		t.Fatalf("status change: %d", r.status)
	}
	eventually(t, "both statuses stuck", func() bool {
		return s.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND stuck_since IS NOT NULL`, id) == 2
	})
	var first int
	if err := s.ownerQuery(`SELECT min(event_seq) FROM status_deliveries WHERE case_id = $1`, id).Scan(&first); err != nil {
		t.Fatal(err)
	}
	mustContain(t, head.get("/cases/"+id), "портал не ответил на него", "ждёт, пока уйдёт предыдущий статус дела")
	if r := head.post(fmt.Sprintf("/cases/%s/deliveries/%d/cancel", id, first), url.Values{"reason": {"портал потерял заявку"}}); r.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.status)
	}
	eventually(t, "the next status sent", func() bool {
		return s.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND event_seq > $2 AND state = 'sent'`, id, first) == 1
	})
}
