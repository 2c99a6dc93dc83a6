package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/browsertest"
	"github.com/okno-oiv/okno/internal/demo"
	"github.com/okno-oiv/okno/internal/forms"
)

// registryCase is a case row for the registry pages; zero fields get defaults.
type registryCase struct {
	agency    string // MINSTROY or OKN
	number    string
	applicant string
	status    string
	executor  string // login
	due       time.Time
	person    string // the applicant's JSON (forms.Applicant), {} when empty
}

// addCase inserts a case of a demo agency as the database owner: the
// registry lists cases however they were registered.
func (s *site) addCase(c registryCase) uuid.UUID {
	s.t.Helper()
	if c.agency == "" {
		c.agency = "MINSTROY"
	}
	if c.status == "" {
		c.status = "in_progress"
	}
	if c.applicant == "" {
		c.applicant = "Заявитель Обычный"
	}
	if c.due.IsZero() {
		c.due = time.Now().AddDate(0, 0, 10)
	}
	var agency uuid.UUID
	if err := s.ownerQuery(`SELECT id FROM agencies WHERE code = $1`, c.agency).Scan(&agency); err != nil {
		s.t.Fatal(err)
	}
	var executor, dept *uuid.UUID
	if c.executor != "" {
		id := s.userID(c.executor)
		executor = &id
		if err := s.ownerQuery(`SELECT department_id FROM users WHERE id = $1`, id).Scan(&dept); err != nil {
			s.t.Fatal(err)
		}
	}
	if c.person == "" {
		c.person = "{}"
	}
	id := uuid.New()
	s.ownerExec(`INSERT INTO cases (agency_id, id, number, service_type_id, service_type_version, status, channel, applicant_kind,
			applicant_name, applicant, fields, received_at, registered_at, due_date, department_id, executor_id)
		VALUES ($1, $2, $3, $4, 1, $5, 'portal', 'person', $6, $10, '{"objectName": "Строительство жилого дома"}', now(), now(), $7, $8, $9)`,
		agency, id, c.number, forms.DemoServiceTypes(c.agency)[0].ID, c.status, c.applicant, c.due, dept, executor, c.person)
	return id
}

func TestRegistryPagesAreForClerksAndHeads(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.addCase(registryCase{number: "2026-RNS-000001"})
	for _, tt := range []struct {
		login string
		want  int
	}{
		{"minstroy.clerk", http.StatusOK},
		{"minstroy.head", http.StatusOK},
		{"minstroy.admin", http.StatusForbidden},
		{"platform.admin", http.StatusForbidden},
	} {
		b := s.browser().login(tt.login)
		for _, path := range []string{"/cases", "/cases/mine", "/cases/export.csv"} {
			if r := b.get(path); r.status != tt.want {
				t.Errorf("%s GET %s: %d, want %d", tt.login, path, r.status, tt.want)
			} else if r.status == http.StatusForbidden && strings.Contains(r.body, "2026-RNS-000001") {
				t.Errorf("%s GET %s: forbidden page shows a case", tt.login, path)
			}
		}
		for _, path := range []string{"/cases/assign", "/cases/filters"} {
			if r := b.post(path, url.Values{"name": {"x"}}); tt.want == http.StatusForbidden && r.status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", tt.login, path, r.status)
			}
		}
	}
	if r := s.browser().get("/cases"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Errorf("anonymous: %d %q", r.status, r.location)
	}
}

func TestRegistryPageFiltersAndPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	today := time.Now()
	for i := range 55 {
		s.addCase(registryCase{number: fmt.Sprintf("2026-RNS-%06d", i+1), due: today.AddDate(0, 0, 1+i)})
	}
	s.addCase(registryCase{number: "2026-RNS-000900", applicant: "Лебедева Анна Викторовна", status: "registered", due: today.AddDate(0, 0, -2)})
	b := s.browser().login("minstroy.clerk")

	first := b.get("/cases")
	mustContain(t, first, "Реестр дел", "2026-RNS-000900", "2026-RNS-000001", "2026-RNS-000049", "Дальше", `type="search"`, `name="q"`)
	if strings.Contains(first.body, "2026-RNS-000050") {
		t.Error("the first page shows more than a page")
	}
	// The overdue case comes first: the most urgent at the top.
	if strings.Index(first.body, "2026-RNS-000900") > strings.Index(first.body, "2026-RNS-000001") {
		t.Error("the overdue case is not first")
	}
	next := regexp.MustCompile(`href="(/cases\?after=[^"]+)" rel="next"`).FindStringSubmatch(first.body)
	if next == nil {
		t.Fatalf("no next link:\n%s", first.body)
	}
	second := b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	mustContain(t, second, "2026-RNS-000050", "2026-RNS-000055", "В начало")
	if strings.Contains(second.body, "2026-RNS-000049") || strings.Contains(second.body, `rel="next"`) {
		t.Error("the last page repeats rows or offers more")
	}

	search := b.get("/cases?q=" + url.QueryEscape("Лебедевой"))
	mustContain(t, search, "2026-RNS-000900", `value="Лебедевой"`)
	if strings.Contains(search.body, "2026-RNS-000001") {
		t.Error("search shows a case that does not match")
	}
	overdue := b.get("/cases?deadline=overdue")
	mustContain(t, overdue, "2026-RNS-000900")
	if strings.Contains(overdue.body, "2026-RNS-000001") {
		t.Error("the overdue filter shows a case in time")
	}
	if r := b.get("/cases?status=nope&received_from=31.12.2026"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("bad filter: %d", r.status)
	} else {
		mustContain(t, r, "Выберите статус из списка.", "Укажите дату в виде ГГГГ-ММ-ДД.")
		if strings.Contains(r.body, "2026-RNS-000001") {
			t.Error("a rejected filter still lists cases")
		}
	}
}

func TestMyCasesShowsOnlyTheExecutorsCases(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.addCase(registryCase{number: "2026-RNS-000001", executor: "minstroy.clerk"})
	s.addCase(registryCase{number: "2026-RNS-000002", executor: "minstroy.head"})
	s.addCase(registryCase{number: "2026-RNS-000003"})
	b := s.browser().login("minstroy.clerk")
	r := b.get("/cases/mine?executor=" + s.userID("minstroy.head").String())
	mustContain(t, r, "Мои дела", "2026-RNS-000001")
	export := regexp.MustCompile(`href="(/cases/export\.csv[^"]*)"`).FindStringSubmatch(r.body)
	if export == nil {
		t.Fatal("no export link")
	}
	csv := b.get(strings.ReplaceAll(export[1], "&amp;", "&"))
	mustContain(t, csv, "2026-RNS-000001")
	for _, other := range []string{"2026-RNS-000002", "2026-RNS-000003"} {
		if strings.Contains(r.body, other) {
			t.Errorf("«Мои дела» of the clerk shows %s", other)
		}
		if strings.Contains(csv.body, other) {
			t.Errorf("the export of «Мои дела» has %s", other)
		}
	}
}

func TestBulkAssignmentReturnsToTheSameFilter(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	one := s.addCase(registryCase{number: "2026-RNS-000001", status: "registered"})
	two := s.addCase(registryCase{number: "2026-RNS-000002", status: "registered"})
	closed := s.addCase(registryCase{number: "2026-RNS-000003", status: "refused"})
	b := s.browser().login("minstroy.head")
	clerk := s.userID("minstroy.clerk")

	r := b.post("/cases/assign", url.Values{"case": {one.String(), two.String()}, "executor_id": {clerk.String()},
		"filter": {"status=registered&q=" + url.QueryEscape("дом")}})
	if r.status != http.StatusSeeOther || r.location != "/cases?q=%D0%B4%D0%BE%D0%BC&status=registered" {
		t.Fatalf("assign: %d %q", r.status, r.location)
	}
	mustContain(t, b.get(r.location), "Назначено: 2 дела.")
	if n := s.count(`SELECT count(*) FROM cases WHERE executor_id = $1 AND id = ANY($2)`, clerk, []uuid.UUID{one, two}); n != 2 {
		t.Errorf("%d cases assigned, want 2", n)
	}

	// All or none: a closed case among the ticked stops the batch.
	other := s.addCase(registryCase{number: "2026-RNS-000004", status: "registered"})
	r = b.post("/cases/assign", url.Values{"case": {other.String(), closed.String()}, "executor_id": {clerk.String()}, "mine": {"1"}})
	if r.status != http.StatusSeeOther || r.location != "/cases/mine" {
		t.Fatalf("assign with a closed case: %d %q", r.status, r.location)
	}
	mustContain(t, b.get(r.location), "завершённые дела")
	if n := s.count(`SELECT count(*) FROM cases WHERE executor_id IS NOT NULL AND id = $1`, other); n != 0 {
		t.Error("a batch with a closed case was partly assigned")
	}

	r = b.post("/cases/assign", url.Values{"executor_id": {clerk.String()}, "filter": {"after=forged&sort=number"}})
	if r.status != http.StatusSeeOther || r.location != "/cases?sort=number" {
		t.Fatalf("assign nothing: %d %q", r.status, r.location)
	}
	mustContain(t, b.get(r.location), "Отметьте хотя бы одно дело.")

	if r := b.post("/cases/assign", url.Values{"case": {"not-an-id"}, "executor_id": {clerk.String()}}); r.status != http.StatusNotFound {
		t.Errorf("malformed case id: %d", r.status)
	}
}

func TestSavedFiltersPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.addCase(registryCase{number: "2026-RNS-000001", status: "in_progress"})
	s.addCase(registryCase{number: "2026-RNS-000002", status: "in_progress"})
	s.addCase(registryCase{number: "2026-RNS-000003", status: "registered"})
	clerk := s.browser().login("minstroy.clerk")

	r := clerk.post("/cases/filters", url.Values{"name": {"В работе"}, "filter": {"status=in_progress"}})
	if r.status != http.StatusSeeOther || r.location != "/cases?status=in_progress" {
		t.Fatalf("save: %d %q", r.status, r.location)
	}
	page := clerk.get(r.location)
	mustContain(t, page, "Фильтр «В работе» сохранён.", "В работе <span class=\"muted\">(2)</span>")
	if strings.Contains(page.body, "2026-RNS-000003") {
		t.Error("saved filter's page shows a case outside it")
	}
	r = clerk.post("/cases/filters", url.Values{"name": {"В работе"}, "filter": {""}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save twice: %d", r.status)
	}
	mustContain(t, clerk.get(r.location), "Фильтр с таким названием уже есть.")

	var id uuid.UUID
	if err := s.ownerQuery(`SELECT id FROM saved_filters WHERE name = 'В работе'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	head := s.browser().login("minstroy.head")
	if strings.Contains(head.get("/cases").body, "В работе <span") {
		t.Error("a colleague sees the clerk's saved filter")
	}
	if r := head.post("/cases/filters/"+id.String()+"/delete", nil); r.status != http.StatusNotFound {
		t.Errorf("a colleague deletes the clerk's filter: %d", r.status)
	}
	clerk.redirectedTo(t, clerk.post("/cases/filters/"+id.String()+"/delete", nil), "Фильтр удалён.")
	if n := s.count(`SELECT count(*) FROM saved_filters`); n != 0 {
		t.Errorf("%d saved filters left", n)
	}
}

func TestRegistryExportDownloadsCSV(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	for i := range 60 {
		s.addCase(registryCase{number: fmt.Sprintf("2026-RNS-%06d", i+1)})
	}
	s.addCase(registryCase{number: "2026-RNS-000900", status: "refused"})
	r := s.browser().login("minstroy.clerk").get("/cases/export.csv?status=in_progress")
	if r.status != http.StatusOK {
		t.Fatalf("export: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="reestr-`) {
		t.Errorf("content disposition %q", cd)
	}
	if !strings.HasPrefix(r.body, "\uFEFFНомер;Услуга;Статус;") {
		t.Errorf("export starts %q", r.body[:min(60, len(r.body))])
	}
	if lines := strings.Count(r.body, "\r\n"); lines != 61 {
		t.Errorf("%d lines, want the header and 60 cases", lines)
	}
	if strings.Contains(r.body, "2026-RNS-000900") {
		t.Error("export ignores the filter")
	}
	bad := s.browser().login("minstroy.clerk").get("/cases/export.csv?deadline=someday")
	if bad.status != http.StatusUnprocessableEntity || bad.header.Get("Content-Disposition") != "" || strings.Contains(bad.body, "2026-RNS-") {
		t.Errorf("export with a bad filter: %d %q", bad.status, bad.header.Get("Content-Disposition"))
	}
	mustContain(t, bad, "Выберите состояние срока из списка.")
}

