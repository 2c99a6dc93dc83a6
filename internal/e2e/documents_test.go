package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okno-oiv/okno/internal/browsertest"
)

// TestBrowserDocumentsOnTheCard: a clerk sees each file's SHA-256 and
// Streebog digests, the applicant's signature with its certificate (signer,
// serial, issuer, validity) and a verdict that does not call a self-signed
// certificate trusted, downloads the .sig, and reads the PDF in the card.
func TestBrowserDocumentsOnTheCard(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	ctx := browsertest.Start(t)
	axe := browsertest.Axe(t)
	app := w.fileApplication("building-permit")
	var caseID, sha, streebog, docID string
	eventually(t, 60*time.Second, "the application to be registered", func() bool {
		return w.query(`SELECT c.id::text, upper(encode(d.sha256, 'hex')), upper(encode(d.streebog256, 'hex')), d.id::text
			FROM cases c JOIN case_documents d ON d.agency_id = c.agency_id AND d.case_id = c.id
			WHERE c.bus_message_id = $1 AND d.file_name = 'scan-1.pdf'`, app.MessageID).Scan(&caseID, &sha, &streebog, &docID) == nil
	})
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(stepCtx, steps...); err != nil {
			_ = chromedp.Do(ctx, browsertest.Screenshot("e2e-documents-failed"))
			t.Fatalf("%s: %v", what, err)
		}
	}
	step("log in as a clerk and open the card",
		browsertest.BypassCSP(),
		chromedp.Navigate(w.oknoURL+"/login"),
		chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, "minstroy.clerk"),
		chromedp.SendKeys(`#f-password`, "okno-demo-2026"),
		chromedp.Submit(`#f-password`),
		chromedp.WaitVisible(`nav`),
		chromedp.Navigate(w.oknoURL+"/cases/"+caseID),
		chromedp.WaitVisible(`#document-details`),
		browsertest.Screenshot("e2e-documents-card"),
	)
	found, err := browsertest.SeriousViolations(ctx, axe)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range found {
		t.Errorf("axe on the card: %s", v)
	}
	panel := browsertest.Text(t, ctx, `#doc-`+docID)
	for _, want := range []string{"SHA-256", sha, "Стрибог-256", streebog,
		"Подпись верна, сертификат не проверен", "Подписал", "Серийный номер сертификата", "Издатель", "Действует",
		"Скачать подпись заявителя (scan-1.pdf.sig)"} {
		if !strings.Contains(panel, want) {
			t.Errorf("the document's panel lacks %q:\n%s", want, panel)
		}
	}
	if v := browsertest.Text(t, ctx, `#doc-`+docID+` .validity`); !strings.HasPrefix(v, "с ") || !strings.Contains(v, " по ") {
		t.Errorf("certificate validity %q", v)
	}
	if serial := browsertest.Text(t, ctx, `#doc-`+docID+` .serial`); len(serial) < 8 {
		t.Errorf("certificate serial %q", serial)
	}
	if page := browsertest.Text(t, ctx, `#documents`); strings.Contains(page, "действительна") || !strings.Contains(page, "верна, сертификат не проверен") {
		t.Errorf("the documents table calls a self-signed certificate valid:\n%s", page)
	}
	// The .sig comes down as it was sent, and the PDF's preview is framed by the card.
	sig := evaluate(t, ctx, `fetch(document.querySelector("#doc-`+docID+` a.signature-download").href).then(async (r) =>
		r.status + " " + r.headers.get("content-type") + " " + r.headers.get("content-disposition") + " " + (await r.arrayBuffer()).byteLength)`)
	if !strings.HasPrefix(sig, "200 application/pkcs7-signature attachment; filename=scan-1.pdf.sig ") || strings.HasSuffix(sig, " 0") {
		t.Errorf("the signature download: %s", sig)
	}
	preview := evaluate(t, ctx, `(() => { const f = document.querySelector("#doc-`+docID+` iframe.preview");
		return f ? fetch(f.src).then((r) => r.status + " " + r.headers.get("content-type") + " | " + r.headers.get("content-security-policy") + " | " + r.headers.get("x-frame-options")) : "no preview" })()`)
	if !strings.HasPrefix(preview, "200 application/pdf") || !strings.Contains(preview, "sandbox") || !strings.Contains(preview, "frame-ancestors 'self'") || !strings.HasSuffix(preview, "SAMEORIGIN") {
		t.Errorf("the PDF preview: %s", preview)
	}
}

// evaluate runs a script in the page and waits for its promise.
func evaluate(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}
