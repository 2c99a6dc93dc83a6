package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/app"
	"github.com/okno-oiv/okno/internal/config"
	"github.com/okno-oiv/okno/internal/database/dbtest"
	"github.com/okno-oiv/okno/internal/outbox"
	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevstand"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/testenv"
)

// newBusSite is a site whose outbox works against a stand; the stand's
// participants do not run, so nobody takes the portal's queue, which holds
// queueCapacity messages before the bus answers DestinationOverflow.
func newBusSite(t *testing.T, queueCapacity int, backoff outbox.Backoff) *site {
	t.Helper()
	testenv.NeedFonts(t, portal.DefaultFontPath)
	ctx := context.Background()
	keys := t.TempDir()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	stand, err := smevstand.New(ctx, smevstand.Config{DatabaseURL: pgtest.NewDatabase(t), KeyDir: keys, QueueCapacity: queueCapacity,
		Redelivery: time.Hour, Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	standSrv := httptest.NewServer(stand.Handler())
	t.Cleanup(func() { standSrv.Close(); stand.Close() })

	db := dbtest.New(t)
	blobDir := t.TempDir()
	env := map[string]string{
		"DATABASE_URL": db.OwnerURL, "OKNO_DATA_DIR": t.TempDir(), "OKNO_STORAGE_DIR": blobDir, "OKNO_DEMO": "true",
		"OKNO_WORKERS": "true", "OKNO_SESSION_KEY": strings.Repeat("07", 32), "OKNO_SECRETS_KEY": strings.Repeat("09", 32),
		"OKNO_SMEV_URL": standSrv.URL + "/smev", "OKNO_SMEV_FILES_URL": standSrv.URL + "/files/", "OKNO_SMEV_KEYS_DIR": keys,
		"OKNO_SMEV_PULL_INTERVAL": "1h",
	}
	cfg, err := config.Load(func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	okno, err := app.New(ctx, app.Options{Config: cfg, Pool: db.App, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		FetchPollInterval: 100 * time.Millisecond, OutboxBackoff: backoff})
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
	s := newBusSite(t, 1, outbox.Backoff{First: 20 * time.Millisecond, Cap: 200 * time.Millisecond, StuckAfter: 500 * time.Millisecond})
	clerk := s.browser().login("minstroy.clerk")
	head := s.browser().login("minstroy.head")
	var ids []string
	for range 3 {
		id, r := clerk.registerOffice(validOffice(), []byte("%PDF-1.4 скан"))
		if id == "" {
			t.Fatalf("registration: %d %s", r.status, r.body)
		}
		ids = append(ids, id)
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
