package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
