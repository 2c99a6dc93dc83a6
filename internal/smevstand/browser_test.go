package smevstand_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okno-oiv/okno/internal/browsertest"
	"github.com/okno-oiv/okno/internal/smevstand/control"
	"github.com/okno-oiv/okno/internal/smevstand/standtest"
)

// An applicant opens the cabinet, finds the application the control
// example drove to its result, and checks the result's signature.
func TestBrowserApplicantChecksResultSignature(t *testing.T) {
	st := standtest.Start(t)
	var out bytes.Buffer
	res, err := control.Run(context.Background(), control.Config{BaseURL: st.URL, KeyDir: st.KeyDir, Wait: 30 * time.Second, Out: &out})
	if err != nil || !res.OK() {
		t.Fatalf("control example: %v\n%s", err, out.String())
	}
	apps, err := st.Bus().Store().RecentApplications(context.Background(), 0, 10)
	if err != nil || len(apps) == 0 {
		t.Fatalf("applications: %v", err)
	}
	card := "#order-" + strconv.FormatInt(apps[0].OrderNumber, 10)

	ctx := browsertest.Start(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(st.URL+"/cabinet/"), chromedp.WaitVisible(card)); err != nil {
		t.Fatalf("open the cabinet: %v", err)
	}
	history, err := chromedp.Run(ctx, chromedp.Text(card))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Контрольный пример обмена через СМЭВ 3", "Заявление отправлено в ведомство", "Принято ведомством", "Результат предоставления услуги", "result.pdf"} {
		if !strings.Contains(history, want) {
			t.Errorf("the card lacks %q:\n%s", want, history)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(card+` > ol > li:last-child a[href$="/signature"]`),
		chromedp.WaitVisible(`p.ok`),
	); err != nil {
		t.Fatalf("check the result's signature: %v", err)
	}
	verdict, err := chromedp.Run(ctx, chromedp.Text(`main`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(verdict, "Подпись действительна") || !strings.Contains(verdict, "Контрольный пример стенда СМЭВ") {
		t.Fatalf("signature page:\n%s", verdict)
	}
}
