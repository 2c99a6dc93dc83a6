package esign

import (
	"crypto/rand"
	"testing"
	"time"
)

// testCA is a certification authority made for a test.
type testCA struct {
	key  *PrivateKey
	cert *Certificate
}

// certOptions tweaks a test certificate; zero values give a sensible one.
type certOptions struct {
	paramSet   string
	subject    string
	notBefore  time.Time
	notAfter   time.Time
	isCA       bool
	maxPathLen *int // nil: no limit
	keyUsage   KeyUsage
}

func (o certOptions) template(t testing.TB) *Template {
	t.Helper()
	if o.subject == "" {
		o.subject = "CN=Тестовый владелец"
	}
	name, err := ParseName(o.subject)
	if err != nil {
		t.Fatal(err)
	}
	if o.notBefore.IsZero() {
		o.notBefore = time.Now().Add(-time.Hour)
	}
	if o.notAfter.IsZero() {
		o.notAfter = o.notBefore.Add(365 * 24 * time.Hour)
	}
	pathLen := -1
	if o.maxPathLen != nil {
		pathLen = *o.maxPathLen
	}
	return &Template{Subject: name, NotBefore: o.notBefore, NotAfter: o.notAfter, IsCA: o.isCA, MaxPathLen: pathLen, KeyUsage: o.keyUsage}
}

func newKey(t testing.TB, paramSet string) *PrivateKey {
	t.Helper()
	if paramSet == "" {
		paramSet = "A"
	}
	key, err := GenerateKey(rand.Reader, paramSet)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// newTestCA makes a self-signed root CA.
func newTestCA(t testing.TB, o certOptions) *testCA {
	t.Helper()
	if o.subject == "" {
		o.subject = "CN=Тестовый УЦ,O=Окно"
	}
	o.isCA = true
	if o.notBefore.IsZero() {
		o.notBefore = time.Now().Add(-24 * time.Hour)
		o.notAfter = o.notBefore.Add(10 * 365 * 24 * time.Hour)
	}
	key := newKey(t, o.paramSet)
	cert, err := CreateCertificate(rand.Reader, o.template(t), key.Public(), nil, key)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{key: key, cert: cert}
}

// issue makes a certificate signed by ca and returns it with its key.
func (ca *testCA) issue(t testing.TB, o certOptions) (*PrivateKey, *Certificate) {
	t.Helper()
	key := newKey(t, o.paramSet)
	if o.notAfter.IsZero() {
		o.notAfter = ca.cert.NotAfter
	}
	cert, err := CreateCertificate(rand.Reader, o.template(t), key.Public(), ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}
