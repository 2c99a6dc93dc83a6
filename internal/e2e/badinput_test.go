package e2e

import (
	"bytes"
	"encoding/json"
	"html"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/filetype"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// portalService is one demo service as both sides see it: the portal's form
// and the agency's service type, whose OnProblem rule the test obeys.
type portalService struct {
	form   string // the concentrator form's service segment
	agency string // the recipient system and Okno agency
	st     forms.ServiceType
	object [][2]string
}

func demoServices(t *testing.T) []portalService {
	t.Helper()
	byAgency := func(code string) forms.ServiceType {
		types := forms.DemoServiceTypes(code)
		if len(types) != 1 {
			t.Fatalf("demo agency %s has %d service types, the test knows one", code, len(types))
		}
		return types[0]
	}
	return []portalService{
		{form: "building-permit", agency: "MINSTROY", st: byAgency("MINSTROY"), object: [][2]string{
			{"objectName", "Многоквартирный жилой дом"}, {"cadastralNumber", "77:01:0004012:1234"},
			{"objectAddress", "г. Москва, ул. Строителей, вл. 5"}, {"floors", "9"}, {"totalArea", "5400 кв. м"},
		}},
		{form: "heritage-works", agency: "OKN", st: byAgency("OKN"), object: [][2]string{
			{"heritageObjectName", "Дом купца Елисеева"}, {"registryNumber", "781610399040006"},
			{"objectAddress", "г. Санкт-Петербург, Невский пр., д. 56"}, {"worksKind", "Реставрация"},
		}},
	}
}

// breakDigit changes the last digit of an identifier, so its check digits
// no longer match.
func breakDigit(s string) string {
	last := s[len(s)-1]
	return s[:len(s)-1] + string(rune('0'+(last-'0'+1)%10))
}

func fieldLabel(t *testing.T, st forms.ServiceType, name string) string {
	for _, f := range st.Fields {
		if f.Name == name {
			return f.Label
		}
	}
	t.Fatalf("service type %s has no field %s", st.Code, name)
	return ""
}

// badApplication is one way an application goes wrong; breakIt changes a
// valid application and returns the problems Okno must find, as fragments
// of their Russian text.
type badApplication struct {
	name    string
	breakIt func(t *testing.T, st forms.ServiceType, a *application) []string
	// unreadable forms are refused whatever the service type's rule says.
	unreadable bool
	// invalidSignature names the file whose signature must be found invalid.
	invalidSignature string
}

var badApplications = []badApplication{
	{name: "valid", breakIt: func(*testing.T, forms.ServiceType, *application) []string { return nil }},
	{name: "required values missing", breakIt: func(t *testing.T, st forms.ServiceType, a *application) []string {
		a.person.FirstName = ""
		for i, f := range a.object {
			if f[0] == "objectAddress" {
				a.object[i][1] = ""
			}
		}
		return []string{"Не заполнено обязательное поле «Имя»",
			"Не заполнено обязательное поле «" + fieldLabel(t, st, "objectAddress") + "»"}
	}},
	{name: "СНИЛС check digits", breakIt: func(_ *testing.T, _ forms.ServiceType, a *application) []string {
		a.person.SNILS = breakDigit(a.person.SNILS)
		return []string{"СНИЛС «" + a.person.SNILS + "» указан с ошибкой"}
	}},
	{name: "ИНН check digit", breakIt: func(_ *testing.T, _ forms.ServiceType, a *application) []string {
		inn := &a.person.INN
		if a.company != nil {
			inn = &a.company.INN
		}
		*inn = breakDigit(*inn)
		return []string{"ИНН «" + *inn + "» указан с ошибкой"}
	}},
	{name: "signature over other bytes", invalidSignature: "scan-1.pdf", breakIt: func(_ *testing.T, _ forms.ServiceType, a *application) []string {
		a.documents[0].signature = a.documents[1].signature
		return []string{"Подпись файла «scan-1.pdf» не прошла проверку"}
	}},
	{name: "signature is not CMS", invalidSignature: "scan-2.pdf", breakIt: func(_ *testing.T, _ forms.ServiceType, a *application) []string {
		a.documents[1].signature = []byte("подпись")
		return []string{"Подпись файла «scan-2.pdf» не прошла проверку"}
	}},
	{name: "file corrupted in the bus's storage", breakIt: func(_ *testing.T, _ forms.ServiceType, a *application) []string {
		a.documents[1].rotten = true
		return []string{"Файл «scan-2.pdf» повреждён или не получен"}
	}},
	{name: "file not listed in the form", breakIt: func(_ *testing.T, _ forms.ServiceType, a *application) []string {
		// Tolerated: the file is kept under its own name, nothing is wrong.
		extra := *a.documents[0]
		extra.fileName, extra.attachmentID, extra.unlisted = "extra.pdf", "doc-extra", true
		a.documents = append(a.documents, &extra)
		return nil
	}},
	{name: "file of no document type", breakIt: func(t *testing.T, _ forms.ServiceType, a *application) []string {
		// Kept, never lost, but as an opaque download (see assertRegistered).
		d := a.documents[1]
		d.data = []byte(`fetch("/cases/filters", {method: "POST"});`)
		resign(t, a, d)
		return nil
	}},
	{name: "file name with a path", breakIt: func(_ *testing.T, _ forms.ServiceType, a *application) []string {
		// Stored under its plain name, as an office upload is.
		a.documents[0].fileName = "../../../etc/scan-1.pdf"
		return nil
	}},
	{name: "empty file", breakIt: func(t *testing.T, _ forms.ServiceType, a *application) []string {
		d := a.documents[2]
		d.data = []byte{}
		resign(t, a, d)
		return []string{"Файл «scan-3.pdf» повреждён или не получен", "файл пуст (0 байт)"}
	}},
	{name: "listed document not in the message", breakIt: func(_ *testing.T, _ forms.ServiceType, a *application) []string {
		last := a.documents[len(a.documents)-1]
		last.detached = true
		return []string{"Документ «" + last.title + "» указан в заявлении, но файл " + last.fileName + " не получен"}
	}},
	{name: "unreadable form", unreadable: true, breakIt: func(_ *testing.T, _ forms.ServiceType, a *application) []string {
		// Well-formed, so the bus carries it, but past the element limit
		// Okno reads forms with.
		a.padding = "<Notes>" + strings.Repeat("<note></note>", 50_001) + "</Notes>"
		return []string{"Заявление не соответствует форме услуги", "more than 50000 elements"}
	}},
}

// TestBadApplicationsThroughTheBus files broken applications as the portal
// and checks that each one is either registered whole, with its problems on
// the card, or refused with RequestRejected — as its service type's rule
// says — and acknowledged on the bus either way.
func TestBadApplicationsThroughTheBus(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	epgu := w.portal()
	clerk := w.login("minstroy.clerk")
	w.count(`SELECT 1`) // opens the connection the subtests share
	for _, svc := range demoServices(t) {
		for _, bad := range badApplications {
			t.Run(svc.st.Code+"/"+bad.name, func(t *testing.T) {
				w := w.in(t)
				epgu := epgu.in(w)
				a := epgu.newApplication(svc.form, svc.st.RequiredDocuments, svc.object)
				want := bad.breakIt(t, svc.st, a)
				id := epgu.mustSend(a)
				w.acked(id)
				if bad.unreadable || (len(want) > 0 && svc.st.OnProblem == forms.OnProblemReject) {
					code := message.RejectFailure
					if bad.unreadable {
						code = message.RejectUnknownRequestDescription
					}
					w.assertRejected(id, svc.agency, code, want)
					return
				}
				caseID := w.assertRegistered(id, a, want, bad.invalidSignature)
				if svc.agency == "MINSTROY" {
					w.assertCard(clerk, caseID)
				}
			})
		}
	}
	w.assertNothingHalfStored()
}

// in is the world seen from a subtest, so failures land on the subtest.
func (w *world) in(t *testing.T) *world {
	sub := *w
	sub.t = t
	return &sub
}

// assertRejected checks that the message was refused: a rejection row, no
// case, and RequestRejected with the reason on its way back to the portal.
func (w *world) assertRejected(id, agency string, code message.RejectCode, want []string) {
	w.t.Helper()
	var gotCode, reason string
	if err := w.query(`SELECT reason_code, reason FROM intake_rejections WHERE bus_message_id = $1`, id).Scan(&gotCode, &reason); err != nil {
		w.t.Fatalf("no intake rejection for %s: %v", id, err)
	}
	if gotCode != string(code) {
		w.t.Errorf("rejection code %s, want %s", gotCode, code)
	}
	for _, frag := range want {
		if !strings.Contains(reason, frag) {
			w.t.Errorf("rejection reason lacks %q:\n%s", frag, reason)
		}
	}
	if n := w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, id); n != 0 {
		w.t.Errorf("a rejected message made %d cases", n)
	}
	if n := w.count(`SELECT count(*) FROM case_events WHERE data->>'bus_message_id' = $1`, id); n != 0 {
		w.t.Errorf("a rejected message left %d case events", n)
	}
	var answer message.RequestRejected
	eventually(w.t, 60*time.Second, "RequestRejected to reach the portal", func() bool {
		var ok bool
		answer, ok = w.rejection(id)
		return ok
	})
	if answer.RejectionReasonCode != code {
		w.t.Errorf("the portal got %s, want %s", answer.RejectionReasonCode, code)
	}
	for _, frag := range want {
		if !strings.Contains(answer.RejectionReasonDescription, frag) {
			w.t.Errorf("the portal's reason lacks %q:\n%s", frag, answer.RejectionReasonDescription)
		}
	}
	if n := w.count(`SELECT count(*) FROM smevstand.message WHERE original_id = $1 AND sender = $2`, id, agency); n != 1 {
		w.t.Errorf("%d answers from %s to one rejected message", n, agency)
	}
	eventually(w.t, 90*time.Second, "the rejection to be recorded as accepted by the bus", func() bool {
		return w.count(`SELECT count(*) FROM intake_rejections WHERE bus_message_id = $1 AND response_state = 'accepted'`, id) == 1
	})
	// Nothing refers to the files of a refused application, so keeping them
	// would be personal data stored without a case. Emptied directories
	// stay, by the local blob store's design.
	err := filepath.WalkDir(w.data, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(path, id) {
			w.t.Errorf("the rejected message left %s in the blob store", path)
		}
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// assertRegistered checks that the message became one whole case: its
// problems, the form and every file received with its signature verdict,
// the timeline and the status queued for the portal. It returns the case id.
func (w *world) assertRegistered(id string, a *application, want []string, invalidSignature string) string {
	w.t.Helper()
	if n := w.count(`SELECT count(*) FROM intake_rejections WHERE bus_message_id = $1`, id); n != 0 {
		w.t.Fatalf("a registered message also has %d rejections", n)
	}
	var caseID string
	var problemsJSON []byte
	if err := w.query(`SELECT id::text, problems FROM cases WHERE bus_message_id = $1`, id).Scan(&caseID, &problemsJSON); err != nil {
		w.t.Fatalf("no case for %s: %v", id, err)
	}
	var problems []forms.Problem
	if err := json.Unmarshal(problemsJSON, &problems); err != nil {
		w.t.Fatal(err)
	}
	for _, p := range problems {
		expected := false
		for _, frag := range want {
			expected = expected || strings.Contains(p.Message, frag)
		}
		if !expected {
			w.t.Errorf("unexpected problem %+v", p)
		}
	}
	for _, frag := range want {
		found := false
		for _, p := range problems {
			found = found || strings.Contains(p.Message, frag)
		}
		if !found {
			w.t.Errorf("no problem says %q; problems: %+v", frag, problems)
		}
	}

	var docsJSON []byte
	if err := w.query(`SELECT coalesce(json_object_agg(file_name, signature_status), '{}') FROM case_documents
		WHERE case_id = $1 AND kind = 'attachment'`, caseID).Scan(&docsJSON); err != nil {
		w.t.Fatal(err)
	}
	var docs map[string]string
	if err := json.Unmarshal(docsJSON, &docs); err != nil {
		w.t.Fatal(err)
	}
	sent := 0
	for _, d := range a.documents {
		name := filetype.SafeName(d.fileName) // a name from the bus loses its directories
		if d.detached || d.rotten || len(d.data) == 0 {
			if _, ok := docs[name]; ok {
				w.t.Errorf("%s was not received whole but is a document of the case", d.fileName)
			}
			continue
		}
		sent++
		wantStatus := "valid"
		if d.fileName == invalidSignature {
			wantStatus = "invalid"
		}
		if docs[name] != wantStatus {
			w.t.Errorf("%s: signature %q, want %q", d.fileName, docs[name], wantStatus)
		}
		// The type comes from the content: what is no document type is kept opaque.
		var mimeType, title string
		if err := w.query(`SELECT mime_type, title FROM case_documents WHERE case_id = $1 AND file_name = $2`, caseID, name).Scan(&mimeType, &title); err != nil {
			w.t.Fatal(err)
		}
		if ft := filetype.Of(d.data, name); mimeType != ft.Stored() || (!ft.Allowed && !strings.Contains(title, "тип файла не распознан")) {
			w.t.Errorf("%s stored as %s titled %q; its content is %s", d.fileName, mimeType, title, ft.MIME)
		}
	}
	if len(docs) != sent {
		w.t.Errorf("case has %d attachments %v, %d were sent", len(docs), docs, sent)
	}
	if n := w.count(`SELECT count(*) FROM case_documents WHERE case_id = $1 AND kind = 'application'`, caseID); n != 1 {
		w.t.Errorf("case has %d application forms", n)
	}
	if n := w.count(`SELECT count(*) FROM case_events WHERE case_id = $1 AND kind = 'received' AND data->>'bus_message_id' = $2`, caseID, id); n != 1 {
		w.t.Errorf("case has %d received events for its message", n)
	}
	if n := w.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1`, caseID); n != 1 {
		w.t.Errorf("case has %d status deliveries, want the registered one", n)
	}
	return caseID
}

// assertCard checks that a clerk sees every problem of the case on its card.
func (w *world) assertCard(clerk *person, caseID string) {
	w.t.Helper()
	var problemsJSON []byte
	if err := w.query(`SELECT problems FROM cases WHERE id = $1`, caseID).Scan(&problemsJSON); err != nil {
		w.t.Fatal(err)
	}
	var problems []forms.Problem
	if err := json.Unmarshal(problemsJSON, &problems); err != nil {
		w.t.Fatal(err)
	}
	status, page := clerk.get("/cases/" + caseID)
	if status != http.StatusOK {
		w.t.Fatalf("case card: HTTP %d", status)
	}
	if len(problems) == 0 && strings.Contains(page, "Замечания к заявлению") {
		w.t.Error("the card of a case without problems shows remarks")
	}
	for _, p := range problems {
		if !strings.Contains(page, html.EscapeString(p.Message)) {
			w.t.Errorf("the card does not show the problem %q", p.Message)
		}
	}
}

// assertNothingHalfStored checks the whole database: every case has its
// form and timeline, and no message is both a case and a rejection.
func (w *world) assertNothingHalfStored() {
	w.t.Helper()
	if n := w.count(`SELECT count(*) FROM cases c WHERE c.bus_message_id IS NOT NULL AND (
		NOT EXISTS (SELECT 1 FROM case_documents d WHERE d.case_id = c.id AND d.kind = 'application') OR
		NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.kind = 'received'))`); n != 0 {
		w.t.Errorf("%d cases without their form or timeline", n)
	}
	if n := w.count(`SELECT count(*) FROM intake_rejections r JOIN cases c ON c.bus_message_id = r.bus_message_id`); n != 0 {
		w.t.Errorf("%d messages are both a case and a rejection", n)
	}
	if n := w.count(`SELECT count(*) FROM smevstand.message WHERE recipient IN ('MINSTROY', 'OKN') AND kind = 'REQUEST' AND acked_at IS NULL`); n != 0 {
		w.t.Errorf("%d applications left unacknowledged", n)
	}
}

// resign signs a changed document again as its applicant, so only the
// change itself is wrong.
func resign(t *testing.T, a *application, d *document) {
	t.Helper()
	sig, err := a.applicant.SignDetached(bytes.NewReader(d.data))
	if err != nil {
		t.Fatal(err)
	}
	d.signature = sig
}
