package printout

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/testenv"
)

// needs reports a missing tool or file through testenv: a skip outside CI,
// a failure in CI.
func needs(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	testenv.Unavailable(t, fmt.Sprintf("%s is not available: %v", what, err))
}

func newRenderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := NewRenderer(DefaultFontDir)
	needs(t, "DejaVu fonts (fonts-dejavu-core)", err)
	return r
}

// pdfText extracts the text of a PDF with poppler's pdftotext, an
// implementation nobody here wrote, with all runs of white space made one
// space so that a phrase broken across lines still reads as one.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	_, err := exec.LookPath("pdftotext")
	needs(t, "pdftotext (poppler-utils)", err)
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

var created = time.Date(2026, 3, 14, 10, 30, 0, 0, time.UTC)

func approval() Document {
	return Document{
		Agency: Agency{
			Name:       "Министерство имущественных отношений Энской области",
			Requisites: []string{"ул. Ленина, д. 1, г. Энск, 123456", "ОГРН 1027700132195, ИНН 7701234567"},
		},
		Template: Template{
			Title: "Выписка из реестра государственного имущества № {{номер}}",
			Body: "Выдана {{ заявитель }} по заявлению от {{дата_регистрации}}.\n\n" +
				"Объект с кадастровым номером {{поле:cadastral_number}} числится в реестре.",
		},
		Values: map[string]string{
			"номер":                   "ОК-2026-000417",
			"заявитель":               "Иванову Ивану Ивановичу",
			"дата_регистрации":        "12.03.2026",
			"поле:cadastral_number":   "77:01:0004012:1035",
			"поле:unused_in_this_one": "не используется",
		},
		Kind:      KindApproval,
		CreatedAt: created,
	}
}

func refusal() Document {
	d := approval()
	d.Template = Template{Title: "Решение об отказе № {{номер}}", Body: "Рассмотрев заявление {{заявитель}}, министерство решило отказать."}
	d.Kind = KindRefusal
	d.Grounds = []string{"Представлены документы, утратившие силу", "Объект отсутствует в реестре"}
	d.Motivation = "Выписка ЕГРН от 01.02.2026 выдана до перепланировки.\nПредставьте новую выписку."
	return d
}

func TestRenderShowsTheDocument(t *testing.T) {
	r := newRenderer(t)
	pdf, err := r.Render(approval())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	text := pdfText(t, pdf)
	for _, want := range []string{
		"Министерство имущественных отношений Энской области",
		"ОГРН 1027700132195, ИНН 7701234567",
		"Выписка из реестра государственного имущества № ОК-2026-000417",
		"Выдана Иванову Ивану Ивановичу",
		"по заявлению от 12.03.2026",
		"кадастровым номером 77:01:0004012:1035 числится",
		"Страница 1 из 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q:\n%s", want, text)
		}
	}
	for _, absent := range []string{"{{", "}}", "Основания для отказа", "электронной подписью"} {
		if strings.Contains(text, absent) {
			t.Errorf("the draft says %q:\n%s", absent, text)
		}
	}
}

func TestRenderRefusal(t *testing.T) {
	pdf, err := newRenderer(t).Render(refusal())
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, want := range []string{
		"Решение об отказе № ОК-2026-000417",
		"Основания для отказа: 1. Представлены документы, утратившие силу 2. Объект отсутствует в реестре",
		"Разъяснение причин отказа: Выписка ЕГРН от 01.02.2026 выдана до перепланировки. Представьте новую выписку.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q:\n%s", want, text)
		}
	}
}

func TestRenderStamped(t *testing.T) {
	r := newRenderer(t)
	stamp := Stamp{
		Serial:     "4F1A0C2D9B7E6A5F4E3D2C1B0A9F8E7D6C5B4A39",
		Owner:      "Сидорова Мария Петровна",
		NotBefore:  time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC),
		NotAfter:   time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC),
		OnBehalfOf: "Петрова Анна Сергеевна",
	}
	pdf, err := r.RenderStamped(approval(), stamp)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, want := range []string{
		"Документ подписан электронной подписью",
		"Сертификат: 4F1A0C2D9B7E6A5F4E3D2C1B0A9F8E7D6C5B4A39",
		"Владелец: Сидорова Мария Петровна",
		"Действителен: с 10.01.2026 по 10.01.2027",
		"Подписано по доверенности за: Петрова Анна Сергеевна",
		"Выписка из реестра государственного имущества № ОК-2026-000417",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q:\n%s", want, text)
		}
	}
	stamp.OnBehalfOf = ""
	pdf, err = r.RenderStamped(approval(), stamp)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, pdf); strings.Contains(text, "доверенности") || !strings.Contains(text, "Владелец: Сидорова Мария Петровна") {
		t.Errorf("the head's own signature:\n%s", text)
	}
	if _, err := r.RenderStamped(approval(), Stamp{Owner: "Без сертификата"}); err == nil {
		t.Error("a stamp without a certificate serial was accepted")
	}
}

