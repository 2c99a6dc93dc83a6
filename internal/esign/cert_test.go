package esign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

const qualifiedSubject = "SN=Иванова,GN=Мария Петровна,CN=Иванова Мария Петровна,T=Начальник отдела," +
	"O=Министерство строительства,SNILS=11223344595,INN=500100732259,INNLE=7707083893,OGRN=1027700132195,C=RU"

func TestIssuedCertificateCarriesQualifiedFields(t *testing.T) {
	ca := newTestCA(t, certOptions{})
	_, cert := ca.issue(t, certOptions{subject: qualifiedSubject})
	back, err := ParseCertificatePEM(cert.MarshalPEM())
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{
		{"ФИО", "Иванова Мария Петровна"},
		{"СНИЛС", "11223344595"},
		{"ИНН", "500100732259"},
		{"ИНН ЮЛ", "7707083893"},
		{"ОГРН", "1027700132195"},
		{"Должность", "Начальник отдела"},
		{"Организация", "Министерство строительства"},
		{"Страна", "RU"},
	}
	if got := back.Subject.Fields(); !slices.Equal(got, want) {
		t.Fatalf("fields:\n got %v\nwant %v", got, want)
	}
	if back.Issuer.String() != "CN=Тестовый УЦ,O=Окно" {
		t.Errorf("issuer %q", back.Issuer.String())
	}
	if back.IsCA || !back.HasKeyUsage || back.KeyUsage != KeyUsageDigitalSignature|KeyUsageNonRepudiation {
		t.Errorf("end-entity flags: CA %v key usage %b", back.IsCA, back.KeyUsage)
	}
	if err := back.CheckSignatureFrom(ca.cert); err != nil {
		t.Fatal(err)
	}
}

func TestFullNameFallsBackToCommonName(t *testing.T) {
	n, err := ParseName("CN=ООО \"Ромашка\",OGRNIP=304500116000157")
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{{"ФИО", `ООО "Ромашка"`}, {"ОГРНИП", "304500116000157"}}
	if got := n.Fields(); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestParseNameRules(t *testing.T) {
	tests := []struct {
		in      string
		want    string // Name.String() of the result
		wantErr string
	}{
		{"CN=Иванов,O=Ведомство", "CN=Иванов,O=Ведомство", ""},
		{" cn = a , title=b ", "CN=a,T=b", ""},
		{`O=Рога\, копыта`, `O=Рога\, копыта`, ""},
		{"2.5.4.5=123", "2.5.4.5=123", ""},
		{"SNILS=11223344596", "", "СНИЛС check digits 96, want 95"},
		{"INN=500100732258", "", "ИНН check digit 12 is 8, want 9"},
		{"OGRN=102770013219", "", "has 12 characters, want 13 digits"},
		{"C=Russia", "", "not a two-letter code"},
		{"FOO=bar", "", `unknown attribute "FOO"`},
		{"CN", "", "not KEY=VALUE"},
		{"CN=", "", "empty value"},
		{"", "", "empty distinguished name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := ParseName(tt.in)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.String() != tt.want {
				t.Fatalf("got %q, want %q", n.String(), tt.want)
			}
		})
	}
}

