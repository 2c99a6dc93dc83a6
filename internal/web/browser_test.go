package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/okno-oiv/okno/internal/demo"
)

// chromium starts Debian's headless Chromium for a browser test. It skips only
// outside CI when the browser is not installed.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (CI installs Debian's chromium package)")
		}
		t.Skip("chromium not installed; apt-get install chromium")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// screenshot keeps a picture of the page when OKNO_SCREENSHOTS names a folder.
func screenshot(name string) chromedp.Action[chromedp.Void] {
	dir := os.Getenv("OKNO_SCREENSHOTS")
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if dir == "" {
			return nil
		}
		png, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	})
}

// text reads the visible text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

// TestBrowserAdministratorWithSecondFactor: an agency administrator enrols a
// second factor, logs in with it, creates a user, and logs out — in a real
// browser, through the real pages.
func TestBrowserAdministratorWithSecondFactor(t *testing.T) {
	s := newSite(t)
	ctx := chromium(t)
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
		screenshot("01-login"),
		chromedp.Submit(`#f-password`),
	)
	step("log in and open enrolment", login,
		chromedp.WaitVisible(`.tiles`),
		chromedp.Click(`nav a[href="/account"]`),
		chromedp.WaitVisible(`a[href="/account/second-factor"]`),
		chromedp.Click(`a[href="/account/second-factor"]`),
		chromedp.WaitVisible(`#totp-secret`),
		screenshot("02-enrol"),
	)
	secret := text(t, ctx, `#totp-secret`)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	step("confirm the code, log out and in again",
		chromedp.SendKeys(`#f-code`, code),
		chromedp.Submit(`#f-code`),
		chromedp.WaitVisible(`#recovery-codes`),
		screenshot("03-recovery-codes"),
		chromedp.Click(`header form button`),
		chromedp.WaitVisible(`#f-login`),
		login,
		chromedp.WaitVisible(`#f-code`),
	)
	if h := text(t, ctx, `h1`); h != "Подтверждение входа" {
		t.Fatalf("second login did not ask for the code: %q", h)
	}
	code, _ = totp.GenerateCode(secret, time.Now())
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
		screenshot("04-new-user"),
		chromedp.Submit(`#f-full_name`),
		chromedp.WaitVisible(`#issued-password`),
		screenshot("05-user-created"),
	)
	password := text(t, ctx, `#issued-password`)
	step("see the list", chromedp.Click(`nav a[href="/admin/users"]`), chromedp.WaitVisible(`table.list`), screenshot("06-users"))
	list := text(t, ctx, `table.list`)
	step("log out", chromedp.Click(`header form button`), chromedp.WaitVisible(`.flash-ok`))
	flash := text(t, ctx, `.flash-ok`)

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
