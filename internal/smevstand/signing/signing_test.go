package signing_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevstand/signing"
)

func TestIdentityIsMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	first, err := signing.LoadOrCreate(dir, "MINSTROY", "Министерство строительства (демо)")
	if err != nil {
		t.Fatal(err)
	}
	again, err := signing.LoadOrCreate(dir, "MINSTROY", "ignored on reload")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.CertificateDER(), again.CertificateDER()) {
		t.Fatal("second start made a new certificate instead of reading the kept one")
	}
	for _, p := range []string{signing.KeyPath(dir, "MINSTROY"), signing.CertPath(dir, "MINSTROY")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
	der, err := signing.LoadCertificate(signing.CertPath(dir, "MINSTROY"))
	if err != nil || !bytes.Equal(der, first.CertificateDER()) {
		t.Fatalf("LoadCertificate = %v", err)
	}
	from, to, err := signing.Validity(der)
	if err != nil || !from.Before(time.Now()) || !to.After(time.Now().AddDate(1, 0, 0)) {
		t.Fatalf("validity %s..%s (%v)", from, to, err)
	}
}

func TestSignAndVerify(t *testing.T) {
	id, err := signing.Generate("SMEV", "СМЭВ", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	other, err := signing.Generate("OTHER", "Другая система", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`<a:Root xmlns:a="urn:a"><a:Data Id="X">данные</a:Data></a:Root>`)
	sig, err := id.Sign(doc, "X")
	if err != nil {
		t.Fatal(err)
	}
	signed := bytes.Replace(doc, []byte("</a:Root>"), append(sig, []byte("</a:Root>")...), 1)
	if err := (signing.Verifier{}).Verify(signed, "X", id.CertificateDER()); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	if cert, err := signing.VerifyElement(signed, "X"); err != nil || !bytes.Equal(cert, id.CertificateDER()) {
		t.Fatalf("VerifyElement: %v", err)
	}
	if err := (signing.Verifier{}).Verify(signed, "X", other.CertificateDER()); err == nil {
		t.Fatal("signature verified under another system's certificate")
	}
	if err := (signing.Verifier{}).Verify(bytes.Replace(signed, []byte("данные"), []byte("другие"), 1), "X", id.CertificateDER()); err == nil {
		t.Fatal("changed data verified")
	}
}
