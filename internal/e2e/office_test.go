package e2e

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOfficeApplicationReachesTheCabinet: a paper application registered by
// a clerk creates its order in the applicant's cabinet with its first status;
// later statuses update that same order.
func TestOfficeApplicationReachesTheCabinet(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	clerk := w.login("minstroy.clerk")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{
		"applicant.kind": "person", "applicant.last_name": "Орлова", "applicant.first_name": "Вера",
		"applicant.snils": "112-233-445 95", "applicant.document_number": "123456",
		"objectName": "Индивидуальный жилой дом", "cadastralNumber": "77:01:0001001:1234", "objectAddress": "г. Москва, ул. Строителей, д. 5",
		"document.0": "on", "document.1": "on", "document.2": "on", "document.3": "on",
	} {
		mw.WriteField(k, v)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, w.oknoURL+"/cases/new/RNS", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	status, page := clerk.do(req)
	if status != http.StatusSeeOther {
		t.Fatalf("office registration: %d %s", status, page)
	}
	var caseID, number string
	if err := w.query(`SELECT id::text, number FROM cases`).Scan(&caseID, &number); err != nil {
		t.Fatal(err)
	}
	for _, step := range []url.Values{
		{"from": {"registered"}, "to": {"in_progress"}},
		{"from": {"in_progress"}, "to": {"on_approval"}},
	} {
		if status, body := clerk.post("/cases/"+caseID+"/status", step); status != http.StatusSeeOther {
			t.Fatalf("status change %v: %d %s", step, status, body)
		}
	}
	eventually(t, 90*time.Second, "every status to be accepted by the portal", func() bool {
		return w.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND state = 'accepted'`, caseID) == 3
	})
	var order string
	if err := w.query(`SELECT portal_order_id FROM cases WHERE id = $1`, caseID).Scan(&order); err != nil || order == "" {
		t.Fatalf("the cabinet's order number was not kept: %q %v", order, err)
	}
	page = w.cabinet()
	// The applicant finds the order by the service and their own name, not
	// by the agency's number.
	if got := strings.Count(page, "Орлова Вера"); got != 1 {
		t.Fatalf("the cabinet shows %d orders of Орлова Вера (case %s), want 1", got, number)
	}
	n, err := strconv.ParseInt(order, 10, 64)
	if err != nil {
		t.Fatalf("order number %q: %v", order, err)
	}
	cabinet := cabinetOrder(page, n)
	if !strings.Contains(cabinet, "Выдача разрешения на строительство") || !strings.Contains(cabinet, "Орлова Вера") ||
		strings.Contains(cabinet, "Номер в ведомстве") || strings.Contains(cabinet, "Заявление, поданное в ведомстве") {
		t.Fatalf("the cabinet's order does not name the service and the applicant:\n%s", cabinet)
	}
	if !strings.Contains(cabinet, "Принято ведомством") || strings.Count(cabinet, "Промежуточные результаты") != 2 {
		t.Fatalf("the cabinet's order lacks the statuses:\n%s", cabinet)
	}
}
