package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRequestForDocumentsAnsweredFromThePortal: a clerk asks the applicant
// for more documents; the status reaches the cabinet; the applicant answers
// through the portal with new signed scans; they join the same case, which
// goes back to work by itself. The answer is checked for what it brings,
// its files, not as a new application: no false problems of missing fields.
func TestRequestForDocumentsAnsweredFromThePortal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	app := w.fileApplication("building-permit")
	var caseID string
	eventually(t, 60*time.Second, "the application to be registered", func() bool {
		return w.query(`SELECT id::text FROM cases WHERE bus_message_id = $1`, app.MessageID).Scan(&caseID) == nil
	})
	documentsBefore := w.count(`SELECT count(*) FROM case_documents WHERE case_id = $1`, caseID)

	clerk := w.login("minstroy.clerk")
	for _, step := range []url.Values{
		{"from": {"registered"}, "to": {"in_progress"}},
		{"from": {"in_progress"}, "to": {"awaiting_applicant"}, "to_applicant": {"Приложите актуальную выписку ЕГРН на участок"}},
	} {
		if status, body := clerk.post("/cases/"+caseID+"/status", step); status != http.StatusSeeOther {
			t.Fatalf("status change %v: %d %s", step, status, body)
		}
	}
	eventually(t, 90*time.Second, "the applicant's documents to put the case back to work", func() bool {
		var status string
		return w.query(`SELECT status FROM cases WHERE id = $1`, caseID).Scan(&status) == nil && status == "in_progress" &&
			w.count(`SELECT count(*) FROM case_events WHERE case_id = $1 AND kind = 'documents_received'`, caseID) == 1
	})
	if n := w.count(`SELECT count(*) FROM cases`); n != 1 {
		t.Fatalf("the answer made %d cases, want it added to the one", n)
	}
	added := w.count(`SELECT count(*) FROM case_documents WHERE case_id = $1 AND signature_status = 'valid'`, caseID) -
		(documentsBefore - 1) // the form itself carries no signature
	if added < 1 {
		t.Fatalf("no signed document added to the case (%d before)", documentsBefore)
	}
	var answer string
	if err := w.query(`SELECT comment FROM case_events WHERE case_id = $1 AND kind = 'documents_received'`, caseID).Scan(&answer); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(answer, "Замечания") || !strings.Contains(answer, "Направляю дополнительные документы") {
		t.Errorf("the answer's event says %q, want the applicant's note and no problems", answer)
	}
	eventually(t, 60*time.Second, "the cabinet to show the request and the return to work", func() bool {
		order := cabinetOrder(w.cabinet(), app.OrderNumber)
		return strings.Contains(order, "Ожидание дополнительной информации от пользователя") &&
			strings.Contains(order, "Приложите актуальную выписку ЕГРН на участок") &&
			strings.Count(order, "Промежуточные результаты") >= 2
	})
	_, card := clerk.get("/cases/" + caseID)
	for _, want := range []string{"Получены документы от заявителя", "Приложите актуальную выписку ЕГРН на участок", "В работе"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q", want)
		}
	}
	if strings.Contains(card, "Не заполнено") || strings.Contains(card, "Замечания") {
		t.Errorf("the card shows problems of the answer:\n%s", card)
	}
}
