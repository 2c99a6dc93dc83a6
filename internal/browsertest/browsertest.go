// Package browsertest starts Debian's headless Chromium for tests that use
// Okno (or the stand) the way a person does, and offers the few helpers
// those tests share. Chromium is never downloaded: a test skips only when
// the browser is missing outside CI, and fails in CI.
package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okno-oiv/okno/internal/testenv"
)

// Start launches a fresh headless Chromium for the test and returns a
// context whose browser is already running, so that steps may set their own
// timeouts. The browser closes at cleanup.
func Start(t testing.TB) context.Context {
	t.Helper()
	path := testenv.NeedChromium(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		// Without these Chromium keeps dialling out, and this machine's network refuses it.
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Screenshot keeps a picture of the page in the folder OKNO_SCREENSHOTS
// names, for people to look at; without it the step does nothing.
func Screenshot(name string) chromedp.Action[chromedp.Void] {
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

// TextOf reads an element's visible text, giving up after a few seconds
// (for instance while the page is being replaced).
func TextOf(ctx context.Context, sel string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Text(sel))
	return strings.TrimSpace(v), err
}

// Text is TextOf that fails the test.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	v, err := TextOf(ctx, sel)
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return v
}

// WaitText polls until the element shows want.
func WaitText(t testing.TB, ctx context.Context, sel, want string) {
	t.Helper()
	var got string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ = TextOf(ctx, sel); got == want {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s shows %q, want %q", sel, got, want)
}
