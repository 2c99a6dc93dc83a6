package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestStuckDeliveryIsShownRetriedAndCancelled: a status that has not
// reached the portal for the stuck threshold stands out on the card with
// its last error and tries; the head retries it (its tries start afresh)
// or cancels it for a reason (audited), a clerk can do neither, and a
// cancel without a reason changes nothing.
func TestStuckDeliveryIsShownRetriedAndCancelled(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	clerk := s.browser().login("minstroy.clerk")
	head := s.browser().login("minstroy.head")
	id, r := clerk.registerOffice(validOffice(), []byte("%PDF-1.4 скан"))
	if id == "" {
		t.Fatalf("registration: %d %s", r.status, r.body)
	}
	var seq string
	if err := s.ownerQuery(`SELECT event_seq::text FROM status_deliveries WHERE case_id = $1`, id).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	// What the outbox writes after a quarter of an hour of refusals.
	s.ownerExec(`UPDATE status_deliveries SET tries = 12, attempts = 12, first_tried_at = now() - interval '20 minutes',
		stuck_since = now() - interval '5 minutes', last_error = 'smev: DestinationOverflow: очередь переполнена' WHERE case_id = $1`, id)

	card := head.get("/cases/" + id)
	mustContain(t, card, "Не доставлено на портал: smev: DestinationOverflow: очередь переполнена с ", "попыток 12",
		"Повторить сейчас", "Отменить доставку", `action="/cases/`+id+`/deliveries/`+seq+`/cancel"`)
	if c := clerk.get("/cases/" + id); c.status != http.StatusOK || !strings.Contains(c.body, "Не доставлено на портал") ||
		strings.Contains(c.body, "Повторить сейчас") {
		t.Fatalf("clerk's card: %d, want the stuck mark without the actions", c.status)
	}
	base := "/cases/" + id + "/deliveries/" + seq
	if r := clerk.post(base+"/cancel", url.Values{"reason": {"не нужно"}}); r.status != http.StatusForbidden {
		t.Fatalf("clerk's cancel: %d", r.status)
	}

	// A retry starts the tries afresh and wakes the job.
	if r := head.post(base+"/retry", url.Values{}); r.status != http.StatusSeeOther || r.location != "/cases/"+id {
		t.Fatalf("retry: %d → %s", r.status, r.location)
	}
	var state string
	var tries int
	var stuck bool
	if err := s.ownerQuery(`SELECT state, tries, stuck_since IS NOT NULL FROM status_deliveries WHERE case_id = $1`, id).Scan(&state, &tries, &stuck); err != nil {
		t.Fatal(err)
	}
	if state != "queued" || tries != 0 || stuck {
		t.Fatalf("after the retry: %s, %d tries, stuck %v", state, tries, stuck)
	}
	if n := s.count(`SELECT count(*) FROM river.river_job WHERE kind = 'case_status_delivery' AND args->>'case_id' = $1`, id); n != 1 {
		t.Fatalf("%d delivery jobs after the retry, want the one woken", n)
	}

	// A cancel without a reason changes nothing; with one it is recorded.
	if r := head.post(base+"/cancel", url.Values{"reason": {"  "}}); r.status != http.StatusSeeOther {
		t.Fatalf("cancel without a reason: %d", r.status)
	}
	mustContain(t, head.get("/cases/"+id), "Укажите причину отмены доставки")
	if n := s.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND state = 'queued'`, id); n != 1 {
		t.Fatal("a cancel without a reason changed the delivery")
	}
	if r := head.post(base+"/cancel", url.Values{"reason": {"заявитель получил ответ лично"}}); r.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.status)
	}
	mustContain(t, head.get("/cases/"+id), "доставка в ЕПГУ отменена: заявитель получил ответ лично")
	if n := s.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND state = 'cancelled'`, id); n != 1 {
		t.Fatal("the delivery is not cancelled")
	}
	if n := s.count(`SELECT count(*) FROM river.river_job WHERE kind = 'case_status_delivery' AND args->>'case_id' = $1 AND state = 'cancelled'`, id); n != 1 {
		t.Fatal("the delivery's job still runs")
	}
	for _, action := range []string{"case.delivery_retry", "case.delivery_cancel"} {
		if n := s.count(`SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, id); n != 1 {
			t.Errorf("%d audit entries %s", n, action)
		}
	}
	// Done is done.
	if r := head.post(base+"/retry", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("retry of a cancelled delivery: %d", r.status)
	}
	mustContain(t, head.get("/cases/"+id), "Этот статус уже доставлен или его доставка отменена")
}
