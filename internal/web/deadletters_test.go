package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestDeadLetterScreen: the platform administrator sees a dead bus message
// with its raw envelope as escaped text, and closes it with a reason
// (audited); an agency's own people do not see the list at all.
func TestDeadLetterScreen(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	id := uuid.Must(uuid.NewUUID()).String()
	envelope := `<soap:Envelope><MessagePrimaryContent><x:a xmlns:x="urn:x">` + "</pre><script>alert('dead')</script>" + `</x:a></MessagePrimaryContent></soap:Envelope>`
	s.ownerExec(`INSERT INTO intake_dead_letters (agency_id, bus_message_id, kind, state, attempts, first_seen, last_seen, reason, envelope, delivery)
		SELECT id, $1, 'request', 'dead', 5, now() - interval '1 minute', now(), 'registry number: <b>bigint out of range</b>', convert_to($2, 'UTF8'), ''::bytea
		FROM agencies WHERE code = 'MINSTROY'`, id, envelope)
	var agency string
	if err := s.ownerQuery(`SELECT agency_id::text FROM intake_dead_letters WHERE bus_message_id = $1`, id).Scan(&agency); err != nil {
		t.Fatal(err)
	}
	entry := "/platform/dead-letters/" + agency + "/" + id

	for _, login := range []string{"minstroy.clerk", "minstroy.admin"} {
		b := s.browser().login(login)
		if r := b.get("/platform/dead-letters"); r.status != http.StatusForbidden || strings.Contains(r.body, id) {
			t.Errorf("%s got the list: %d", login, r.status)
		}
		if r := b.post(entry+"/close", url.Values{"reason": {"не моё"}}); r.status != http.StatusForbidden {
			t.Errorf("%s closed the entry: %d", login, r.status)
		}
	}

	admin := s.browser().login("platform.admin")
	list := admin.get("/platform/dead-letters")
	mustContain(t, list, id, "MINSTROY", "registry number: &lt;b&gt;bigint out of range&lt;/b&gt;", "5")
	page := admin.get(entry)
	mustContain(t, page, "&lt;/pre&gt;&lt;script&gt;alert(&#39;dead&#39;)&lt;/script&gt;", "Повторить", "Закрыть")
	if strings.Contains(page.body, "<script>alert") || strings.Contains(list.body, "<b>bigint") {
		t.Fatal("the raw message or its reason reached the page unescaped")
	}

	if r := admin.post(entry+"/close", url.Values{"reason": {""}}); r.status != http.StatusSeeOther {
		t.Fatalf("close without a reason: %d", r.status)
	}
	if n := s.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'dead'`, id); n != 1 {
		t.Fatal("closed without a reason")
	}
	if r := admin.post(entry+"/close", url.Values{"reason": {"Дубликат заявления, подано повторно"}}); r.status != http.StatusSeeOther {
		t.Fatalf("close: %d", r.status)
	}
	if n := s.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'closed' AND closed_reason = 'Дубликат заявления, подано повторно'`, id); n != 1 {
		t.Fatal("the entry is not closed with the reason")
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'intake.dead_letter.close' AND object_id = $1 AND actor_login = 'platform.admin'`, id); n != 1 {
		t.Errorf("%d audit entries for the close, want 1", n)
	}
	if r := admin.get("/platform/dead-letters"); strings.Contains(r.body, id) {
		t.Error("the closed entry is still listed")
	}
	if r := admin.post(entry+"/close", url.Values{"reason": {"ещё раз"}}); r.status != http.StatusNotFound {
		t.Errorf("closing a closed entry: %d, want 404", r.status)
	}
}

// TestDeadLetterUnverifiedRetryRefused: a dead letter whose SMEV signature
// failed is marked so in the list and on its page, offers no «Повторить»,
// and a retry posted anyway is refused with 409 and a Russian reason,
// changing nothing; it can still be closed.
func TestDeadLetterUnverifiedRetryRefused(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	id := uuid.Must(uuid.NewUUID()).String()
	s.ownerExec(`INSERT INTO intake_dead_letters (agency_id, bus_message_id, kind, state, attempts, first_seen, last_seen, reason, verified, envelope, delivery)
		SELECT id, $1, 'request', 'dead', 5, now() - interval '1 minute', now(), 'smev: signature is invalid', false, convert_to('<forged/>', 'UTF8'), ''::bytea
		FROM agencies WHERE code = 'MINSTROY'`, id)
	var agency string
	if err := s.ownerQuery(`SELECT agency_id::text FROM intake_dead_letters WHERE bus_message_id = $1`, id).Scan(&agency); err != nil {
		t.Fatal(err)
	}
	entry := "/platform/dead-letters/" + agency + "/" + id
	admin := s.browser().login("platform.admin")
	mustContain(t, admin.get("/platform/dead-letters"), id, "Подпись СМЭВ не прошла проверку")
	page := admin.get(entry)
	mustContain(t, page, "Подпись СМЭВ не прошла проверку", "Закрыть", "&lt;forged/&gt;")
	if strings.Contains(page.body, entry+"/retry") {
		t.Error("the page offers «Повторить» for an unverified message")
	}

	r := admin.post(entry+"/retry", url.Values{})
	if r.status != http.StatusConflict {
		t.Fatalf("retry of an unverified dead letter: %d, want 409", r.status)
	}
	mustContain(t, r, "Подпись СМЭВ не прошла проверку: сообщение можно только закрыть")
	if n := s.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'dead' AND attempts = 5 AND NOT verified
		AND reason = 'smev: signature is invalid'`, id); n != 1 {
		t.Fatal("the refused retry changed the entry")
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE object_id = $1`, id); n != 0 {
		t.Errorf("the refused retry left %d audit entries", n)
	}

	if r := admin.post(entry+"/close", url.Values{"reason": {"Подделка: подпись СМЭВ не сходится"}}); r.status != http.StatusSeeOther {
		t.Fatalf("close: %d", r.status)
	}
	if n := s.count(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'closed'`, id); n != 1 {
		t.Error("the unverified entry could not be closed")
	}
}
