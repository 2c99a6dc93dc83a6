package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/okno-oiv/okno/internal/browsertest"
	"github.com/okno-oiv/okno/internal/demo"
)

// TestBrowserAdministratorWithSecondFactor: an agency administrator enrols a
// second factor, logs in with it, creates a user, and logs out — in a real
// browser, through the real pages.
func TestBrowserAdministratorWithSecondFactor(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := browsertest.Start(t)
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	login := chromedp.Steps(
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, "minstroy.admin"),
		chromedp.SendKeys(`#f-password`, demo.Password),
		browsertest.Screenshot("01-login"),
		chromedp.Submit(`#f-password`),
	)
	step("log in and open enrolment", login,
		chromedp.WaitVisible(`.tiles`),
		chromedp.Click(`nav a[href="/account"]`),
		chromedp.WaitVisible(`a[href="/account/second-factor"]`),
		chromedp.Click(`a[href="/account/second-factor"]`),
		chromedp.WaitVisible(`#start-enrolment`),
		chromedp.Click(`#start-enrolment`),
		chromedp.WaitVisible(`#totp-secret`),
		browsertest.Screenshot("02-enrol"),
	)
	secret := browsertest.Text(t, ctx, `#totp-secret`)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	step("confirm the code, log out and in again",
		chromedp.SendKeys(`#f-code`, code),
		chromedp.Submit(`#f-code`),
		chromedp.WaitVisible(`#recovery-codes`),
		browsertest.Screenshot("03-recovery-codes"),
		chromedp.Click(`header form button`),
		chromedp.WaitVisible(`#f-login`),
		login,
		chromedp.WaitVisible(`#f-code`),
	)
	if h := browsertest.Text(t, ctx, `h1`); h != "Подтверждение входа" {
		t.Fatalf("second login did not ask for the code: %q", h)
	}
	// The enrolment spent the current code: the app's next one logs in.
	code = nextCode(secret)
	step("pass the code and create a user",
		chromedp.SendKeys(`#f-code`, code),
		chromedp.Submit(`#f-code`),
		chromedp.WaitVisible(`.tiles`),
		chromedp.Click(`nav a[href="/admin/users"]`),
		chromedp.WaitVisible(`a[href="/admin/users/new"]`),
		chromedp.Click(`a[href="/admin/users/new"]`),
		chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, "novikova.a"),
		chromedp.SendKeys(`#f-full_name`, "Новикова Анна Петровна"),
		chromedp.SetValue(`#f-role`, "head"),
		browsertest.Screenshot("04-new-user"),
		chromedp.Submit(`#f-full_name`),
		chromedp.WaitVisible(`#issued-password`),
		browsertest.Screenshot("05-user-created"),
	)
	password := browsertest.Text(t, ctx, `#issued-password`)
	step("see the list", chromedp.Click(`nav a[href="/admin/users"]`), chromedp.WaitVisible(`table.list`), browsertest.Screenshot("06-users"))
	list := browsertest.Text(t, ctx, `table.list`)
	step("log out", chromedp.Click(`header form button`), chromedp.WaitVisible(`.flash-ok`))
	flash := browsertest.Text(t, ctx, `.flash-ok`)

	if len(password) < 10 || !strings.Contains(list, "Новикова Анна Петровна") || !strings.Contains(list, "Руководитель") {
		t.Fatalf("user not created as expected: password %q, list %q", password, list)
	}
	if flash != "Вы вышли из системы." {
		t.Fatalf("after logout: %q", flash)
	}
	var role string
	if err := s.ownerQuery(`SELECT role FROM users WHERE login = 'novikova.a'`).Scan(&role); err != nil || role != "head" {
		t.Fatalf("stored user: %q %v", role, err)
	}
}
