package web_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okno-oiv/okno/internal/browsertest"
)

// TestBrowserTimesInTheAgencysOwnZone: an agency in Vladivostok reads the
// card's times and the lockout's end on its own clock, the zone named once.
func TestBrowserTimesInTheAgencysOwnZone(t *testing.T) {
	s := newSite(t)
	s.ownerExec(`UPDATE agencies SET time_zone = 'Asia/Vladivostok' WHERE code = 'MINSTROY'`)
	vladivostok, err := time.LoadLocation("Asia/Vladivostok")
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	id := caseInWork(t, s)
	b := s.tab(t, "")
	b.login("minstroy.clerk")
	b.open("/cases/"+id, `#timeline`)
	want1, want2 := before.In(vladivostok).Format("02.01.2006 15:04"), before.Add(time.Minute).In(vladivostok).Format("02.01.2006 15:04")
	if got := b.text(`#timeline li:first-child .when`); got != want1 && got != want2 {
		t.Errorf("the timeline says %q, want Vladivostok's %q", got, want1)
	}
	if z := b.text(`#zone-label`); z != "Время — Asia/Vladivostok (UTC+10)" {
		t.Errorf("zone label %q", z)
	}
	page := b.text(`body`)
	if n := strings.Count(page, "Vladivostok"); n != 1 {
		t.Errorf("the zone is named %d times", n)
	}
	if strings.Contains(page, "московское") || strings.Contains(page, "UTC+3") {
		t.Errorf("the card still speaks Moscow time:\n%s", page)
	}

	for i := 0; i < 5; i++ {
		s.browser().post("/login", url.Values{"login": {"minstroy.head"}, "password": {"wrong"}})
	}
	locked := s.tab(t, "")
	locked.do("log in while locked",
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, "minstroy.head"),
		chromedp.SendKeys(`#f-password`, "wrong"),
		chromedp.Submit(`#f-password`),
		chromedp.WaitVisible(`#login-problem`),
	)
	msg := locked.text(`#login-problem`)
	if !strings.Contains(msg, "время Asia/Vladivostok (UTC+10)") || strings.Contains(msg, "(UTC)") {
		t.Errorf("the lockout does not speak Vladivostok time:\n%s", msg)
	}
}

// TestBrowserOfficeFormAsksTheApplicantsKind: the clerk chooses the
// applicant's kind first and is asked only that kind's details, required
// ones marked; a foreigner's citizenship and document kind are chosen by
// name; each required document gets its own scan; the card shows what was
// typed, by name.
func TestBrowserOfficeFormAsksTheApplicantsKind(t *testing.T) {
	s := newSite(t)
	b := s.tab(t, browsertest.Axe(t))
	b.login("minstroy.clerk")
	b.open("/cases/new/RNS", `#office-kind`)
	if n := b.eval(`String(document.querySelectorAll("#office-form").length)`); n != "0" {
		t.Fatal("the form is shown before the applicant's kind is chosen")
	}
	if l := b.text(`label[for=f-kind]`); l != "Заявитель (обязательно)" {
		t.Errorf("kind label %q", l)
	}
	b.do("choose a company", chromedp.SetValue(`#f-kind`, "legal_entity"), chromedp.Click(`#office-kind button`), chromedp.WaitVisible(`#office-form`))
	b.checkAxe("the company's form")
	company := b.eval(`[...document.querySelectorAll("#applicant label")].map((l) => l.textContent.trim().replace(/\s+/g, " ")).join("|")`)
	for _, want := range []string{"Наименование организации (обязательно)", "ИНН (обязательно)", "КПП"} {
		if !strings.Contains(company, want) {
			t.Errorf("the company's form lacks %q: %s", want, company)
		}
	}
	if strings.Contains(company, "Номер документа") || strings.Contains(company, "Гражданство") {
		t.Errorf("a company is asked for a passport or citizenship: %s", company)
	}
	if r := b.eval(`document.querySelector("#f-applicant\\.organization_name").getAttribute("aria-required")`); r != "true" {
		t.Errorf("organisation name aria-required=%q", r)
	}

	b.do("choose a foreign citizen", chromedp.SetValue(`#f-kind`, "foreign_citizen"), chromedp.Click(`#office-kind button`),
		chromedp.WaitVisible(`#f-applicant\.citizenship`))
	b.checkAxe("the foreigner's form")
	if l := b.text(`label[for="f-applicant.citizenship"]`); l != "Гражданство (обязательно)" {
		t.Errorf("citizenship label %q", l)
	}
	if o := b.eval(`[...document.querySelectorAll("#f-applicant\\.document_type option")].map((o) => o.textContent).join("|")`); !strings.Contains(o, "Паспорт иностранного гражданина") || !strings.Contains(o, "Паспорт гражданина РФ") {
		t.Errorf("identity document kinds offered: %s", o)
	}
	if n := b.eval(`String(document.querySelectorAll("#office-documents input[type=file]").length)`); n != "4" {
		t.Errorf("%s scan inputs for 4 required documents", n)
	}
	dir := t.TempDir()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(`#f-applicant\.last_name`, "Ли"),
		chromedp.SendKeys(`#f-applicant\.first_name`, "Вэй"),
		chromedp.SetValue(`#f-applicant\.birth_date`, "1990-05-17"),
		chromedp.SetValue(`#f-applicant\.citizenship`, "156"),
		chromedp.SetValue(`#f-applicant\.document_type`, "10"),
		chromedp.SendKeys(`#f-applicant\.document_number`, "E1234567"),
		chromedp.SendKeys(`#f-objectName`, "Индивидуальный жилой дом"),
		chromedp.SendKeys(`#f-cadastralNumber`, "77:01:0001001:1234"),
		chromedp.SendKeys(`#f-objectAddress`, "г. Москва, ул. Строителей, д. 5"),
	}
	for i := 0; i < 4; i++ {
		path := filepath.Join(dir, "скан-"+string(rune('1'+i))+".pdf")
		if err := os.WriteFile(path, []byte("%PDF-1.4 скан"), 0o600); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, chromedp.SetUploadFiles(`#f-scan\.`+string(rune('0'+i)), []string{path}))
	}
	steps = append(steps, chromedp.Click(`#office-form button[type=submit]`), chromedp.WaitVisible(`#case-number`))
	b.do("fill in and register, a scan for each document", steps...)
	b.checkAxe("the foreigner's card")
	for sel, want := range map[string]string{
		`#applicant-citizenship`: "Китай", `#applicant-document`: "Паспорт иностранного гражданина, № E1234567",
		`#applicant-birth-date`: "17.05.1990",
	} {
		if got := b.text(sel); got != want {
			t.Errorf("%s shows %q, want %q", sel, got, want)
		}
	}
	docs := b.text(`#documents tbody`)
	for _, want := range []string{"Правоустанавливающие документы на земельный участок", "Градостроительный план земельного участка", "скан-1.pdf"} {
		if !strings.Contains(docs, want) {
			t.Errorf("the documents lack %q:\n%s", want, docs)
		}
	}
}
