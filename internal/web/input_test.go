package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBrokenTextIsRefusedBeforeAnyHandler: a NUL byte or invalid UTF-8 in a
// query string or a form field — search, departments, saved filters, the
// office form, the CSV export — is a 400 with a Russian page, and nothing
// changes: no department, filter, case, file or audit entry appears.
func TestBrokenTextIsRefusedBeforeAnyHandler(t *testing.T) {
	s := newSite(t)
	s.addCase(registryCase{number: "2026-RNS-000001"})
	clerk := s.browser().login("minstroy.clerk")
	admin := s.browser().login("minstroy.admin")
	var dept string
	if err := s.ownerQuery(`SELECT id::text FROM departments WHERE agency_id = (SELECT id FROM agencies WHERE code = 'MINSTROY') LIMIT 1`).Scan(&dept); err != nil {
		t.Fatal(err)
	}
	before := func() [5]int {
		return [5]int{
			s.count(`SELECT count(*) FROM departments`),
			s.count(`SELECT count(*) FROM departments WHERE name LIKE 'Отдел%'`),
			s.count(`SELECT count(*) FROM saved_filters`),
			s.count(`SELECT count(*) FROM cases`),
			s.count(`SELECT count(*) FROM audit_log`),
		}
	}
	start := before()
	startFiles := blobFiles(t, s.blobs)

	queries := []struct{ name, path string }{
		{"search with NUL", "/cases?q=%00"},
		{"search with broken UTF-8", "/cases?q=%D0%FF"},
		{"search key with broken UTF-8", "/cases?%FF=1"},
		{"inbox with NUL", "/cases/mine?q=abc%00def"},
		{"export with NUL", "/cases/export.csv?q=%00"},
		{"export with broken UTF-8", "/cases/export.csv?status=open&q=%C3%28"},
		{"office form page with NUL", "/cases/new/RNS?x=%00"},
	}
	for _, tc := range queries {
		t.Run(tc.name, func(t *testing.T) {
			r := clerk.get(tc.path)
			refused(t, r)
			if cd := r.header.Get("Content-Disposition"); cd != "" {
				t.Fatalf("refused export still offers a file: %q", cd)
			}
		})
	}
	t.Run("audit page with NUL", func(t *testing.T) { refused(t, admin.get("/admin/audit?actor=%00")) })

	forms := []struct {
		name string
		b    *browser
		path string
		form url.Values
	}{
		{"new department with NUL", admin, "/admin/departments", url.Values{"name": {"Отдел\x00кадров"}}},
		{"new department with broken UTF-8", admin, "/admin/departments", url.Values{"name": {"Отдел \xd0"}}},
		{"renamed department with NUL", admin, "/admin/departments/" + dept, url.Values{"name": {"Отдел\x00"}}},
		{"user form with NUL", admin, "/admin/users/new", url.Values{"login": {"nul.user"}, "full_name": {"Нулев\x00"}, "role": {"clerk"}}},
		{"saved filter name with NUL", clerk, "/cases/filters", url.Values{"name": {"Фильтр\x00"}, "filter": {"status=open"}}},
		{"saved filter with NUL inside its query", clerk, "/cases/filters", url.Values{"name": {"Фильтр"}, "filter": {"q=%00"}}},
		{"saved filter with broken UTF-8 inside its query", clerk, "/cases/filters", url.Values{"name": {"Фильтр"}, "filter": {"q=%FF"}}},
		{"saved filter with NUL in the address", clerk, "/cases/filters?q=%00", url.Values{"name": {"Фильтр"}, "filter": {"status=open"}}},
	}
	for _, tc := range forms {
		t.Run(tc.name, func(t *testing.T) { refused(t, tc.b.post(tc.path, tc.form)) })
	}

	office := []struct {
		name  string
		field string
		value string
	}{
		{"office form with NUL", "applicant.last_name", "Орлова\x00"},
		{"office form with broken UTF-8", "objectName", "Дом \xff"},
	}
	for _, tc := range office {
		t.Run(tc.name, func(t *testing.T) {
			values := validOffice()
			values[tc.field] = tc.value
			_, r := clerk.registerOffice(values, []byte("%PDF-1.4 скан"))
			refused(t, r)
		})
	}

	if got := before(); got != start {
		t.Fatalf("refused requests changed the database: %v → %v", start, got)
	}
	if n := blobFiles(t, s.blobs); n != startFiles {
		t.Fatalf("refused requests left %d files, want %d", n, startFiles)
	}
	// The same pages with clean text still work.
	if r := clerk.get("/cases?q=" + url.QueryEscape("Заявитель")); r.status != http.StatusOK {
		t.Fatalf("clean search: %d", r.status)
	}
}

func refused(t *testing.T, r response) {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Fatalf("got %d, want 400:\n%s", r.status, r.body)
	}
	mustContain(t, r, "Неверные данные", "нулевой символ или текст не в кодировке UTF-8", `lang="ru"`)
}

// TestBrokenTextInAStreamedUpload: the refusal also holds for an office form
// whose broken field comes after a file, so the file was already stored.
func TestBrokenTextInAStreamedUpload(t *testing.T) {
	s := newSite(t)
	clerk := s.browser().login("minstroy.clerk")
	values := validOffice()
	delete(values, "objectName")
	ctype, body := officeForm(t, values, "скан.pdf", []byte("%PDF-1.4 скан"))
	// Append a broken field after the file part by rebuilding the body.
	raw := body.String()
	boundary := ctype[strings.Index(ctype, "boundary=")+len("boundary="):]
	raw = strings.TrimSuffix(raw, "--"+boundary+"--\r\n") +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"objectName\"\r\n\r\nДом\x00\r\n--" + boundary + "--\r\n"
	req, _ := http.NewRequest(http.MethodPost, s.url+"/cases/new/RNS", strings.NewReader(raw))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := clerk.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	refused(t, response{status: resp.StatusCode, body: string(page)})
	if n := blobFiles(t, s.blobs); n != 0 {
		t.Fatalf("%d files kept after a refused form", n)
	}
	if n := s.count(`SELECT count(*) FROM cases`); n != 0 {
		t.Fatalf("%d cases after a refused form", n)
	}
}
