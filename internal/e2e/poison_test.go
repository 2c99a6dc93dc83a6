package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// TestPoisonMessage: an application whose registration always fails (the
// agency's registry counter is exhausted, so every number it would take
// overflows) comes back from the bus until it has failed five times; then
// it is refused to the portal with RequestRejected, acknowledged, and kept
// in the platform administrator's dead-letter list. Meanwhile another
// application is registered. Once the cause is fixed, «Повторить» registers
// the kept message and closes its entry.
func TestPoisonMessage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	epgu := w.portal()
	services := demoServices(t)
	w.count(`SELECT 1`)
	if _, err := w.db.Exec(t.Context(), `INSERT INTO registry_counters (agency_id, year, last_seq)
		SELECT a.id, y, 9223372036854775807 FROM agencies a, generate_series(2024, 2035) y WHERE a.code = 'MINSTROY'
		ON CONFLICT (agency_id, year) DO UPDATE SET last_seq = EXCLUDED.last_seq`); err != nil {
		t.Fatal(err)
	}
	poison := epgu.mustSend(epgu.newApplication(services[0].form, services[0].st.RequiredDocuments, services[0].object))
	good := epgu.mustSend(epgu.newApplication(services[1].form, services[1].st.RequiredDocuments, services[1].object))

	eventually(t, 60*time.Second, "the good application to be registered", func() bool {
		return w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, good) == 1
	})
	eventually(t, 120*time.Second, "the poison message to become a dead letter", func() bool {
		return w.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'dead'`, poison) == 1
	})
	if n := w.count(`SELECT attempts FROM intake_dead_letters WHERE bus_message_id = $1`, poison); n != 5 {
		t.Errorf("dead after %d attempts, want 5", n)
	}
	if n := w.count(`SELECT delivery_count FROM smevstand.message WHERE id = $1`, poison); n < 5 {
		t.Errorf("the bus delivered the message %d times, want at least 5", n)
	}
	w.acked(poison)
	var answer message.RequestRejected
	eventually(t, 60*time.Second, "RequestRejected to reach the portal", func() bool {
		var ok bool
		answer, ok = w.rejection(poison)
		return ok
	})
	if answer.RejectionReasonCode != message.RejectFailure || !strings.Contains(answer.RejectionReasonDescription, "не смогло обработать заявление") ||
		!strings.Contains(answer.RejectionReasonDescription, poison) {
		t.Errorf("the portal got %s %q", answer.RejectionReasonCode, answer.RejectionReasonDescription)
	}
	if n := w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, poison); n != 0 {
		t.Fatalf("the dead message made %d cases", n)
	}

	admin := w.login("platform.admin")
	if _, metrics := admin.get("/metrics"); !strings.Contains(metrics, `okno_intake_dead_letters{agency="MINSTROY"} 1`) {
		t.Error("the metric does not count the dead letter")
	}
	status, page := admin.get("/platform/dead-letters")
	if status != 200 || !strings.Contains(page, poison) || !strings.Contains(page, "bigint") {
		t.Fatalf("the dead-letter list (%d) does not show %s with its reason:\n%s", status, poison, page)
	}
	var agency string
	if err := w.query(`SELECT agency_id::text FROM intake_dead_letters WHERE bus_message_id = $1`, poison).Scan(&agency); err != nil {
		t.Fatal(err)
	}
	entry := "/platform/dead-letters/" + agency + "/" + poison
	if status, page := admin.get(entry); status != 200 || !strings.Contains(page, "MessagePrimaryContent") {
		t.Fatalf("the entry (%d) does not show the raw message:\n%s", status, page)
	}

	// Still broken: «Повторить» keeps the entry and says so.
	if status, _ := admin.post(entry+"/retry", url.Values{}); status != 303 {
		t.Fatalf("retry while broken: %d", status)
	}
	if n := w.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'dead'`, poison); n != 1 {
		t.Fatal("a retry that failed closed the entry")
	}

	if _, err := w.db.Exec(t.Context(), `DELETE FROM registry_counters WHERE agency_id = (SELECT id FROM agencies WHERE code = 'MINSTROY')`); err != nil {
		t.Fatal(err)
	}
	if status, _ := admin.post(entry+"/retry", url.Values{}); status != 303 {
		t.Fatalf("retry: %d", status)
	}
	if n := w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, poison); n != 1 {
		t.Fatalf("the retried message made %d cases, want 1", n)
	}
	if n := w.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'closed'`, poison); n != 1 {
		t.Error("the entry is not closed after a successful retry")
	}
	if n := w.count(`SELECT count(*) FROM audit_log WHERE object_id = $1 AND action LIKE 'intake.dead_letter%'`, poison); n < 3 {
		t.Errorf("%d audit entries for the dead letter, want its death and two retries", n)
	}
	if _, metrics := admin.get("/metrics"); !strings.Contains(metrics, `okno_intake_dead_letters{agency="MINSTROY"} 0`) {
		t.Error("the metric still counts the closed dead letter")
	}
	if _, page := admin.get("/platform/dead-letters"); strings.Contains(page, poison) {
		t.Error("the closed entry is still listed")
	}
}
