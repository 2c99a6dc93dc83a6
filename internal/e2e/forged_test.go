package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestForgedDelivery: the bus keeps delivering one application with an
// SMEV signature that does not verify (the stand's forge fault). Okno counts
// it by the message id it claims; after five pulls it acknowledges it
// accepted=false — never a RequestRejected, nothing proves the portal sent
// it — and keeps it as a dead letter marked «Подпись СМЭВ не прошла
// проверку», which the platform administrator may close but not run again.
// The agency's next application is registered meanwhile.
func TestForgedDelivery(t *testing.T) {
	t.Parallel()
	forged := uuid.Must(uuid.NewUUID()).String()
	w := newWorld(t, "SMEVSTAND_FAULT_FORGE_SIGNATURE="+forged)
	w.startOkno()
	epgu := w.portal()
	service := demoServices(t)[0]
	fake := epgu.newApplication(service.form, service.st.RequiredDocuments, service.object)
	fake.messageID = forged
	if id := epgu.mustSend(fake); id != forged {
		t.Fatalf("the application went out as %s, want %s", id, forged)
	}
	good := epgu.mustSend(epgu.newApplication(service.form, service.st.RequiredDocuments, service.object))

	eventually(t, 60*time.Second, "the good application to be registered", func() bool {
		return w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, good) == 1
	})
	eventually(t, 120*time.Second, "the forged message to become a dead letter", func() bool {
		return w.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'dead'`, forged) == 1
	})
	if n := w.count(`SELECT attempts FROM intake_dead_letters WHERE bus_message_id = $1`, forged); n != 5 {
		t.Errorf("dead after %d attempts, want 5", n)
	}
	if n := w.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND NOT verified AND kind = 'request'
		AND reason LIKE '%signature is invalid%' AND position('MessagePrimaryContent' in convert_from(envelope, 'UTF8')) > 0`, forged); n != 1 {
		t.Error("the dead letter is not marked unverified with its reason and raw envelope")
	}
	if n := w.count(`SELECT delivery_count FROM smevstand.message WHERE id = $1`, forged); n < 5 {
		t.Errorf("the bus delivered the message %d times, want at least 5", n)
	}
	w.acked(forged)
	if n := w.count(`SELECT count(*) FROM smevstand.message WHERE id = $1 AND accepted = false`, forged); n != 1 {
		t.Error("the forged message was not acknowledged accepted=false")
	}
	if n := w.count(`SELECT count(*) FROM intake_rejections WHERE bus_message_id = $1`, forged); n != 0 {
		t.Errorf("the forged message was refused with an answer (%d rejections)", n)
	}
	if n := w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, forged); n != 0 {
		t.Fatalf("the forged message made %d cases", n)
	}

	admin := w.login("platform.admin")
	status, page := admin.get("/platform/dead-letters")
	if status != 200 || !strings.Contains(page, forged) || !strings.Contains(page, "Подпись СМЭВ не прошла проверку") {
		t.Fatalf("the dead-letter list (%d) does not show %s as unverified:\n%s", status, forged, page)
	}
	var agency string
	if err := w.query(`SELECT agency_id::text FROM intake_dead_letters WHERE bus_message_id = $1`, forged).Scan(&agency); err != nil {
		t.Fatal(err)
	}
	entry := "/platform/dead-letters/" + agency + "/" + forged
	if status, page := admin.get(entry); status != 200 || strings.Contains(page, entry+"/retry") || !strings.Contains(page, "Подпись СМЭВ не прошла проверку") {
		t.Fatalf("the entry (%d) offers «Повторить» or does not say the signature failed:\n%s", status, page)
	}
	status, page = admin.post(entry+"/retry", url.Values{})
	if status != 409 || !strings.Contains(page, "Подпись СМЭВ не прошла проверку: сообщение можно только закрыть") {
		t.Fatalf("retry of the forged message: %d, want 409 with the reason:\n%s", status, page)
	}
	if n := w.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'dead' AND attempts = 5`, forged); n != 1 {
		t.Error("the refused retry changed the entry")
	}
	if n := w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, forged); n != 0 {
		t.Fatal("the refused retry made a case")
	}
	if status, _ := admin.post(entry+"/close", url.Values{"reason": {"Подделка: подпись СМЭВ не сходится"}}); status != 303 {
		t.Fatalf("close: %d", status)
	}
	if n := w.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'closed'`, forged); n != 1 {
		t.Error("the forged message's entry is not closed")
	}
}
