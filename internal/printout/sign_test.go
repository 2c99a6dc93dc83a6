package printout_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/printout"
)

// The path of a result: render it with the head's stamp, sign those very
// bytes with a detached CMS, and OpenSSL's gost engine — which nobody here
// wrote — verifies the .sig over the PDF; one changed byte fails. Okno's
// trust store agrees on both.
func TestSignedResultVerifiesWithOpenSSL(t *testing.T) {
	if err := exec.Command("openssl", "engine", "gost").Run(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("openssl with the gost engine is not available: %v", err)
		}
		t.Fatalf("openssl with the gost engine is required in CI: %v", err)
	}
	r, err := printout.NewRenderer(printout.DefaultFontDir)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	now := time.Now()
	caKey, caCert := newCA(t, now)
	headKey, _ := esign.GenerateKey(rand.Reader, "TCA")
	headName, err := esign.ParseName("SN=Петрова,GN=Анна Сергеевна,CN=Петрова Анна Сергеевна,T=Министр,SNILS=11223344595")
	if err != nil {
		t.Fatal(err)
	}
	head, err := esign.CreateCertificate(rand.Reader, &esign.Template{Subject: headName, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)},
		headKey.Public(), caCert, caKey)
	if err != nil {
		t.Fatal(err)
	}

	doc := printout.Document{
		Agency:    printout.Agency{Name: "Министерство имущественных отношений Энской области"},
		Template:  printout.Template{Title: "Уведомление № {{номер}}", Body: "{{заявитель}}, ваше заявление удовлетворено."},
		Values:    map[string]string{"номер": "ОК-2026-000417", "заявитель": "Иванов Иван Иванович"},
		Kind:      printout.KindApproval,
		CreatedAt: now,
	}
	pdf, err := r.RenderStamped(doc, printout.StampOf(head, ""))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := esign.SignDetached(bytes.NewReader(pdf), headKey, head)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := esign.CreateCRL(rand.Reader, &esign.CRLTemplate{Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.AddDate(0, 0, 7)}, caCert, caKey)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("ca.pem", caCert.MarshalPEM())
	write("result.pdf", pdf)
	write("result.pdf.sig", sig)
	crlPath := write("ca.crl", crl.MarshalPEM())
	changed := bytes.Clone(pdf)
	changed[len(changed)/2] ^= 1
	write("changed.pdf", changed)

	verify := func(content string) (string, error) {
		cmd := exec.Command("openssl", "cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER",
			"-content", content, "-in", "result.pdf.sig", "-CAfile", "ca.pem", "-out", os.DevNull)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := verify("result.pdf"); err != nil || !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	} else {
		t.Logf("openssl cms -verify -engine gost -binary -inform DER -content result.pdf -in result.pdf.sig -CAfile ca.pem: %s", strings.TrimSpace(out))
	}
	if out, err := verify("changed.pdf"); err == nil {
		t.Fatalf("openssl accepts the signature over a changed PDF:\n%s", out)
	}

	store, err := esign.NewTrustStore(esign.TrustConfig{Roots: esign.NewPool(caCert), CRLs: []string{crlPath}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := store.VerifyDetached(context.Background(), bytes.NewReader(pdf), sig, esign.TrustOptions{Signer: head})
	if err != nil || v.Verdict != esign.VerdictTrusted {
		t.Fatalf("trust store: %+v, %v", v, err)
	}
	v, err = store.VerifyDetached(context.Background(), bytes.NewReader(changed), sig, esign.TrustOptions{Signer: head})
	if err != nil || v.Verdict != esign.VerdictInvalid || v.Reason != esign.ReasonDocumentChanged {
		t.Fatalf("trust store, changed PDF: %+v, %v", v, err)
	}
}

func newCA(t *testing.T, now time.Time) (*esign.PrivateKey, *esign.Certificate) {
	t.Helper()
	key, err := esign.GenerateKey(rand.Reader, "TCA")
	if err != nil {
		t.Fatal(err)
	}
	name, _ := esign.ParseName("CN=Тестовый УЦ ведомства,O=Министерство,C=RU")
	cert, err := esign.CreateCertificate(rand.Reader, &esign.Template{Subject: name, NotBefore: now.Add(-24 * time.Hour), NotAfter: now.AddDate(5, 0, 0), IsCA: true, MaxPathLen: -1},
		key.Public(), nil, key)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}
