package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okno-oiv/okno/internal/browsertest"
	"github.com/okno-oiv/okno/internal/demo"
)

// TestBrowserUploadedSVGRunsNoScript: the head opens, in a real browser and
// in the head's own session, an SVG of a case whose script element points
// at a script a clerk uploaded. Office uploads refuse both files now, so
// they are planted as rows stored before content sniffing (with the
// declared types) — the files that the bus may still bring as opaque
// downloads. No script runs and no filter appears in the head's account.
func TestBrowserUploadedSVGRunsNoScript(t *testing.T) {
	s := newSite(t)
	clerk := s.browser().login("minstroy.clerk")
	if id, r := clerk.uploadScan("helper.js", "text/javascript", []byte(helperJS)); id != "" || r.status != 422 {
		t.Fatalf("helper.js taken: %q %d", id, r.status)
	}
	id, r := clerk.registerOffice(validOffice(), []byte("%PDF-1.4 скан"))
	if id == "" {
		t.Fatalf("registration: %d %s", r.status, r.body)
	}
	js := s.plantDocument(id, "helper.js", "text/javascript", []byte("window.helperRan = true; "+helperJS))
	svg := s.plantDocument(id, "scan.svg", "image/svg+xml", svgLoading(js))

	ctx := browsertest.Start(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, "minstroy.head"),
		chromedp.SendKeys(`#f-password`, demo.Password),
		chromedp.Submit(`#f-password`),
		chromedp.WaitVisible(`.tiles`),
	); err != nil {
		t.Fatalf("log in as the head: %v", err)
	}
	// A download aborts the navigation; a document shown inline loads with
	// its scripts, which block the load event an SVG's navigation waits for.
	navErr := chromedp.Do(ctx, chromedp.Navigate(s.url+svg))
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.helperRan === true`))
	if err != nil {
		t.Fatal(err)
	}
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatalf("the uploaded script ran at %s", location)
	}
	if strings.HasSuffix(location, svg) && navErr == nil {
		t.Fatalf("the SVG opened as a page (%s) instead of downloading", location)
	}

	// The check can see a script of the head's session saving a filter:
	// the same request, made from one of Okno's pages, does.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/cases")); err != nil {
		t.Fatal(err)
	}
	control := strings.Replace(strings.TrimSuffix(helperJS, ";"), "name=pwned", "name=control", 1) + ".then(r => r.status)"
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](control, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	head := s.userID("minstroy.head")
	if n := s.count(`SELECT count(*) FROM saved_filters WHERE name = 'control' AND user_id = $1`, head); n != 1 {
		t.Fatalf("the control request saved %d filters (status %d)", n, status)
	}
	if n := s.count(`SELECT count(*) FROM saved_filters WHERE name = 'pwned'`); n != 0 {
		t.Fatalf("the uploaded script saved %d filters", n)
	}
}
