package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/okno-oiv/okno/internal/browsertest"
)

// TestApplicationFromPortalToCabinet is the spine of Okno end to end: the
// portal sends an application through the bus; it appears in the agency's
// registry with a number; a clerk finds it, assigns it and takes it into
// work in the browser; the status appears in the applicant's cabinet.
func TestApplicationFromPortalToCabinet(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	ctx := browsertest.Start(t)
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
			_ = chromedp.Do(ctx, browsertest.Screenshot("e2e-failed"))
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
		browsertest.Screenshot("e2e-01-registry"),
		chromedp.SendKeys(`input[type=search]`, number[len(number)-6:]+"\n"),
	)
	eventually(t, 10*time.Second, "the search results page", func() bool {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		return err == nil && strings.Contains(loc, "q=")
	})
	step("see the results", chromedp.WaitVisible(`table.registry`))
	if rows := browsertest.Text(t, ctx, `table.registry tbody`); !strings.Contains(rows, number) {
		t.Fatalf("registry search for %s shows:\n%s", number, rows)
	}
	step("open the card", chromedp.Click(`table.registry a[href^="/cases/"]`), chromedp.WaitVisible(`#case-number`))
	browsertest.WaitText(t, ctx, `#case-number`, number)
	step("assign to myself",
		chromedp.SetValue(`#f-executor_id`, userID(t, w, "minstroy.clerk")),
		chromedp.Click(`#assign-form button`))
	browsertest.WaitText(t, ctx, `#case-executor`, "Иванова Мария Сергеевна")
	step("take into work", chromedp.Click(`button[data-action="in_progress"]`))
	browsertest.WaitText(t, ctx, `#case-status`, "В работе")
	step("keep a picture of the card", browsertest.Screenshot("e2e-02-card"))
	eventually(t, 60*time.Second, "the cabinet to show the status", func() bool {
		order := cabinetOrder(w.cabinet(), app.OrderNumber)
		return strings.Contains(order, "Принято ведомством") && strings.Contains(order, "Промежуточные результаты") &&
			strings.Contains(order, "В работе")
	})
	// The card shows that the portal accepted the status.
	eventually(t, 30*time.Second, "the card to show the delivery accepted", func() bool {
		step("reload the card", chromedp.Reload(), chromedp.WaitVisible(`#timeline`))
		timeline, _ := browsertest.TextOf(ctx, `#timeline`)
		return strings.Count(timeline, "принято ЕПГУ") == 2
	})
	step("keep a picture", browsertest.Screenshot("e2e-03-accepted"))
}

func userID(t *testing.T, w *world, login string) string {
	t.Helper()
	var id string
	if err := w.query(`SELECT id::text FROM users WHERE login = $1`, login).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