// TestRegistryKeepsAgenciesApart: another agency's clerk never sees, finds,
// exports or assigns a case, and its id is simply not found.
func TestRegistryKeepsAgenciesApart(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	theirs := s.addCase(registryCase{agency: "MINSTROY", number: "2026-RNS-000777", applicant: "Соколова Ирина Павловна"})
	s.addCase(registryCase{agency: "OKN", number: "OKN-R/2026/00001"})
	b := s.browser().login("okn.clerk")
	for _, path := range []string{"/cases", "/cases?q=000777", "/cases?q=" + url.QueryEscape("Соколова"), "/cases?status=open", "/cases/export.csv"} {
		r := b.get(path)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d", path, r.status)
		}
		if strings.Contains(r.body, "2026-RNS-000777") || strings.Contains(r.body, "Соколова Ирина") {
			t.Errorf("%s shows agency MINSTROY's case", path)
		}
	}
	mustContain(t, b.get("/cases"), "OKN-R/2026/00001")
	// The card is the lead's page; it must at least never show the case.
	if r := b.get("/cases/" + theirs.String()); r.status == http.StatusOK || strings.Contains(r.body, "2026-RNS-000777") {
		t.Errorf("another agency's case card: %d", r.status)
	}
	r := b.post("/cases/assign", url.Values{"case": {theirs.String()}, "executor_id": {s.userID("okn.clerk").String()}})
	if r.status != http.StatusNotFound {
		t.Errorf("assigning another agency's case: %d", r.status)
	}
	if n := s.count(`SELECT count(*) FROM cases WHERE id = $1 AND executor_id IS NOT NULL`, theirs); n != 0 {
		t.Error("another agency's case was assigned")
	}
}

// TestBrowserRegistrySearchAndAssign: a clerk presses "/", types a name,
// presses Enter, ticks the case found and gives it to herself — in a real
// browser, through the real pages.
func TestBrowserRegistrySearchAndAssign(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.addCase(registryCase{number: "2026-RNS-000001", applicant: "Лебедева Анна Викторовна", status: "registered"})
	s.addCase(registryCase{number: "2026-RNS-000002", applicant: "Орлов Пётр Ильич", status: "registered"})
	s.addCase(registryCase{number: "2026-RNS-000003", applicant: "Кузнецов Иван Павлович", executor: "minstroy.head", due: time.Now().AddDate(0, 0, -1)})
	ctx := browsertest.Start(t)
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	step("log in and open the registry",
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, "minstroy.clerk"),
		chromedp.SendKeys(`#f-password`, demo.Password),
		chromedp.Submit(`#f-password`),
		chromedp.WaitVisible(`header .who`),
		chromedp.Navigate(s.url+"/cases"),
		chromedp.WaitVisible(`table.registry`),
		browsertest.Screenshot("20-registry"),
	)
	if n := strings.Count(browsertest.Text(t, ctx, `table.registry tbody`), "2026-RNS-"); n != 3 {
		t.Fatalf("registry shows %d cases, want 3", n)
	}
	step(`press "/"`, chromedp.KeyEvent("/"))
	if focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.name`)); err != nil || focused != "q" {
		t.Fatalf(`"/" focused %q, not the search field`, focused)
	}
	step("type and press Enter",
		// DevTools types a key's character apart from its keydown, so the
		// page's preventDefault cannot hold back the "/" as a person's
		// browser does; the test deletes it.
		chromedp.KeyEvent(kb.Backspace),
		chromedp.KeyEvent("Лебедевой"),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`input[type=search][value="Лебедевой"]`),
		browsertest.Screenshot("21-registry-search"),
	)
	if rows := browsertest.Text(t, ctx, `table.registry tbody`); !strings.Contains(rows, "2026-RNS-000001") || strings.Contains(rows, "2026-RNS-000002") {
		t.Fatalf("search shows:\n%s", rows)
	}
	step("tick the case and assign it",
		chromedp.Click(`input[name=case]`),
		chromedp.SetValue(`#assign select[name=executor_id]`, s.userID("minstroy.clerk").String()),
		chromedp.Click(`#assign button[type=submit]`),
		chromedp.WaitVisible(`.flash-ok`),
		browsertest.Screenshot("22-registry-assigned"),
	)
	if got := browsertest.Text(t, ctx, `.flash-ok`); got != "Назначено: 1 дело." {
		t.Fatalf("flash %q", got)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(`input[type=search]`)); v != "Лебедевой" {
		t.Errorf("after assigning, the search is %q: the list lost its filter", v)
	}
	step("open «Мои дела»",
		chromedp.Navigate(s.url+"/cases/mine"),
		chromedp.WaitVisible(`table.registry`),
	)
	if rows := browsertest.Text(t, ctx, `table.registry tbody`); !strings.Contains(rows, "2026-RNS-000001") || strings.Contains(rows, "2026-RNS-000003") {
		t.Fatalf("«Мои дела» shows:\n%s", rows)
	}
}
