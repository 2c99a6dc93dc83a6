package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium starts Debian's headless Chromium; it skips only outside CI when
// the browser is not installed.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (CI installs Debian's chromium package)")
		}
		t.Skip("chromium not installed; apt-get install chromium")
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

func shot(name string) chromedp.Action[chromedp.Void] {
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

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := textOf(ctx, sel)
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return v
}

// textOf reads an element's text, giving up after a few seconds (for
// instance while a page is being replaced).
func textOf(ctx context.Context, sel string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Text(sel))
	return strings.TrimSpace(v), err
}

// waitText polls until the element's text is want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	var got string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ = textOf(ctx, sel); got == want {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s shows %q, want %q", sel, got, want)
}

// TestApplicationFromPortalToCabinet is the spine of Okno end to end: the
// portal sends an application through the bus; it appears in the agency's
// registry with a number; a clerk finds it, assigns it and takes it into
// work in the browser; the status appears in the applicant's cabinet.
func TestApplicationFromPortalToCabinet(t *testing.T) {
	w := newWorld(t)
	w.startOkno()
	ctx := chromium(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil { // starts the browser outside any step's timeout
		t.Fatal(err)
	}
	app := w.fileApplication("building-permit")
	var number string
	eventually(t, 60*time.Second, "the application to be registered", func() bool {
		return w.query(`SELECT number FROM cases WHERE bus_message_id = $1`, app.MessageID).Scan(&number) == nil
	})
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(stepCtx, steps...); err != nil {
			_ = chromedp.Do(ctx, shot("e2e-failed"))
			t.Fatalf("%s: %v", what, err)
		}
	}
	step("log in as a clerk and search the registry",
		chromedp.Navigate(w.oknoURL+"/login"),
		chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, "minstroy.clerk"),
		chromedp.SendKeys(`#f-password`, "okno-demo-2026"),
		chromedp.Submit(`#f-password`),
		chromedp.WaitVisible(`nav`),
		chromedp.Click(`nav a[href="/cases"]`),
		chromedp.WaitVisible(`input[type=search]`),
		shot("e2e-01-registry"),
		chromedp.SendKeys(`input[type=search]`, number[len(number)-6:]+"\n"),
	)
	eventually(t, 10*time.Second, "the search results page", func() bool {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		return err == nil && strings.Contains(loc, "q=")
	})
	step("see the results", chromedp.WaitVisible(`table.registry`))
	if rows := text(t, ctx, `table.registry tbody`); !strings.Contains(rows, number) {
		t.Fatalf("registry search for %s shows:\n%s", number, rows)
	}
	step("open the card", chromedp.Click(`table.registry a[href^="/cases/"]`), chromedp.WaitVisible(`#case-number`))
	waitText(t, ctx, `#case-number`, number)
	step("assign to myself",
		chromedp.SetValue(`#f-executor_id`, userID(t, w, "minstroy.clerk")),
		chromedp.Click(`#assign-form button`))
	waitText(t, ctx, `#case-executor`, "Иванова Мария Сергеевна")
	step("take into work", chromedp.Click(`button[data-action="in_progress"]`))
	waitText(t, ctx, `#case-status`, "В работе")
	step("keep a picture of the card", shot("e2e-02-card"))
	eventually(t, 60*time.Second, "the cabinet to show the status", func() bool {
		order := cabinetOrder(w.cabinet(), app.OrderNumber)
		return strings.Contains(order, "Принято ведомством") && strings.Contains(order, "Промежуточные результаты") &&
			strings.Contains(order, "В работе")
	})
	// The card shows that the portal accepted the status.
	eventually(t, 30*time.Second, "the card to show the delivery accepted", func() bool {
		step("reload the card", chromedp.Reload(), chromedp.WaitVisible(`#timeline`))
		timeline, _ := textOf(ctx, `#timeline`)
		return strings.Count(timeline, "принято ЕПГУ") == 2
	})
	step("keep a picture", shot("e2e-03-accepted"))
}

func userID(t *testing.T, w *world, login string) string {
	t.Helper()
	var id string
	if err := w.query(`SELECT id::text FROM users WHERE login = $1`, login).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
