package web_test

import (
	"bytes"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// officeForm is a paper application for the building permit with one scan.
func officeForm(t *testing.T, values map[string]string, scanName string, scan []byte) (string, *bytes.Buffer) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range values {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if scan != nil {
		fw, err := mw.CreateFormFile("scans", scanName)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(scan)
	}
	mw.Close()
	return mw.FormDataContentType(), &body
}

func validOffice() map[string]string {
	return map[string]string{
		"applicant.kind": "person", "applicant.last_name": "Орлова", "applicant.first_name": "Вера",
		"applicant.middle_name": "Николаевна", "applicant.snils": "112-233-445 95", "applicant.document_number": "123456",
		"applicant.phone": "+7 900 000-00-00", "objectName": "Индивидуальный жилой дом", "cadastralNumber": "77:01:0001001:1234",
		"objectAddress": "г. Москва, ул. Строителей, д. 5", "document.0": "on", "document.1": "on", "document.2": "on", "document.3": "on",
	}
}

var caseLink = regexp.MustCompile(`^/cases/([0-9a-f-]{36})$`)

// registerOffice files a paper application as the browser would and returns the case id.
func (b *browser) registerOffice(values map[string]string, scan []byte) (string, response) {
	b.s.t.Helper()
	return b.registerOfficeAt("RNS", values, scan)
}

// registerOfficeAt files a paper application for the service code.
func (b *browser) registerOfficeAt(code string, values map[string]string, scan []byte) (string, response) {
	b.s.t.Helper()
	ctype, body := officeForm(b.s.t, values, "скан заявления.pdf", scan)
	return b.postOffice(code, ctype, body)
}

// postOffice sends a multipart office form and returns the case id the
// answer redirects to ("" when it does not).
func (b *browser) postOffice(code, ctype string, body io.Reader) (string, response) {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.s.url+"/cases/new/"+code, body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.client.Do(req)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location"), header: resp.Header}
	if m := caseLink.FindStringSubmatch(r.location); m != nil {
		return m[1], r
	}
	return "", r
}

func blobFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestOfficeIntakeRegistersThroughTheSamePath(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	clerk := s.browser().login("minstroy.clerk")
	scan := []byte("%PDF-1.4 скан заявления")
	id, r := clerk.registerOffice(validOffice(), scan)
	if id == "" {
		t.Fatalf("registration: %d %s", r.status, r.body)
	}
	card := clerk.get("/cases/" + id)
	mustContain(t, card, "Заявление зарегистрировано под номером", "Орлова Вера Николаевна", "Индивидуальный жилой дом",
		"Зарегистрировано", "личный приём", "скан заявления.pdf")
	var number, channel, status string
	var due, registered string
	if err := s.ownerQuery(`SELECT number, channel, status, due_date::text, registered_at::date::text FROM cases WHERE id = $1`, id).
		Scan(&number, &channel, &status, &due, &registered); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\d{4}-RNS-000001$`).MatchString(number) || channel != "office" || status != "registered" || due <= registered {
		t.Fatalf("case %s %s %s due %s registered %s", number, channel, status, due, registered)
	}
	// The status goes to the outbox in the same transaction.
	if n := s.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND state = 'queued'`, id); n != 1 {
		t.Fatalf("%d queued deliveries", n)
	}
	if n := s.count(`SELECT count(*) FROM river.river_job WHERE kind = 'case_status_delivery' AND args->>'case_id' = $1`, id); n != 1 {
		t.Fatalf("%d outbox jobs", n)
	}
	// The scan downloads intact.
	m := regexp.MustCompile(`href="(/cases/` + id + `/documents/[0-9a-f-]+)"`).FindStringSubmatch(card.body)
	if m == nil {
		t.Fatal("no document link on the card")
	}
	doc := clerk.get(m[1])
	if doc.status != http.StatusOK || doc.body != string(scan) {
		t.Fatalf("document: %d %q", doc.status, doc.body)
	}
	mustContainAudit(t, s, "case.register", "case.document_open")
}

func mustContainAudit(t *testing.T, s *site, actions ...string) {
	t.Helper()
	for _, a := range actions {
		if s.count(`SELECT count(*) FROM audit_log WHERE action = $1`, a) == 0 {
			t.Errorf("no %s in the audit log", a)
		}
	}
}

func TestOfficeIntakeRefusesBadInputAndKeepsNothing(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	clerk := s.browser().login("minstroy.clerk")
	before := blobFiles(t, s.blobs)
	bad := validOffice()
	bad["applicant.snils"] = "112-233-445 96" // wrong check number
	delete(bad, "objectName")
	_, r := clerk.registerOffice(bad, []byte("%PDF-1.4"))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("got %d, want 422", r.status)
	}
	mustContain(t, r, `value="Орлова"`, "прикрепите файлы заново", `aria-invalid="true"`)
	if n := s.count(`SELECT count(*) FROM cases`); n != 0 {
		t.Fatalf("%d cases after a refused form", n)
	}
	if after := blobFiles(t, s.blobs); after != before {
		t.Fatalf("refused form left %d files behind", after-before)
	}
	// A scan over the store's limit is refused whole.
	_, r = clerk.registerOffice(validOffice(), append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 2<<20)...))
	if r.status != http.StatusRequestEntityTooLarge || s.count(`SELECT count(*) FROM cases`) != 0 {
		t.Fatalf("oversized scan: %d", r.status)
	}
	mustContain(t, r, "Файл слишком большой")
}