func TestIdentifierChecks(t *testing.T) {
	tests := []struct {
		check func(string) error
		value string
		ok    bool
	}{
		{CheckSNILS, "11223344595", true},
		{CheckSNILS, "11223344594", false},
		{CheckSNILS, "00100199800", true}, // before check digits existed
		{CheckSNILS, "1122334459", false},
		{CheckSNILS, "1122334459a", false},
		{CheckINN, "500100732259", true},
		{CheckINN, "500100732269", false},
		{CheckINN, "007707083893", true}, // legal entity in the person's attribute
		{CheckINN, "007707083894", false},
		{CheckINNLE, "7707083893", true},
		{CheckINNLE, "7707083890", false},
		{CheckOGRN, "1027700132195", true},
		{CheckOGRN, "1027700132196", false},
		{CheckOGRNIP, "304500116000157", true},
		{CheckOGRNIP, "304500116000158", false},
	}
	for _, tt := range tests {
		err := tt.check(tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("%s: got %v, want ok=%v", tt.value, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error %v does not wrap ErrMalformed", tt.value, err)
		}
	}
}

func TestOpenSSLVerifiesIssuedChainAndWeParseItsCertificates(t *testing.T) {
	o := requireOpenSSL(t)
	for _, ps := range []string{"A", "TCA", "512A"} {
		t.Run(ps, func(t *testing.T) {
			ca := newTestCA(t, certOptions{paramSet: ps})
			_, user := ca.issue(t, certOptions{paramSet: ps, subject: qualifiedSubject})
			o.write("ca.pem", ca.cert.MarshalPEM())
			o.write("user.pem", user.MarshalPEM())
			out := o.must("verify", "-engine", "gost", "-CAfile", "ca.pem", "user.pem")
			if !strings.Contains(out, "user.pem: OK") {
				t.Fatalf("openssl verify: %s", out)
			}
			text := o.must("x509", "-engine", "gost", "-in", "user.pem", "-noout", "-text", "-nameopt", "utf8")
			for _, want := range []string{"SNILS=11223344595", "INN=500100732259", "OGRN=1027700132195", "Digital Signature, Non Repudiation"} {
				if !strings.Contains(text, want) {
					t.Errorf("openssl does not show %q:\n%s", want, text)
				}
			}
		})
	}

	// A CA and a certificate made by OpenSSL itself.
	o.must("genpkey", "-engine", "gost", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", "osslca.key")
	o.must("req", "-engine", "gost", "-x509", "-new", "-key", "osslca.key", "-subj", "/CN=OpenSSL CA/O=Test", "-days", "30", "-out", "osslca.pem")
	o.must("genpkey", "-engine", "gost", "-algorithm", "gost2012_512", "-pkeyopt", "paramset:B", "-out", "ossluser.key")
	o.must("req", "-engine", "gost", "-new", "-key", "ossluser.key", "-subj", "/CN=Petrov/SNILS=11223344595", "-out", "ossluser.csr")
	o.must("x509", "-engine", "gost", "-req", "-in", "ossluser.csr", "-CA", "osslca.pem", "-CAkey", "osslca.key", "-CAcreateserial", "-days", "10", "-out", "ossluser.pem")
	root, err := ParseCertificatePEM(o.read("osslca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	user, err := ParseCertificatePEM(o.read("ossluser.pem"))
	if err != nil {
		t.Fatal(err)
	}
	chain, err := user.Verify(ChainOptions{Roots: NewPool(root)})
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 || user.Subject.Get(OIDSNILS) != "11223344595" || user.PublicKey.ParamSet().Name != "512B" {
		t.Fatalf("chain %d, subject %v, key %s", len(chain), user.Subject, user.PublicKey.ParamSet().Name)
	}
}

func TestChainValidation(t *testing.T) {
	now := time.Now()
	root := newTestCA(t, certOptions{})
	otherRoot := newTestCA(t, certOptions{subject: "CN=Чужой УЦ"})
	sameNameRoot := newTestCA(t, certOptions{}) // same subject, another key
	interKey, interCert := root.issue(t, certOptions{subject: "CN=Подчинённый УЦ", isCA: true})
	inter := &testCA{key: interKey, cert: interCert}
	_, viaInter := inter.issue(t, certOptions{paramSet: "512A"})
	_, leaf := root.issue(t, certOptions{})
	altered := slices.Clone(leaf.Raw)
	altered[len(altered)-1] ^= 1
	tampered, err := ParseCertificate(altered)
	if err != nil {
		t.Fatal(err)
	}
	_, expired := root.issue(t, certOptions{notBefore: now.Add(-20 * time.Hour), notAfter: now.Add(-time.Hour)})
	_, future := root.issue(t, certOptions{notBefore: now.Add(time.Hour)})
	notCAKey, notCACert := root.issue(t, certOptions{subject: "CN=Не УЦ"})
	_, byNotCA := (&testCA{key: notCAKey, cert: notCACert}).issueUnchecked(t)
	limitedKey, limitedCert := root.issue(t, certOptions{subject: "CN=Ограниченный УЦ", isCA: true, maxPathLen: new(0)})
	lowerKey, lowerCert := (&testCA{key: limitedKey, cert: limitedCert}).issue(t, certOptions{subject: "CN=Нижний УЦ", isCA: true})
	_, tooDeep := (&testCA{key: lowerKey, cert: lowerCert}).issue(t, certOptions{})

	tests := []struct {
		name  string
		cert  *Certificate
		opts  ChainOptions
		want  error
		chain int
	}{
		{"direct", leaf, ChainOptions{Roots: NewPool(root.cert)}, nil, 2},
		{"through intermediate", viaInter, ChainOptions{Roots: NewPool(root.cert), Intermediates: NewPool(interCert)}, nil, 3},
		{"root itself", root.cert, ChainOptions{Roots: NewPool(root.cert)}, nil, 1},
		{"missing intermediate", viaInter, ChainOptions{Roots: NewPool(root.cert)}, ErrUntrusted, 0},
		{"other root", leaf, ChainOptions{Roots: NewPool(otherRoot.cert)}, ErrUntrusted, 0},
		{"same name, other key", leaf, ChainOptions{Roots: NewPool(sameNameRoot.cert)}, ErrUntrusted, 0},
		{"signature altered", tampered, ChainOptions{Roots: NewPool(root.cert)}, ErrBadSignature, 0},
		{"no roots", leaf, ChainOptions{}, ErrUntrusted, 0},
		{"expired", expired, ChainOptions{Roots: NewPool(root.cert)}, ErrCertificateExpired, 0},
		{"not yet valid", future, ChainOptions{Roots: NewPool(root.cert)}, ErrCertificateExpired, 0},
		{"root expired at that time", leaf, ChainOptions{Roots: NewPool(root.cert), At: now.Add(20 * 365 * 24 * time.Hour)}, ErrCertificateExpired, 0},
		{"issuer not a CA", byNotCA, ChainOptions{Roots: NewPool(root.cert), Intermediates: NewPool(notCACert)}, ErrKeyUsage, 0},
		{"path length exceeded", tooDeep, ChainOptions{Roots: NewPool(root.cert), Intermediates: NewPool(limitedCert, lowerCert)}, ErrUntrusted, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chain, err := tt.cert.Verify(tt.opts)
			if tt.want == nil {
				if err != nil || len(chain) != tt.chain {
					t.Fatalf("got chain of %d, %v; want %d", len(chain), err, tt.chain)
				}
				return
			}
			if !errors.Is(err, tt.want) || chain != nil {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// issueUnchecked signs a certificate with ca.key even though ca.cert is not
// a CA, bypassing CreateCertificate's own refusal, to test the verifier.
func (ca *testCA) issueUnchecked(t *testing.T) (*PrivateKey, *Certificate) {
	t.Helper()
	fake := *ca.cert
	fake.IsCA, fake.KeyUsage = true, KeyUsageCertSign
	return (&testCA{key: ca.key, cert: &fake}).issue(t, certOptions{})
}

func TestCreateCertificateRefusesNonCAIssuer(t *testing.T) {
	root := newTestCA(t, certOptions{})
	key, leaf := root.issue(t, certOptions{})
	tpl := certOptions{}.template(t)
	if _, err := CreateCertificate(rand.Reader, tpl, newKey(t, "").Public(), leaf, key); !errors.Is(err, ErrKeyUsage) {
		t.Fatalf("got %v, want ErrKeyUsage", err)
	}
	if _, err := CreateCertificate(rand.Reader, tpl, newKey(t, "").Public(), root.cert, key); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("wrong issuer key: got %v, want ErrKeyMismatch", err)
	}
}

func TestParseCertificateRejectsBadInput(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "ECDSA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	ecDER, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &ec.PublicKey, ec)
	if err != nil {
		t.Fatal(err)
	}
	root := newTestCA(t, certOptions{})
	good := root.cert.Raw
	tests := []struct {
		name string
		der  []byte
		want error
		msg  string
	}{
		{"ECDSA certificate", ecDER, ErrUnsupportedAlgorithm, "1.2.840.10045.2.1 is not GOST R 34.10-2012"},
		{"truncated", good[:len(good)-10], ErrMalformed, "not an X.509 certificate"},
		{"trailing garbage", append(slices.Clone(good), 0), ErrMalformed, "not an X.509 certificate"},
		{"empty", nil, ErrMalformed, "not an X.509 certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCertificate(tt.der)
			if c != nil || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v; want %v with %q", err, tt.want, tt.msg)
			}
			if n := strings.Count(err.Error(), "esign:"); n != 1 {
				t.Errorf("message names the package %d times: %v", n, err)
			}
		})
	}
	_, err = ParseCertificatePEM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: good}))
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), `want a "CERTIFICATE" block`) {
		t.Fatalf("wrong PEM type: %v", err)
	}
}

