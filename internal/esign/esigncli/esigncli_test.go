package esigncli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/testenv"
)

// result is what one Run returned.
type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := run(t, "", args...)
	if r.code != 0 {
		t.Fatalf("esign %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

// pki is a CA and a user made with the command line in a temporary directory.
type pki struct {
	dir string
}

func (p pki) path(name string) string { return filepath.Join(p.dir, name) }

func newPKI(t *testing.T, paramSet string) pki {
	t.Helper()
	p := pki{dir: t.TempDir()}
	mustRun(t, "keygen", "-out", p.path("ca.key"), "-paramset", paramSet)
	mustRun(t, "ca", "-key", p.path("ca.key"), "-subject", "CN=УЦ ведомства,O=Министерство,C=RU", "-out", p.path("ca.crt"), "-days", "30")
	mustRun(t, "keygen", "-out", p.path("user.key"), "-paramset", paramSet)
	r := mustRun(t, "issue", "-ca-key", p.path("ca.key"), "-ca-cert", p.path("ca.crt"), "-key", p.path("user.key"),
		"-subject", "SN=Петров,GN=Пётр Петрович,CN=Петров Пётр Петрович", "-snils", "11223344595", "-inn", "500100732259",
		"-ogrn", "1027700132195", "-title", "Заместитель министра", "-org", "Министерство", "-out", p.path("user.crt"))
	for _, want := range []string{"ФИО: Петров Пётр Петрович", "СНИЛС: 11223344595", "ИНН: 500100732259", "ОГРН: 1027700132195", "Должность: Заместитель министра", "Организация: Министерство"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("issue output lacks %q:\n%s", want, r.stdout)
		}
	}
	return p
}

func TestSignAndVerifyThroughTheCommandLine(t *testing.T) {
	for _, ps := range []string{"A", "TCB", "512B"} {
		t.Run(ps, func(t *testing.T) {
			p := newPKI(t, ps)
			doc := p.path("решение.pdf")
			if err := os.WriteFile(doc, bytes.Repeat([]byte("%PDF-1.7 решение\n"), 5000), 0o644); err != nil {
				t.Fatal(err)
			}
			mustRun(t, "sign", "-file", doc, "-key", p.path("user.key"), "-cert", p.path("user.crt"), "-out", doc+".sig")

			r := mustRun(t, "verify", "-file", doc, "-sig", doc+".sig", "-roots", p.path("ca.crt"))
			for _, want := range []string{"Подпись действительна", `Цепочка до доверенного УЦ "УЦ ведомства" проверена`, "ФИО: Петров Пётр Петрович", "СНИЛС: 11223344595"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("verify output lacks %q:\n%s", want, r.stdout)
				}
			}
			r = mustRun(t, "verify", "-file", doc, "-sig", doc+".sig")
			if !strings.Contains(r.stdout, "Цепочка сертификата не проверялась") {
				t.Errorf("verify without roots must say the chain was not checked:\n%s", r.stdout)
			}

			// Another CA's roots: the signature is fine, the signer is not trusted.
			other := newPKI(t, ps)
			r = run(t, "", "verify", "-file", doc, "-sig", doc+".sig", "-roots", other.path("ca.crt"))
			if r.code != 1 || !strings.Contains(r.stderr, "certificate is not trusted") {
				t.Errorf("untrusted: exit %d\n%s", r.code, r.stderr)
			}

			data, _ := os.ReadFile(doc)
			data[100] ^= 1
			os.WriteFile(doc, data, 0o644)
			r = run(t, "", "verify", "-file", doc, "-sig", doc+".sig", "-roots", p.path("ca.crt"))
			if r.code != 1 || !strings.Contains(r.stderr, "Подпись НЕДЕЙСТВИТЕЛЬНА") || !strings.Contains(r.stderr, "document digest does not match") || r.stdout != "" {
				t.Errorf("changed document: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestCommandLineInteropWithOpenSSL: openssl verifies what `esign sign`
// makes; `esign verify` accepts what openssl signs; a changed byte fails both.
func TestCommandLineInteropWithOpenSSL(t *testing.T) {
	requireOpenSSL(t)
	p := newPKI(t, "A")
	doc := p.path("doc.xml")
	os.WriteFile(doc, []byte("<заявление>тест</заявление>"), 0o644)
	changed := p.path("changed.xml")
	os.WriteFile(changed, []byte("<заявление>тест</заявлениe>"), 0o644)
	mustRun(t, "sign", "-file", doc, "-key", p.path("user.key"), "-cert", p.path("user.crt"), "-out", p.path("okno.sig"))

	openssl := func(args ...string) (string, error) {
		out, err := exec.Command("openssl", args...).CombinedOutput()
		return string(out), err
	}
	if out, err := openssl("cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER", "-in", p.path("okno.sig"),
		"-content", doc, "-CAfile", p.path("ca.crt"), "-out", os.DevNull); err != nil {
		t.Fatalf("openssl rejects esign's signature: %v\n%s", err, out)
	}
	if out, err := openssl("cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER", "-in", p.path("okno.sig"),
		"-content", changed, "-CAfile", p.path("ca.crt"), "-out", os.DevNull); err == nil {
		t.Fatalf("openssl accepts esign's signature over a changed file:\n%s", out)
	}
	if out, err := openssl("cms", "-sign", "-engine", "gost", "-binary", "-outform", "DER", "-in", doc,
		"-signer", p.path("user.crt"), "-inkey", p.path("user.key"), "-out", p.path("openssl.sig")); err != nil {
		t.Fatalf("openssl sign: %v\n%s", err, out)
	}
	r := mustRun(t, "verify", "-file", doc, "-sig", p.path("openssl.sig"), "-roots", p.path("ca.crt"))
	if !strings.Contains(r.stdout, "ФИО: Петров Пётр Петрович") {
		t.Errorf("signer not reported:\n%s", r.stdout)
	}
	if r := run(t, "", "verify", "-file", changed, "-sig", p.path("openssl.sig"), "-roots", p.path("ca.crt")); r.code != 1 {
		t.Errorf("changed file accepted: exit %d", r.code)
	}
	// OpenSSL reads the key esign wrote and the certificate esign issued.
	if out, err := openssl("verify", "-engine", "gost", "-CAfile", p.path("ca.crt"), p.path("user.crt")); err != nil {
		t.Fatalf("openssl verify certificate: %v\n%s", err, out)
	}
}

func TestCommandLineRejectsBadInput(t *testing.T) {
	p := newPKI(t, "A")
	os.WriteFile(p.path("doc"), []byte("документ"), 0o644)
	os.WriteFile(p.path("garbage.pem"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o644)
	mustRun(t, "sign", "-file", p.path("doc"), "-key", p.path("user.key"), "-cert", p.path("user.crt"), "-out", p.path("doc.sig"))
	sig, _ := os.ReadFile(p.path("doc.sig"))
	os.WriteFile(p.path("truncated.sig"), sig[:len(sig)/2], 0o644)

	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, 2, "Команды:"},
		{"unknown command", []string{"frobnicate"}, 2, `неизвестная команда "frobnicate"`},
		{"missing flag", []string{"sign", "-file", p.path("doc")}, 2, "не задан параметр -key"},
		{"unknown flag", []string{"keygen", "-bits", "1"}, 2, "flag provided but not defined: -bits"},
		{"stray argument", []string{"keygen", "-out", p.path("x"), "extra"}, 2, "лишние аргументы"},
		{"unknown param set", []string{"keygen", "-out", p.path("k"), "-paramset", "Q"}, 1, `unknown GOST R 34.10-2012 parameter set "Q"`},
		{"key exists", []string{"keygen", "-out", p.path("user.key")}, 1, "file exists"},
		{"garbage key", []string{"sign", "-file", p.path("doc"), "-key", p.path("garbage.pem"), "-cert", p.path("user.crt"), "-out", p.path("o.sig")}, 1, "not a PKCS#8"},
		{"key of another", []string{"sign", "-file", p.path("doc"), "-key", p.path("ca.key"), "-cert", p.path("user.crt"), "-out", p.path("o.sig")}, 1, "private key does not match"},
		{"bad SNILS", []string{"issue", "-ca-key", p.path("ca.key"), "-ca-cert", p.path("ca.crt"), "-key", p.path("user.key"), "-subject", "CN=X", "-snils", "11223344594", "-out", p.path("x.crt")}, 1, "СНИЛС check digits 94, want 95"},
		{"issuer not a CA", []string{"issue", "-ca-key", p.path("user.key"), "-ca-cert", p.path("user.crt"), "-key", p.path("ca.key"), "-subject", "CN=X", "-out", p.path("x.crt")}, 1, "not a certification authority"},
		{"truncated signature", []string{"verify", "-file", p.path("doc"), "-sig", p.path("truncated.sig")}, 1, "not a CMS ContentInfo"},
		{"key as roots", []string{"verify", "-file", p.path("doc"), "-sig", p.path("doc.sig"), "-roots", p.path("ca.key")}, 1, `PEM block "PRIVATE KEY" among certificates`},
		{"missing file", []string{"verify", "-file", p.path("nope"), "-sig", p.path("doc.sig")}, 1, "no such file"},
		{"bad days", []string{"ca", "-key", p.path("ca.key"), "-subject", "CN=X", "-out", p.path("y.crt"), "-days", "0"}, 1, "-days 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.msg) {
				t.Fatalf("exit %d, want %d; stderr lacks %q:\n%s", r.code, tt.code, tt.msg, r.stderr)
			}
		})
	}
	if _, err := os.Stat(p.path("x.crt")); !os.IsNotExist(err) {
		t.Error("a refused issue left a certificate behind")
	}
}

func TestHelpDocumentsEveryCommand(t *testing.T) {
	r := run(t, "", "-h")
	if r.code != 0 {
		t.Fatalf("-h: exit %d", r.code)
	}
	for _, c := range commands() {
		if !strings.Contains(r.stderr, c.name) {
			t.Errorf("overview lacks %s", c.name)
		}
		h := run(t, "", c.name, "-h")
		if h.code != 0 || !strings.Contains(h.stderr, "Использование: okno esign "+c.name) {
			t.Errorf("%s -h: exit %d\n%s", c.name, h.code, h.stderr)
		}
	}
	if h := run(t, "", "issue", "-h"); !strings.Contains(h.stderr, "-snils") || !strings.Contains(h.stderr, "СНИЛС, 11 цифр") {
		t.Errorf("issue -h does not document -snils:\n%s", h.stderr)
	}
}

func TestShowAndSMEVTransform(t *testing.T) {
	p := newPKI(t, "512A")
	r := mustRun(t, "show", "-cert", p.path("user.crt"))
	certPEM, _ := os.ReadFile(p.path("user.crt"))
	cert, err := esign.ParseCertificatePEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Отпечаток (SHA-1): " + cert.Thumbprint(), "ФИО: Петров Пётр Петрович", "Издатель: CN=УЦ ведомства,O=Министерство,C=RU", "Ключ: ГОСТ Р 34.10-2012, 512 бит"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	// Rules 1, 3, 6 of the SMEV transform: declaration dropped, empty element
	// written open-and-close, prefixes renamed ns1.
	in := `<?xml version="1.0"?><a:Request xmlns:a="urn:x"><a:Empty/></a:Request>`
	r = run(t, in, "smev-transform")
	if r.code != 0 || r.stdout != `<ns1:Request xmlns:ns1="urn:x"><ns1:Empty></ns1:Empty></ns1:Request>` {
		t.Fatalf("smev-transform: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, `<!DOCTYPE a [<!ENTITY x "y">]><a xmlns="urn:x">&x;</a>`, "smev-transform")
	if r.code != 1 || r.stdout != "" {
		t.Fatalf("DOCTYPE accepted: exit %d\n%s", r.code, r.stdout)
	}
}

// requireOpenSSL skips only outside CI when openssl with the gost engine is missing.
func requireOpenSSL(t *testing.T) {
	t.Helper()
	testenv.NeedOpenSSLGost(t)
}

func TestKeygenHelpListsParamSets(t *testing.T) {
	h := run(t, "", "keygen", "-h")
	for _, want := range []string{"A     256 бит, id-GostR3410-2001-CryptoPro-A-ParamSet", "TCA   256 бит, id-tc26-gost-3410-2012-256-paramSetA", "512C  512 бит"} {
		if !strings.Contains(h.stderr, want) {
			t.Errorf("keygen -h lacks %q:\n%s", want, h.stderr)
		}
	}
}

func TestIssueForAPublicKeyOnly(t *testing.T) {
	p := newPKI(t, "TCC")
	key, err := os.ReadFile(p.path("user.key"))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := esign.ParsePrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, _ := priv.Public().MarshalPEM()
	os.WriteFile(p.path("user.pub"), pubPEM, 0o644)
	mustRun(t, "issue", "-ca-key", p.path("ca.key"), "-ca-cert", p.path("ca.crt"), "-key", p.path("user.pub"),
		"-subject", "CN=Только открытый ключ", "-out", p.path("pub.crt"))
	certPEM, _ := os.ReadFile(p.path("pub.crt"))
	cert, err := esign.ParseCertificatePEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.PublicKey.Equal(priv.Public()) || cert.Subject.FullName() != "Только открытый ключ" {
		t.Fatalf("issued for %q with another key", cert.Subject.FullName())
	}
}

func TestCancelledSigningStops(t *testing.T) {
	p := newPKI(t, "A")
	os.WriteFile(p.path("doc"), []byte("документ"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	code := Run(ctx, []string{"sign", "-file", p.path("doc"), "-key", p.path("user.key"), "-cert", p.path("user.crt"), "-out", p.path("doc.sig")},
		strings.NewReader(""), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "context canceled") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if _, err := os.Stat(p.path("doc.sig")); !os.IsNotExist(err) {
		t.Fatal("a cancelled signing wrote a signature")
	}
}

// An administrator revokes a certificate: the CRL keeps earlier entries,
// its number grows, and verify with -crl turns the verdict to revoked.
func TestRevokeThroughTheCommandLine(t *testing.T) {
	p := newPKI(t, "A")
	doc := p.path("решение.pdf")
	os.WriteFile(doc, []byte("%PDF-1.7 решение"), 0o644)
	mustRun(t, "sign", "-file", doc, "-key", p.path("user.key"), "-cert", p.path("user.crt"), "-out", doc+".sig")
	crl := p.path("ca.crl")
	mustRun(t, "crl", "-ca-key", p.path("ca.key"), "-ca-cert", p.path("ca.crt"), "-out", crl)

	r := mustRun(t, "verify", "-file", doc, "-sig", doc+".sig", "-roots", p.path("ca.crt"), "-crl", crl)
	if !strings.Contains(r.stdout, "Подпись верна, сертификат доверенный") || !strings.Contains(r.stdout, "ФИО: Петров Пётр Петрович") {
		t.Fatalf("before revocation:\n%s", r.stdout)
	}
	first := readCRLFile(t, crl)

	mustRun(t, "keygen", "-out", p.path("other.key"))
	mustRun(t, "issue", "-ca-key", p.path("ca.key"), "-ca-cert", p.path("ca.crt"), "-key", p.path("other.key"), "-subject", "CN=Другой", "-out", p.path("other.crt"))
	other := readCertFile(t, p.path("other.crt"))
	mustRun(t, "crl", "-ca-key", p.path("ca.key"), "-ca-cert", p.path("ca.crt"), "-in", crl, "-out", crl, "-revoke", fmt.Sprintf("%X", other.SerialNumber))
	r = mustRun(t, "crl", "-ca-key", p.path("ca.key"), "-ca-cert", p.path("ca.crt"), "-in", crl, "-out", crl, "-revoke", p.path("user.crt"), "-reason", "keyCompromise")
	if !strings.Contains(r.stdout, "отозвано сертификатов — 2") {
		t.Errorf("crl output:\n%s", r.stdout)
	}
	last := readCRLFile(t, crl)
	user := readCertFile(t, p.path("user.crt"))
	if e, ok := last.Lookup(user.SerialNumber); !ok || e.Reason != 1 {
		t.Fatalf("user: %+v %v", e, ok)
	}
	if _, ok := last.Lookup(other.SerialNumber); !ok {
		t.Fatal("the earlier revocation was lost")
	}
	if last.Number.Cmp(first.Number) <= 0 {
		t.Fatalf("CRL number %v after %v", last.Number, first.Number)
	}

	r = run(t, "", "verify", "-file", doc, "-sig", doc+".sig", "-roots", p.path("ca.crt"), "-crl", crl)
	if r.code != 1 || !strings.Contains(r.stderr, "Подпись верна, сертификат не проверен или недоверенный: сертификат отозван") {
		t.Fatalf("after revocation: exit %d\n%s", r.code, r.stderr)
	}

	// A CRL of another CA may not be extended with ours.
	q := newPKI(t, "A")
	r = run(t, "", "crl", "-ca-key", q.path("ca.key"), "-ca-cert", q.path("ca.crt"), "-in", crl, "-out", q.path("ca.crl"))
	if r.code != 1 || !strings.Contains(r.stderr, "names another key of its issuer") {
		t.Fatalf("foreign -in: exit %d\n%s", r.code, r.stderr)
	}
	for _, bad := range [][]string{{"-revoke", "xyz"}, {"-reason", "boredom"}, {"-days", "0"}} {
		args := append([]string{"crl", "-ca-key", p.path("ca.key"), "-ca-cert", p.path("ca.crt"), "-out", p.path("bad.crl")}, bad...)
		if r := run(t, "", args...); r.code != 1 {
			t.Errorf("%v: exit %d\n%s", bad, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(p.path("bad.crl")); !os.IsNotExist(err) {
		t.Error("a refused crl left a file behind")
	}
}

func readCRLFile(t *testing.T, name string) *esign.CRL {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := esign.ParseCRL(data)
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

func readCertFile(t *testing.T, name string) *esign.Certificate {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := esign.ParseCertificatePEM(data)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
