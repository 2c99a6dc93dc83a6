package xmlsig

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/esign/streebog"
)

// testdata/smev3-test-response.xml is a GetResponseResponse that the SMEV 3 test environment
// delivered in December 2021 (published in a public repository), signed by SMEV itself with
// CryptoPro: SMEVSignature over Response Id="SIGNED_BY_SMEV". KeyInfo is left out because the
// certificate names a person; testdata/smev3-test-signer.pub.pem is its public key. Matching
// SMEV's DigestValue and SignatureValue proves the transform, exc-c14n, Streebog byte order
// and the s||r signature layout against the real implementation, not just against ourselves.
func TestVerifiesSignatureMadeBySMEV(t *testing.T) {
	data, err := os.ReadFile("testdata/smev3-test-response.xml")
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile("testdata/smev3-test-signer.pub.pem")
	if err != nil {
		t.Fatal(err)
	}
	key, err := esign.ParsePublicKeyPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}

	check := func(t *testing.T, data string) error {
		t.Helper()
		doc := mustParse(t, data)
		sigs := findSignatures(doc.Root())
		if len(sigs) != 1 {
			t.Fatalf("found %d signatures, want 1", len(sigs))
		}
		si := firstChildNamed(sigs[0], "SignedInfo")
		ref, err := parseReference(firstChildNamed(si, "Reference"))
		if err != nil {
			t.Fatal(err)
		}
		if err := ref.check(doc); err != nil {
			return err
		}
		value, err := decodeBase64Text(firstChildNamed(sigs[0], "SignatureValue"))
		if err != nil {
			t.Fatal(err)
		}
		digest := streebog.Sum256(Canonicalize(si, nil))
		if err := key.VerifyDigest(digest[:], value); err != nil {
			return errors.Join(ErrSignatureInvalid, err)
		}
		return nil
	}

	if err := check(t, string(data)); err != nil {
		t.Fatalf("SMEV's own signature does not verify: %v", err)
	}
	for _, tt := range []struct {
		name, old, new string
		want           error
	}{
		{"status changed", "<tns:status>VALID<", "<tns:status>INVALID<", ErrDigestMismatch},
		{"metadata changed", "<st3:Mnemonic>emu<", "<st3:Mnemonic>emv<", ErrDigestMismatch},
		{"SignedInfo changed", `<ds:Reference URI="#SIGNED_BY_SMEV">`, `<ds:Reference URI="#SIGNED_BY_SMEV" Type="x">`, ErrSignatureInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			changed := strings.Replace(string(data), tt.old, tt.new, 1)
			if changed == string(data) {
				t.Fatal("the change did not apply")
			}
			if err := check(t, changed); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}
