package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/blob"
)

// helperJS is the clerk's script of the reproduction: run in the head's
// session it would save a filter in the head's account.
const helperJS = `fetch("/cases/filters", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "name=pwned&filter=status%3Dregistered"});`

// svgLoading is the SVG whose script element points at the uploaded helper.
func svgLoading(scriptURL string) []byte {
	return []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">` +
		`<script href="` + scriptURL + `" xlink:href="` + scriptURL + `"/><rect width="10" height="10"/></svg>`)
}

// uploadScan files the office form with one scan of the declared type, as a
// browser sends it.
func (b *browser) uploadScan(name, declared string, content []byte) (string, response) {
	b.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range validOffice() {
		mw.WriteField(k, v)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="scans"; filename="`+name+`"`)
	h.Set("Content-Type", declared)
	fw, err := mw.CreatePart(h)
	if err != nil {
		b.s.t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return b.postOffice("RNS", mw.FormDataContentType(), &body)
}

// plantDocument adds a file to a case the way rows stored before content
// sniffing look: with the type that was declared for it. It returns the
// file's URL.
func (s *site) plantDocument(caseID, fileName, declared string, content []byte) string {
	s.t.Helper()
	blobs, err := blob.NewLocal(s.blobs, 1<<20)
	if err != nil {
		s.t.Fatal(err)
	}
	var agency uuid.UUID
	if err := s.ownerQuery(`SELECT agency_id FROM cases WHERE id = $1`, caseID).Scan(&agency); err != nil {
		s.t.Fatal(err)
	}
	id := uuid.New()
	key := "agency/" + agency.String() + "/office/" + id.String() + "/planted"
	info, err := blobs.Put(context.Background(), key, bytes.NewReader(content))
	if err != nil {
		s.t.Fatal(err)
	}
	s.ownerExec(`INSERT INTO case_documents (agency_id, case_id, id, kind, title, file_name, mime_type, size_bytes, sha256, streebog256, blob_key, signature_status)
		VALUES (@agency, @case, @id, 'attachment', @name, @name, @mime, @size, @sha, @sha, @key, 'none')`,
		pgx.NamedArgs{"agency": agency, "case": caseID, "id": id, "name": fileName, "mime": declared, "size": info.Size, "sha": info.SHA256[:], "key": key})
	return "/cases/" + caseID + "/documents/" + id.String()
}

func mustBeUserFile(t *testing.T, r response, contentType, disposition string) {
	t.Helper()
	h := r.header
	if r.status != http.StatusOK || h.Get("Content-Type") != contentType || !strings.HasPrefix(h.Get("Content-Disposition"), disposition) ||
		h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox; default-src 'none'; script-src 'none';") {
		t.Fatalf("served %d as %q, %q, nosniff %q, CSP %q", r.status, h.Get("Content-Type"), h.Get("Content-Disposition"),
			h.Get("X-Content-Type-Options"), h.Get("Content-Security-Policy"))
	}
}

// TestUploadsAreTypedByContent is the reproduction of the stored script:
// the clerk's helper.js and the SVG pointing at it are refused at upload,
// an empty scan too, each with a Russian message and nothing stored; a
// real scan is kept as what its content is, whatever the browser declared;
// and files stored before (with their declared types) are served only as
// sandboxed downloads.
func TestUploadsAreTypedByContent(t *testing.T) {
	s := newSite(t)
	clerk := s.browser().login("minstroy.clerk")
	for _, tt := range []struct {
		name, declared string
		content        []byte
		message        string
	}{
		{"helper.js", "text/javascript", []byte(helperJS), "Файл «helper.js» не принят: допускаются PDF"},
		{"scan.svg", "image/svg+xml", svgLoading("/cases/x/documents/y"), "Файл «scan.svg» не принят"},
		{"scan.png", "image/png", svgLoading("/cases/x/documents/y"), "Файл «scan.png» не принят"},
		{"page.pdf", "application/pdf", []byte("<!DOCTYPE html><script>alert(1)</script>"), "Файл «page.pdf» не принят"},
		{"пустой.pdf", "application/pdf", []byte{}, "Файл «пустой.pdf» пуст."},
	} {
		id, r := clerk.uploadScan(tt.name, tt.declared, tt.content)
		if id != "" || r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: registered %q, status %d", tt.name, id, r.status)
		}
		mustContain(t, r, tt.message, "Орлова") // the form comes back filled in
	}
	if n := s.count(`SELECT count(*) FROM cases`); n != 0 {
		t.Fatalf("%d cases registered from refused files", n)
	}
	if n := blobFiles(t, s.blobs); n != 0 {
		t.Fatalf("%d refused files left in the blob store", n)
	}

	scan := []byte("%PDF-1.7\nскан")
	id, r := clerk.uploadScan("скан.pdf", "text/html", scan)
	if id == "" {
		t.Fatalf("a PDF declared as text/html: %d %s", r.status, r.body)
	}
	var stored string
	if err := s.ownerQuery(`SELECT mime_type FROM case_documents WHERE case_id = $1 AND kind = 'attachment'`, id).Scan(&stored); err != nil || stored != "application/pdf" {
		t.Fatalf("stored as %q: %v", stored, err)
	}
	card := clerk.get("/cases/" + id)
	link := regexp.MustCompile(`href="(/cases/` + id + `/documents/[0-9a-f-]+)"`).FindStringSubmatch(card.body)
	if link == nil {
		t.Fatal("no document link on the card")
	}
	pdf := clerk.get(link[1])
	mustBeUserFile(t, pdf, "application/pdf", "inline")
	if pdf.body != string(scan) {
		t.Fatalf("PDF served as %q", pdf.body)
	}

	js := s.plantDocument(id, "helper.js", "text/javascript", []byte(helperJS))
	svg := s.plantDocument(id, "scan.svg", "image/svg+xml", svgLoading(js))
	png := s.plantDocument(id, "scan.png", "image/png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	mustBeUserFile(t, clerk.get(js), "application/octet-stream", "attachment")
	mustBeUserFile(t, clerk.get(svg), "application/octet-stream", "attachment")
	mustBeUserFile(t, clerk.get(png), "image/png", "inline")
}