func TestCaseWorkAndIsolation(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	clerk := s.browser().login("minstroy.clerk")
	id, r := clerk.registerOffice(validOffice(), nil)
	if id == "" {
		t.Fatalf("registration: %d %s", r.status, r.body)
	}
	head := s.browser().login("minstroy.head")
	headID := s.userID("minstroy.head").String()

	// Assign, take into work, hand over for signature; a head returns it.
	clerk.redirectedTo(t, clerk.post("/cases/"+id+"/assign", url.Values{"executor_id": {headID}}), "Дело назначено.")
	const (
		changed   = "Статус изменён: «"
		forbidden = "Это действие недоступно для дела в текущем статусе или для вашей роли."
		stale     = "Пока вы смотрели дело, его статус изменил другой сотрудник."
	)
	steps := []struct {
		who      *browser
		from, to string
		comment  string
		status   int
		told     string // the flash after the redirect
		after    string // the case's status in the database afterwards
	}{
		{clerk, "registered", "in_progress", "", http.StatusSeeOther, changed + "В работе»", "in_progress"},
		{clerk, "in_progress", "on_approval", "", http.StatusSeeOther, changed + "На подписании»", "on_approval"},
		{clerk, "on_approval", "in_progress", "не моё", http.StatusSeeOther, forbidden, "on_approval"}, // not allowed for a clerk
		{head, "on_approval", "in_progress", "", http.StatusUnprocessableEntity, "", "on_approval"},    // the comment is required
		{head, "on_approval", "in_progress", "Уточните площадь", http.StatusSeeOther, changed + "В работе»", "in_progress"},
		{clerk, "registered", "in_progress", "", http.StatusSeeOther, stale, "in_progress"}, // stale
	}
	for i, st := range steps {
		r := st.who.post("/cases/"+id+"/status", url.Values{"from": {st.from}, "to": {st.to}, "comment": {st.comment}})
		if r.status != st.status {
			t.Fatalf("step %d %s→%s: %d %s", i, st.from, st.to, r.status, r.body)
		}
		if st.told != "" {
			st.who.redirectedTo(t, r, st.told)
		}
		var now string
		if err := s.ownerQuery(`SELECT status FROM cases WHERE id = $1`, id).Scan(&now); err != nil {
			t.Fatal(err)
		}
		if now != st.after {
			t.Fatalf("step %d %s→%s: case is %s, want %s", i, st.from, st.to, now, st.after)
		}
	}
	var status, executor string
	if err := s.ownerQuery(`SELECT c.status, u.login FROM cases c JOIN users u ON u.id = c.executor_id WHERE c.id = $1`, id).Scan(&status, &executor); err != nil {
		t.Fatal(err)
	}
	if status != "in_progress" || executor != "minstroy.head" {
		t.Fatalf("case is %s with %s", status, executor)
	}
	// registered, in_progress, on_approval, in_progress: four statuses queued for the portal, in order.
	if n := s.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1`, id); n != 4 {
		t.Fatalf("%d status deliveries, want 4", n)
	}
	card := clerk.get("/cases/" + id)
	mustContain(t, card, "Уточните площадь", "Статус: На подписании", "Исполнитель: Петров Алексей Николаевич", "в очереди на отправку в ЕПГУ")

	// Another agency's clerk learns nothing by any route; an executor from
	// another agency is refused.
	foreign := s.browser().login("okn.clerk")
	for _, req := range []struct{ method, path string }{
		{"GET", "/cases/" + id},
		{"POST", "/cases/" + id + "/status"},
		{"POST", "/cases/" + id + "/assign"},
	} {
		r := foreign.do(req.method, req.path, url.Values{"from": {"in_progress"}, "to": {"awaiting_applicant"}, "comment": {"x"}, "executor_id": {s.userID("okn.clerk").String()}}, nil)
		if r.status != http.StatusNotFound {
			t.Errorf("%s %s by another agency: %d", req.method, req.path, r.status)
		}
	}
	r = clerk.post("/cases/"+id+"/assign", url.Values{"executor_id": {s.userID("okn.clerk").String()}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Выберите исполнителя из списка") {
		t.Fatalf("foreign executor: %d", r.status)
	}
	// Administrators do not work cases.
	if r := s.browser().login("minstroy.admin").get("/cases/" + id); r.status != http.StatusForbidden {
		t.Fatalf("admin opens a case: %d", r.status)
	}
}

func TestHomeShowsWorkQueues(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	clerk := s.browser().login("minstroy.clerk")
	id, r := clerk.registerOffice(validOffice(), nil)
	if id == "" {
		t.Fatalf("registration: %d %s", r.status, r.body)
	}
	clerk.redirectedTo(t, clerk.post("/cases/"+id+"/assign", url.Values{"executor_id": {s.userID("minstroy.clerk").String()}}), "Дело назначено.")
	s.ownerExec(`UPDATE cases SET due_date = current_date - 1 WHERE id = $1`, id)
	home := clerk.get("/")
	queue := regexp.MustCompile(`(?s)Мои просроченные</a>\s*<span class="count">([^<]+)</span>`).FindStringSubmatch(home.body)
	if queue == nil || queue[1] != "1 дело" {
		t.Fatalf("overdue queue: %v\n%s", queue, home.body)
	}
	// The same queue is empty for a colleague and absent for an administrator.
	other := s.browser().login("minstroy.head").get("/")
	if q := regexp.MustCompile(`(?s)Мои просроченные</a>\s*<span class="count">([^<]+)</span>`).FindStringSubmatch(other.body); q == nil || q[1] != "0 дел" {
		t.Fatalf("head's overdue queue: %v", q)
	}
	if strings.Contains(s.browser().login("minstroy.admin").get("/").body, "Мои просроченные") {
		t.Fatal("an administrator sees work queues")
	}
}
