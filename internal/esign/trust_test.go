package esign

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// crl issues a CRL of ca valid from an hour ago for a week, revoking certs.
func (ca *testCA) crl(t testing.TB, number int64, certs ...*Certificate) *CRL {
	t.Helper()
	now := time.Now()
	tpl := &CRLTemplate{Number: big.NewInt(number), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(7 * 24 * time.Hour)}
	for _, c := range certs {
		tpl.Revoked = append(tpl.Revoked, RevokedCertificate{SerialNumber: c.SerialNumber, RevocationTime: now.Add(-time.Minute), Reason: 1})
	}
	crl, err := CreateCRL(rand.Reader, tpl, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func sign(t testing.TB, doc []byte, key *PrivateKey, cert *Certificate) []byte {
	t.Helper()
	sig, err := SignDetached(bytes.NewReader(doc), key, cert)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func newStore(t testing.TB, cfg TrustConfig) *TrustStore {
	t.Helper()
	s, err := NewTrustStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTrustStoreVerdicts(t *testing.T) {
	now := time.Now()
	dir := t.TempDir()
	// The CA has been around for years, so certificates that expired last year exist.
	ca := newTestCA(t, certOptions{notBefore: now.AddDate(-3, 0, 0), notAfter: now.AddDate(7, 0, 0)})
	other := newTestCA(t, certOptions{subject: "CN=Чужой УЦ"})
	// Same name as ours, another key: what a forger would make.
	impostor := newTestCA(t, certOptions{subject: "CN=Тестовый УЦ,O=Окно", notBefore: now.AddDate(-3, 0, 0), notAfter: now.AddDate(7, 0, 0)})

	key, cert := ca.issue(t, certOptions{subject: "CN=Петрова Анна Сергеевна"})
	revokedKey, revokedCert := ca.issue(t, certOptions{subject: "CN=Уволенный"})
	expiredKey, expiredCert := ca.issue(t, certOptions{notBefore: now.AddDate(-2, 0, 0), notAfter: now.AddDate(-1, 0, 0)})
	futureKey, futureCert := ca.issue(t, certOptions{notBefore: now.Add(24 * time.Hour), notAfter: now.AddDate(1, 0, 0)})
	encKey, encCert := ca.issue(t, certOptions{subject: "CN=Только шифрование", keyUsage: KeyUsageKeyEncipherment})
	strangerKey, strangerCert := other.issue(t, certOptions{subject: "CN=Петрова Анна Сергеевна"})

	goodCRL := writeFile(t, dir, "ca.crl", ca.crl(t, 1, revokedCert).MarshalPEM())
	impostorCRL := writeFile(t, dir, "impostor.crl", impostor.crl(t, 2).MarshalPEM())
	// A forger who copies our CA's name and key identifier into a CRL still
	// cannot sign it with our key.
	lookalike := *ca.cert
	lookalike.PublicKey = impostor.key.Public()
	forged := &testCA{key: impostor.key, cert: &lookalike}
	forgedCRL := writeFile(t, dir, "forged.crl", forged.crl(t, 2).MarshalPEM())
	tamperedDER := slices.Clone(ca.crl(t, 3, revokedCert).Raw)
	tamperedDER[len(tamperedDER)-1] ^= 1 // the last byte of the signature
	tamperedCRL := writeFile(t, dir, "tampered.crl", tamperedDER)
	staleTpl := &CRLTemplate{Number: big.NewInt(4), ThisUpdate: now.Add(-48 * time.Hour), NextUpdate: now.Add(-24 * time.Hour)}
	stale, err := CreateCRL(rand.Reader, staleTpl, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	staleCRL := writeFile(t, dir, "stale.crl", stale.Raw)

	doc := []byte("%PDF-1.7 Решение о предоставлении услуги")
	changed := slices.Clone(doc)
	changed[len(changed)-1] ^= 1
	good := sign(t, doc, key, cert)

	roots := NewPool(ca.cert)
	tests := []struct {
		name    string
		crls    []string
		doc     []byte
		sig     []byte
		opts    TrustOptions
		verdict Verdict
		reason  Reason
		detail  string
	}{
		{"trusted", []string{goodCRL}, doc, good, TrustOptions{}, VerdictTrusted, "", ""},
		{"trusted, expected signer", []string{goodCRL}, doc, good, TrustOptions{Signer: cert}, VerdictTrusted, "", ""},
		{"untrusted root", []string{goodCRL}, doc, sign(t, doc, strangerKey, strangerCert), TrustOptions{}, VerdictUntrusted, ReasonUntrustedRoot, "no issuer"},
		{"expired", []string{goodCRL}, doc, sign(t, doc, expiredKey, expiredCert), TrustOptions{}, VerdictUntrusted, ReasonExpired, "expired at"},
		{"valid at the time asked", []string{goodCRL}, doc, sign(t, doc, expiredKey, expiredCert), TrustOptions{At: expiredCert.NotBefore.Add(time.Hour)}, VerdictTrusted, "", ""},
		{"not yet valid", []string{goodCRL}, doc, sign(t, doc, futureKey, futureCert), TrustOptions{}, VerdictUntrusted, ReasonNotYetValid, "is valid from"},
		{"revoked by CRL", []string{goodCRL}, doc, sign(t, doc, revokedKey, revokedCert), TrustOptions{}, VerdictUntrusted, ReasonRevoked, "revoked at"},
		{"no signing key usage", []string{goodCRL}, doc, sign(t, doc, encKey, encCert), TrustOptions{}, VerdictUntrusted, ReasonKeyUsage, "may not sign documents"},
		{"tampered content", []string{goodCRL}, changed, good, TrustOptions{}, VerdictInvalid, ReasonDocumentChanged, "digest does not match"},
		{"signed by someone else", []string{goodCRL}, doc, good, TrustOptions{Signer: revokedCert}, VerdictInvalid, ReasonWrongSigner, `not by "Уволенный"`},
		{"not a signature", []string{goodCRL}, doc, []byte("not a signature"), TrustOptions{}, VerdictInvalid, ReasonBadSignature, "neither DER, PEM nor base64"},
		{"no CRL configured", nil, doc, good, TrustOptions{}, VerdictUntrusted, ReasonCRLUnavailable, `no CRL of "Тестовый УЦ" is configured`},
		{"CRL file missing", []string{filepath.Join(dir, "absent.crl")}, doc, good, TrustOptions{}, VerdictUntrusted, ReasonCRLUnavailable, "no such file"},
		{"CRL of an impostor CA", []string{impostorCRL}, doc, good, TrustOptions{}, VerdictUntrusted, ReasonCRLUnavailable, "names another key of its issuer"},
		{"CRL signature forged", []string{forgedCRL}, doc, good, TrustOptions{}, VerdictUntrusted, ReasonCRLUnavailable, "signature does not verify"},
		{"CRL signature tampered", []string{tamperedCRL}, doc, good, TrustOptions{}, VerdictUntrusted, ReasonCRLUnavailable, "signature does not verify"},
		{"forged CRL beside the real one", []string{forgedCRL, goodCRL}, doc, sign(t, doc, revokedKey, revokedCert), TrustOptions{}, VerdictUntrusted, ReasonRevoked, "revoked at"},
		{"CRL out of date", []string{staleCRL}, doc, good, TrustOptions{}, VerdictUntrusted, ReasonCRLUnavailable, "out of date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, TrustConfig{Roots: roots, CRLs: tt.crls})
			v, err := s.VerifyDetached(context.Background(), bytes.NewReader(tt.doc), tt.sig, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if v.Verdict != tt.verdict || v.Reason != tt.reason || !strings.Contains(v.Detail, tt.detail) {
				t.Fatalf("got %s / %s / %q, want %s / %s / %q", v.Verdict, v.Reason, v.Detail, tt.verdict, tt.reason, tt.detail)
			}
			if (v.Signer == nil) != (tt.verdict == VerdictInvalid) {
				t.Errorf("signer %v with verdict %s", v.Signer, v.Verdict)
			}
			if tt.verdict == VerdictTrusted && (len(v.Signer.Chain) != 2 || !v.Signer.Chain[1].Equal(ca.cert)) {
				t.Errorf("chain %v", v.Signer.Chain)
			}
			if (v.Revocation != nil) != (tt.reason == ReasonRevoked) {
				t.Errorf("revocation %v with reason %s", v.Revocation, v.Reason)
			}
		})
	}
}

func TestCheckCertificate(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, certOptions{})
	_, good := ca.issue(t, certOptions{})
	_, revoked := ca.issue(t, certOptions{})
	s := newStore(t, TrustConfig{Roots: NewPool(ca.cert), CRLs: []string{writeFile(t, dir, "ca.crl", ca.crl(t, 1, revoked).Raw)}})
	chain, err := s.CheckCertificate(context.Background(), good, time.Time{})
	if err != nil || len(chain) != 2 {
		t.Fatalf("good: %d, %v", len(chain), err)
	}
	_, err = s.CheckCertificate(context.Background(), revoked, time.Time{})
	var te *TrustError
	if !errors.As(err, &te) || te.Reason != ReasonRevoked || !errors.Is(err, ErrUntrusted) {
		t.Fatalf("revoked: %v", err)
	}
	_, err = s.CheckCertificate(context.Background(), good, good.NotAfter.Add(time.Second))
	if !errors.As(err, &te) || te.Reason != ReasonExpired || !errors.Is(err, ErrCertificateExpired) {
		t.Fatalf("expired: %v", err)
	}
}

func TestVerificationMessages(t *testing.T) {
	tests := []struct {
		v    Verification
		want string
	}{
		{Verification{Verdict: VerdictTrusted}, "Подпись верна, сертификат доверенный"},
		{Verification{Verdict: VerdictUntrusted, Reason: ReasonRevoked}, "Подпись верна, сертификат не проверен или недоверенный: сертификат отозван"},
		{Verification{Verdict: VerdictInvalid, Reason: ReasonDocumentChanged}, "Подпись неверна: документ изменён после подписания"},
	}
	for _, tt := range tests {
		if got := tt.v.Message(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// A revoked intermediate CA takes its whole branch with it: the root's CRL
// is consulted for the intermediate, the intermediate's for the leaf.
func TestTrustStoreChecksEveryLinkForRevocation(t *testing.T) {
	dir := t.TempDir()
	root := newTestCA(t, certOptions{})
	zero := 0
	interKey, interCert := root.issue(t, certOptions{subject: "CN=Подчинённый УЦ", isCA: true, maxPathLen: &zero})
	inter := &testCA{key: interKey, cert: interCert}
	key, cert := inter.issue(t, certOptions{})
	doc := []byte("решение")
	sig := sign(t, doc, key, cert)
	interCRL := writeFile(t, dir, "inter.crl", inter.crl(t, 1).Raw)
	rootCRL := writeFile(t, dir, "root.crl", root.crl(t, 1).Raw)

	s := newStore(t, TrustConfig{Roots: NewPool(root.cert), Intermediates: NewPool(interCert), CRLs: []string{rootCRL, interCRL}})
	if v, err := s.VerifyDetached(context.Background(), bytes.NewReader(doc), sig, TrustOptions{}); err != nil || v.Verdict != VerdictTrusted || len(v.Signer.Chain) != 3 {
		t.Fatalf("before revocation: %+v, %v", v, err)
	}
	// Without the root's CRL the intermediate's revocation cannot be checked.
	s = newStore(t, TrustConfig{Roots: NewPool(root.cert), Intermediates: NewPool(interCert), CRLs: []string{interCRL}})
	if v, _ := s.VerifyDetached(context.Background(), bytes.NewReader(doc), sig, TrustOptions{}); v.Reason != ReasonCRLUnavailable || !strings.Contains(v.Detail, `"Тестовый УЦ"`) {
		t.Fatalf("without the root's CRL: %+v", v)
	}

	writeFile(t, dir, "root.crl", root.crl(t, 2, interCert).Raw)
	s = newStore(t, TrustConfig{Roots: NewPool(root.cert), Intermediates: NewPool(interCert), CRLs: []string{rootCRL, interCRL}})
	v, err := s.VerifyDetached(context.Background(), bytes.NewReader(doc), sig, TrustOptions{})
	if err != nil || v.Reason != ReasonRevoked || !strings.Contains(v.Detail, `"Подчинённый УЦ"`) || v.Revocation.SerialNumber.Cmp(interCert.SerialNumber) != 0 {
		t.Fatalf("after revoking the intermediate: %+v, %v", v, err)
	}
}

// The CRL file is read again when it changes: revoking takes effect on the
// next verification, without a restart.
func TestTrustStoreRereadsTheCRLFile(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, certOptions{})
	key, cert := ca.issue(t, certOptions{})
	doc := []byte("решение")
	sig := sign(t, doc, key, cert)
	path := writeFile(t, dir, "ca.crl", ca.crl(t, 1).MarshalPEM())
	s := newStore(t, TrustConfig{Roots: NewPool(ca.cert), CRLs: []string{path}})
	verify := func() *Verification {
		t.Helper()
		v, err := s.VerifyDetached(context.Background(), bytes.NewReader(doc), sig, TrustOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := verify(); v.Verdict != VerdictTrusted {
		t.Fatalf("before: %+v", v)
	}
	writeFile(t, dir, "ca.crl", ca.crl(t, 2, cert).MarshalPEM())
	if v := verify(); v.Reason != ReasonRevoked {
		t.Fatalf("after revocation: %+v", v)
	}
	writeFile(t, dir, "ca.crl", []byte("garbage"))
	if v := verify(); v.Reason != ReasonCRLUnavailable {
		t.Fatalf("garbage CRL: %+v", v)
	}
}

// A CRL on a URL is downloaded once and kept until its nextUpdate; a server
// that fails or hangs makes the certificate unchecked, not trusted.
func TestTrustStoreDownloadsCRL(t *testing.T) {
	ca := newTestCA(t, certOptions{})
	key, cert := ca.issue(t, certOptions{})
	doc := []byte("решение")
	sig := sign(t, doc, key, cert)
	var served atomic.Pointer[CRL] // what the server hands out
	served.Store(ca.crl(t, 1))
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/ca.crl":
			w.Write(served.Load().Raw)
		case "/hang.crl":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	verify := func(s *TrustStore) *Verification {
		t.Helper()
		v, err := s.VerifyDetached(context.Background(), bytes.NewReader(doc), sig, TrustOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	s := newStore(t, TrustConfig{Roots: NewPool(ca.cert), CRLs: []string{srv.URL + "/ca.crl"}})
	for range 3 {
		if v := verify(s); v.Verdict != VerdictTrusted {
			t.Fatalf("%+v", v)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("CRL downloaded %d times, want once until its nextUpdate", n)
	}

	// An out-of-date list is not relied on, nor downloaded again at once.
	staleCRL, err := CreateCRL(rand.Reader, &CRLTemplate{Number: big.NewInt(2), ThisUpdate: time.Now().Add(-48 * time.Hour), NextUpdate: time.Now().Add(-time.Hour)}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	served.Store(staleCRL)
	hits.Store(0)
	s = newStore(t, TrustConfig{Roots: NewPool(ca.cert), CRLs: []string{srv.URL + "/ca.crl"}})
	for range 3 {
		if v := verify(s); v.Reason != ReasonCRLUnavailable || !strings.Contains(v.Detail, "out of date") {
			t.Fatalf("stale CRL: %+v", v)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("stale CRL downloaded %d times, want once per retry interval", n)
	}

	s = newStore(t, TrustConfig{Roots: NewPool(ca.cert), CRLs: []string{srv.URL + "/absent.crl"}})
	if v := verify(s); v.Reason != ReasonCRLUnavailable || !strings.Contains(v.Detail, "HTTP 404") {
		t.Fatalf("404: %+v", v)
	}
	s = newStore(t, TrustConfig{Roots: NewPool(ca.cert), CRLs: []string{srv.URL + "/hang.crl"}, CRLTimeout: 200 * time.Millisecond})
	if v := verify(s); v.Reason != ReasonCRLUnavailable || !strings.Contains(v.Detail, "Timeout") {
		t.Fatalf("hanging server: %+v", v)
	}
}

func TestNewTrustStoreRefuses(t *testing.T) {
	ca := newTestCA(t, certOptions{})
	dir := t.TempDir()
	if _, err := ReadPoolFile(filepath.Join(dir, "absent.pem")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("absent roots file: %v", err)
	}
	if _, err := ReadPoolFile(writeFile(t, dir, "key.pem", readFixture(t, "ca.key"))); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "key.pem") {
		t.Errorf("a key as roots: %v", err)
	}
	if p, err := ReadPoolFile(writeFile(t, dir, "roots.pem", append(ca.cert.MarshalPEM(), readFixture(t, "ca.pem")...))); err != nil || len(p.certs) != 2 {
		t.Errorf("two roots: %v", err)
	}
	for name, cfg := range map[string]TrustConfig{
		"no roots":     {},
		"ldap CRL":     {Roots: NewPool(ca.cert), CRLs: []string{"ldap://ca.example/cn=crl"}},
		"empty CRL":    {Roots: NewPool(ca.cert), CRLs: []string{""}},
		"empty roots ": {Roots: NewPool()},
	} {
		if _, err := NewTrustStore(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCRLRoundTrip(t *testing.T) {
	ca := newTestCA(t, certOptions{paramSet: "512A"})
	_, a := ca.issue(t, certOptions{})
	_, b := ca.issue(t, certOptions{})
	crl := ca.crl(t, 7, a)
	for _, data := range [][]byte{crl.Raw, crl.MarshalPEM()} {
		got, err := ParseCRL(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := got.CheckSignatureFrom(ca.cert); err != nil {
			t.Fatal(err)
		}
		if got.Number.Int64() != 7 || !bytes.Equal(got.AuthorityKeyID, ca.cert.SubjectKeyID) || got.Issuer.FullName() != "Тестовый УЦ" {
			t.Fatalf("number %v, AKI %x, issuer %q", got.Number, got.AuthorityKeyID, got.Issuer.FullName())
		}
		if e, ok := got.Lookup(a.SerialNumber); !ok || e.Reason != 1 {
			t.Fatalf("a: %+v %v", e, ok)
		}
		if _, ok := got.Lookup(b.SerialNumber); ok {
			t.Fatal("b is not revoked")
		}
	}
	// Another CA of the same name may not speak for ours.
	if err := crl.CheckSignatureFrom(newTestCA(t, certOptions{paramSet: "512A"}).cert); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("other key: %v", err)
	}
	// A leaf may not issue CRLs.
	leafKey, leaf := ca.issue(t, certOptions{})
	if _, err := CreateCRL(rand.Reader, &CRLTemplate{Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour)}, leaf, leafKey); !errors.Is(err, ErrKeyUsage) {
		t.Fatalf("CRL by a leaf: %v", err)
	}
}

// OpenSSL's gost engine, an implementation nobody here wrote, accepts the
// CRLs esign issues and refuses a certificate revoked in one; esign reads
// and checks a CRL OpenSSL issues.
func TestCRLInteropWithOpenSSL(t *testing.T) {
	o := requireOpenSSL(t)
	ca := newTestCA(t, certOptions{paramSet: "TCB"})
	_, good := ca.issue(t, certOptions{subject: "CN=Действующий"})
	_, revoked := ca.issue(t, certOptions{subject: "CN=Отозванный"})
	crl := ca.crl(t, 1, revoked)
	o.write("ca.pem", ca.cert.MarshalPEM())
	o.write("good.pem", good.MarshalPEM())
	o.write("revoked.pem", revoked.MarshalPEM())
	o.write("crl.pem", crl.MarshalPEM())
	tampered := slices.Clone(crl.Raw)
	tampered[len(tampered)-1] ^= 1
	o.write("tampered.crl", tampered)

	o.loadGostByConfig()
	if out := o.must("crl", "-in", "crl.pem", "-CAfile", "ca.pem", "-noout"); !strings.Contains(out, "verify OK") {
		t.Fatalf("openssl crl does not verify our CRL: %s", out)
	}
	text := o.must("crl", "-in", "crl.pem", "-noout", "-text")
	for _, want := range []string{"Version 2", "X509v3 CRL Number", "X509v3 Authority Key Identifier", "Key Compromise"} {
		if !strings.Contains(text, want) {
			t.Errorf("openssl crl -text lacks %q:\n%s", want, text)
		}
	}
	// openssl crl exits 0 either way; it says which.
	if out, _ := o.run("crl", "-inform", "DER", "-in", "tampered.crl", "-CAfile", "ca.pem", "-noout"); !strings.Contains(out, "verify failure") {
		t.Fatalf("openssl accepts a CRL with a tampered signature: %s", out)
	}
	if out, ok := o.run("verify", "-engine", "gost", "-crl_check", "-CAfile", "ca.pem", "-CRLfile", "tampered.crl", "good.pem"); ok || !strings.Contains(out, "CRL signature failure") {
		t.Fatalf("openssl verify -crl_check relies on a CRL with a tampered signature: %s", out)
	}

	o.must("verify", "-engine", "gost", "-crl_check", "-CAfile", "ca.pem", "-CRLfile", "crl.pem", "good.pem")
	if out, ok := o.run("verify", "-engine", "gost", "-crl_check", "-CAfile", "ca.pem", "-CRLfile", "crl.pem", "revoked.pem"); ok || !strings.Contains(out, "certificate revoked") {
		t.Fatalf("openssl verify -crl_check accepts a revoked certificate: %s", out)
	}

	// And the other way: a CRL made by `openssl ca -gencrl` revoking one
	// certificate, read and checked by esign.
	keyPEM, err := ca.key.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	o.write("ca.key", keyPEM)
	o.write("index.txt", nil)
	o.write("crlnumber", []byte("1000\n"))
	o.write("ca.cnf", []byte("[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\n"+
		"default_md = md_gost12_256\ndefault_crl_days = 7\ncrl_extensions = ext\n[ext]\nauthorityKeyIdentifier = keyid:always\n"))
	o.must("ca", "-engine", "gost", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-revoke", "revoked.pem", "-crl_reason", "superseded")
	o.must("ca", "-engine", "gost", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-gencrl", "-out", "theirs.crl")
	theirs, err := ParseCRL(o.read("theirs.crl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := theirs.CheckSignatureFrom(ca.cert); err != nil {
		t.Fatalf("OpenSSL's CRL: %v", err)
	}
	if e, ok := theirs.Lookup(revoked.SerialNumber); !ok || e.Reason != 4 || theirs.Number.Int64() != 0x1000 {
		t.Fatalf("OpenSSL's CRL: entry %+v %v, number %v", e, ok, theirs.Number)
	}
	if _, ok := theirs.Lookup(good.SerialNumber); ok {
		t.Fatal("OpenSSL's CRL: the good certificate is listed")
	}
}

// Verifications from many goroutines share one store and its CRL cache
// (run with -race to see that they do so safely).
func TestTrustStoreConcurrentUse(t *testing.T) {
	ca := newTestCA(t, certOptions{})
	key, cert := ca.issue(t, certOptions{})
	doc := []byte("решение")
	sig := sign(t, doc, key, cert)
	crl := ca.crl(t, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(crl.Raw) }))
	t.Cleanup(srv.Close)
	path := writeFile(t, t.TempDir(), "ca.crl", crl.Raw)
	for name, loc := range map[string]string{"file": path, "url": srv.URL} {
		t.Run(name, func(t *testing.T) {
			s := newStore(t, TrustConfig{Roots: NewPool(ca.cert), CRLs: []string{loc}})
			errs := make(chan error, 8)
			for range 8 {
				go func() {
					v, err := s.VerifyDetached(context.Background(), bytes.NewReader(doc), sig, TrustOptions{})
					if err == nil && v.Verdict != VerdictTrusted {
						err = errors.New(v.Detail)
					}
					errs <- err
				}()
			}
			for range 8 {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})
	}
}
