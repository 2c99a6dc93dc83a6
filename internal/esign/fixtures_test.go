package esign

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Files in testdata were made by OpenSSL with the gost engine (gen.sh), so
// these tests check interoperability even on machines without OpenSSL.

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestOpenSSLFixtures(t *testing.T) {
	caKey, err := ParsePrivateKeyPEM(readFixture(t, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	userKey, err := ParsePrivateKeyPEM(readFixture(t, "user.key"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := ParseCertificatePEM(readFixture(t, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	user, err := ParseCertificatePEM(readFixture(t, "user.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if !ca.PublicKey.Equal(caKey.Public()) || !user.PublicKey.Equal(userKey.Public()) {
		t.Fatal("keys do not match their certificates")
	}
	if user.PublicKey.ParamSet().Name != "512A" || ca.PublicKey.ParamSet().Name != "A" {
		t.Fatalf("param sets %s, %s", user.PublicKey.ParamSet().Name, ca.PublicKey.ParamSet().Name)
	}
	want := []Field{
		{"ФИО", "Сидоров Сидор Сидорович"},
		{"СНИЛС", "11223344595"},
		{"ИНН", "500100732259"},
		{"ОГРН", "1027700132195"},
		{"Должность", "Начальник управления"},
		{"Организация", "Министерство"},
	}
	if got := user.Subject.Fields(); !slices.Equal(got, want) {
		t.Fatalf("fields:\n got %v\nwant %v", got, want)
	}
	if user.SerialNumber.Int64() != 0x0A1B2C || !ca.IsCA || user.IsCA {
		t.Fatalf("serial %x, CA flags %v %v", user.SerialNumber, ca.IsCA, user.IsCA)
	}
	at := user.NotBefore.Add(time.Hour)
	chain, err := user.Verify(ChainOptions{Roots: NewPool(ca), At: at})
	if err != nil || len(chain) != 2 {
		t.Fatalf("chain: %d, %v", len(chain), err)
	}

	doc := readFixture(t, "document.txt")
	opts := VerifyOptions{Roots: NewPool(ca), At: at}
	info, err := VerifyDetached(bytes.NewReader(doc), readFixture(t, "document.txt.sig"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Certificate.Equal(user) || info.SigningTime.IsZero() {
		t.Fatalf("signer %v, time %v", info.Certificate.Subject, info.SigningTime)
	}
	changed := slices.Clone(doc)
	changed[0] ^= 1
	if _, err := VerifyDetached(bytes.NewReader(changed), readFixture(t, "document.txt.sig"), opts); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("changed document: %v", err)
	}
	ours, err := SignDetached(bytes.NewReader(doc), userKey, user)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDetached(bytes.NewReader(doc), ours, opts); err != nil {
		t.Fatal(err)
	}
}

func TestOpenSSLRSAFixturesAreRefused(t *testing.T) {
	_, err := ParseCertificatePEM(readFixture(t, "rsa.pem"))
	if !errors.Is(err, ErrUnsupportedAlgorithm) || !strings.Contains(err.Error(), "1.2.840.113549.1.1.1 is not GOST") {
		t.Fatalf("RSA certificate: %v", err)
	}
	info, err := VerifyDetached(bytes.NewReader(readFixture(t, "document.txt")), readFixture(t, "document.txt.rsa.sig"), VerifyOptions{})
	if info != nil || !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Fatalf("RSA signature: %v", err)
	}
}
