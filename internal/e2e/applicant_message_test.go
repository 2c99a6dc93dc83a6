package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestStaffCommentsNeverReachTheCabinet: the head returns a draft to the
// executor with a comment; the applicant's cabinet shows the status and
// never that comment. A message the clerk writes to the applicant on
// another move does reach the cabinet.
func TestStaffCommentsNeverReachTheCabinet(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	app := w.fileApplication("building-permit")
	caseID := w.registeredCase(app.MessageID)
	clerk, head := w.login("minstroy.clerk"), w.login("minstroy.head")
	const (
		toApplicant = "Ваше заявление принято к рассмотрению"
		internal    = "Пересчитайте площадь застройки"
		clerkNote   = "Проверено, замечаний нет"
	)
	for _, step := range []struct {
		by   *person
		form url.Values
	}{
		{clerk, url.Values{"from": {"registered"}, "to": {"in_progress"}, "to_applicant": {toApplicant}}},
		{clerk, url.Values{"from": {"in_progress"}, "to": {"on_approval"}, "comment": {clerkNote}}},
		{head, url.Values{"from": {"on_approval"}, "to": {"in_progress"}, "comment": {internal}}},
	} {
		if status, body := step.by.post("/cases/"+caseID+"/status", step.form); status != http.StatusSeeOther {
			t.Fatalf("status change %v: %d %s", step.form, status, body)
		}
	}
	var order string
	eventually(t, 90*time.Second, "the cabinet to show all three moves", func() bool {
		order = cabinetOrder(w.cabinet(), app.OrderNumber)
		return strings.Count(order, "Промежуточные результаты") == 3
	})
	if !strings.Contains(order, toApplicant) {
		t.Errorf("the cabinet lacks the message to the applicant:\n%s", order)
	}
	for _, staff := range []string{internal, clerkNote} {
		if strings.Contains(order, staff) {
			t.Errorf("the cabinet shows the staff's comment %q:\n%s", staff, order)
		}
	}
	_, card := head.get("/cases/" + caseID)
	for _, want := range []string{internal, clerkNote, "Заявителю: " + toApplicant} {
		if !strings.Contains(card, want) {
			t.Errorf("the card lacks %q", want)
		}
	}
}