func TestKeyUsageEncoding(t *testing.T) {
	tests := []struct {
		usage KeyUsage
		der   []byte
	}{
		{KeyUsageDigitalSignature, []byte{0x03, 0x02, 0x07, 0x80}},
		{KeyUsageDigitalSignature | KeyUsageNonRepudiation, []byte{0x03, 0x02, 0x06, 0xc0}},
		{KeyUsageCertSign | KeyUsageCRLSign | KeyUsageDigitalSignature, []byte{0x03, 0x02, 0x01, 0x86}},
		{KeyUsageKeyAgreement, []byte{0x03, 0x02, 0x03, 0x08}},
		{1 << 8, []byte{0x03, 0x03, 0x07, 0x00, 0x80}}, // decipherOnly
		{0, []byte{0x03, 0x01, 0x00}},
	}
	for _, tt := range tests {
		var b cryptobyte.Builder
		addKeyUsage(&b, tt.usage)
		if got := b.BytesOrPanic(); !bytes.Equal(got, tt.der) {
			t.Errorf("%09b: got % x, want % x", tt.usage, got, tt.der)
		}
	}
}

// TestChainRefusesWhatOpenSSLCanMake covers issuers and extensions esign's
// own CreateCertificate never produces.
func TestChainRefusesWhatOpenSSLCanMake(t *testing.T) {
	o := requireOpenSSL(t)
	gen := func(name string) {
		o.must("genpkey", "-engine", "gost", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCA", "-out", name+".key")
	}
	gen("ca")
	gen("leaf")
	tests := []struct {
		name      string
		caExt     []string
		leafExt   string
		wantError error
		msg       string
	}{
		{"CA without keyCertSign", []string{"keyUsage=critical,digitalSignature"}, "basicConstraints=CA:FALSE", ErrKeyUsage, "may not sign certificates"},
		{"unknown critical extension in leaf", []string{"keyUsage=critical,keyCertSign"}, "1.2.3.4=critical,ASN1:NULL", ErrUntrusted, "unknown critical extension 1.2.3.4"},
		{"CA that is not a CA", []string{"basicConstraints=critical,CA:FALSE", "keyUsage=critical,keyCertSign"}, "basicConstraints=CA:FALSE", ErrKeyUsage, "not a certification authority"},
		{"sound chain", []string{"keyUsage=critical,keyCertSign"}, "keyUsage=critical,nonRepudiation", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"req", "-engine", "gost", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=CA", "-days", "2", "-out", "ca.pem"}
			for _, e := range tt.caExt {
				args = append(args, "-addext", e)
			}
			o.must(args...)
			o.must("req", "-engine", "gost", "-new", "-key", "leaf.key", "-subj", "/CN=Leaf", "-out", "leaf.csr")
			o.write("leaf.ext", []byte(tt.leafExt+"\n"))
			o.must("x509", "-engine", "gost", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "5", "-days", "1", "-extfile", "leaf.ext", "-out", "leaf.pem")
			ca, err := ParseCertificatePEM(o.read("ca.pem"))
			if err != nil {
				t.Fatal(err)
			}
			leaf, err := ParseCertificatePEM(o.read("leaf.pem"))
			if err != nil {
				t.Fatal(err)
			}
			chain, err := leaf.Verify(ChainOptions{Roots: NewPool(ca)})
			if tt.wantError == nil {
				if err != nil || len(chain) != 2 {
					t.Fatalf("got %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantError) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, want %v with %q", err, tt.wantError, tt.msg)
			}
		})
	}
}

func TestThumbprintIsSHA1OfTheCertificate(t *testing.T) {
	o := requireOpenSSL(t)
	o.write("user.pem", readFixture(t, "user.pem"))
	out := o.must("x509", "-engine", "gost", "-in", "user.pem", "-noout", "-fingerprint", "-sha1")
	c, err := ParseCertificatePEM(readFixture(t, "user.pem"))
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(out, "\n") // "SHA1 Fingerprint=05:6E:..."
	_, want, _ := strings.Cut(line, "=")
	want = strings.ReplaceAll(want, ":", "")
	if c.Thumbprint() != want {
		t.Fatalf("thumbprint %s, openssl says %s", c.Thumbprint(), want)
	}
}