// A long document pushes the stamp to a page of its own rather than cut it.
func TestStampMovesToTheNextPage(t *testing.T) {
	doc := approval()
	doc.Template.Body = strings.Repeat("Абзац текста решения, который занимает строку.\n", 38)
	pdf, err := newRenderer(t).RenderStamped(doc, Stamp{Serial: "01", Owner: "Петрова Анна Сергеевна", NotBefore: created, NotAfter: created.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	page2 := strings.Index(text, "Страница 1 из 2")
	stamp := strings.Index(text, "Документ подписан электронной подписью")
	if page2 < 0 || stamp < page2 || !strings.Contains(text, "Страница 2 из 2") {
		t.Fatalf("the stamp is not on page 2:\n%s", text)
	}
}

// The same draft renders to the same bytes, so what the head approved is
// what is signed even if rendered again; another creation time, another
// value or a stamp changes them.
func TestRenderIsDeterministic(t *testing.T) {
	r := newRenderer(t)
	stamp := Stamp{Serial: "0A1B2C", Owner: "Петрова Анна Сергеевна", NotBefore: created, NotAfter: created.AddDate(1, 0, 0)}
	first, err := r.Render(refusal())
	if err != nil {
		t.Fatal(err)
	}
	firstStamped, err := r.RenderStamped(refusal(), stamp)
	if err != nil {
		t.Fatal(err)
	}
	// Go randomises map iteration on every range, so several renders would
	// catch an order that leaks into the bytes.
	for range 5 {
		again, _ := r.Render(refusal())
		stamped, _ := r.RenderStamped(refusal(), stamp)
		if !bytes.Equal(first, again) || !bytes.Equal(firstStamped, stamped) {
			t.Fatal("the same document rendered to different bytes")
		}
	}
	later := refusal()
	later.CreatedAt = created.Add(time.Second)
	other := refusal()
	other.Values["номер"] = "ОК-2026-000418"
	for name, d := range map[string]Document{"created later": later, "another number": other} {
		b, err := r.Render(d)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(first, b) {
			t.Errorf("%s: same bytes", name)
		}
	}
	if bytes.Equal(first, firstStamped) {
		t.Error("the stamp does not change the bytes")
	}
	// Renders within one second would not tell the clock from CreatedAt.
	for _, want := range []string{"/CreationDate (D:20260314103000)", "/ModDate (D:20260314103000)"} {
		if !bytes.Contains(first, []byte(want)) {
			t.Errorf("the PDF lacks %s: its dates are not the document's", want)
		}
	}
}

func TestRenderRefusesUnknownPlaceholders(t *testing.T) {
	doc := approval()
	doc.Template.Title = "Решение № {{номер}} от {{дата_решения}}"
	doc.Template.Body = "Кадастровый номер {{поле:cadastral_no}}, заявитель {{заявитель}}, дата {{дата_решения}}."
	_, err := newRenderer(t).Render(doc)
	var te *TemplateError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want a TemplateError", err)
	}
	if want := []string{"{{дата_решения}}", "{{поле:cadastral_no}}"}; !slices.Equal(te.Unknown, want) {
		t.Fatalf("unknown %q, want %q", te.Unknown, want)
	}
	if !strings.Contains(err.Error(), "unknown placeholders {{дата_решения}}, {{поле:cadastral_no}}") ||
		te.Message() != "В шаблоне неизвестные подстановки: {{дата_решения}}, {{поле:cadastral_no}}" {
		t.Fatalf("messages: %q / %q", err, te.Message())
	}
}

func TestTemplatePlaceholders(t *testing.T) {
	tests := []struct {
		body      string
		names     []string
		malformed []string
	}{
		{"{{номер}} и {{ номер }}, {{поле:area.total}} {{поле:x-1}}", []string{"номер", "поле:area.total", "поле:x-1"}, nil},
		{"без подстановок, но с { одной } скобкой", nil, nil},
		{"{{номер}", nil, []string{"{{номер}"}},
		{"номер}} и {{дата}}", nil, []string{"номер}}"}},
		{"{{}}", nil, []string{"{{}}"}},
		{"{{два слова}}", nil, []string{"{{два слова}}"}},
		{"{{поле:}} {{поле:кириллица}}", nil, []string{"{{поле:}}", "{{поле:кириллица}}"}},
		{"{{a {{b}}", nil, []string{"{{a {{b}}"}},
	}
	for _, tt := range tests {
		names, err := Template{Body: tt.body}.Placeholders()
		var te *TemplateError
		if tt.malformed == nil {
			if err != nil || !slices.Equal(names, tt.names) {
				t.Errorf("%q: %q, %v; want %q", tt.body, names, err, tt.names)
			}
			continue
		}
		if !errors.As(err, &te) || !slices.Equal(te.Malformed, tt.malformed) {
			t.Errorf("%q: %v; want malformed %q", tt.body, err, tt.malformed)
		}
	}
}

// A value is printed as it is: braces in an applicant's text are not a
// placeholder and do not reach into the template.
func TestValuesAreNotExpanded(t *testing.T) {
	title, body, err := Template{Title: "{{заявитель}}", Body: "{{заявитель}}"}.fill(map[string]string{"заявитель": "ООО «{{номер}}»"})
	if err != nil || title != "ООО «{{номер}}»" || body != title {
		t.Fatalf("%q %q %v", title, body, err)
	}
}

func TestRenderRefusesBadDocuments(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		name string
		edit func(*Document)
		msg  string
	}{
		{"no creation time", func(d *Document) { d.CreatedAt = time.Time{} }, "creation time is required"},
		{"no agency", func(d *Document) { d.Agency.Name = " " }, "agency's name"},
		{"unknown kind", func(d *Document) { d.Kind = "maybe" }, `unknown decision kind "maybe"`},
		{"refusal without grounds", func(d *Document) { d.Kind = KindRefusal }, "at least one ground"},
		{"approval with grounds", func(d *Document) { d.Grounds = []string{"x"} }, "approval has no grounds"},
	}
	for _, tt := range tests {
		d := approval()
		tt.edit(&d)
		if _, err := r.Render(d); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.msg)
		}
	}
}

func TestNewRendererWithoutFonts(t *testing.T) {
	dir := t.TempDir()
	_, err := NewRenderer(dir)
	if err == nil || !strings.Contains(err.Error(), "DejaVuSerif.ttf not found in "+dir) || !strings.Contains(err.Error(), "fonts-dejavu-core") {
		t.Fatalf("got %v", err)
	}
}
