package xmlsig

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/testenv"
)

// requireGOSTOpenSSL finds openssl with the gost engine; outside CI its absence skips the
// test, in CI it fails it.
func requireGOSTOpenSSL(t *testing.T) string {
	t.Helper()
	return testenv.NeedOpenSSLGost(t)
}

// OpenSSL's gost engine is the independent reference for the byte conventions: the
// DigestValue must be its Streebog of the transformed element, it must accept our
// SignatureValue over canonical SignedInfo with the key from our certificate, and we must
// accept its signature in our place.
func TestSignatureAgreesWithOpenSSL(t *testing.T) {
	openssl := requireGOSTOpenSSL(t)
	for _, tt := range []struct{ paramSet, md string }{
		{"A", "-md_gost12_256"},
		{"512A", "-md_gost12_512"},
	} {
		t.Run(tt.paramSet, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name string, data []byte) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, data, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			run := func(args ...string) []byte {
				t.Helper()
				cmd := exec.Command(openssl, args...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
				}
				return out
			}

			s := newSigner(t, tt.paramSet, "CN=ИС Окно")
			signed := signRequest(t, s)
			doc := mustParse(t, signed)
			sig := findSignatures(doc.Root())[0]
			si := firstChildNamed(sig, "SignedInfo")

			target, err := doc.ElementByID(signedID)
			if err != nil {
				t.Fatal(err)
			}
			transformed, err := TransformElement(target)
			if err != nil {
				t.Fatal(err)
			}
			digest := run("dgst", "-engine", "gost", tt.md, "-binary", write("transformed.xml", transformed))
			if got := between(t, signed, "<ds:DigestValue>", "</ds:DigestValue>"); got != base64.StdEncoding.EncodeToString(digest) {
				t.Errorf("DigestValue %s, openssl digest %s", got, base64.StdEncoding.EncodeToString(digest))
			}

			certPEM := write("cert.pem", s.Cert.MarshalPEM())
			pub := run("x509", "-engine", "gost", "-in", certPEM, "-pubkey", "-noout")
			sigValue, err := base64.StdEncoding.DecodeString(between(t, signed, "<ds:SignatureValue>", "</ds:SignatureValue>"))
			if err != nil {
				t.Fatal(err)
			}
			signedInfo := write("signedinfo.xml", Canonicalize(si, nil))
			out := run("dgst", "-engine", "gost", tt.md, "-verify", write("pub.pem", pub),
				"-signature", write("sig.bin", sigValue), signedInfo)
			if !strings.Contains(string(out), "Verified OK") {
				t.Errorf("openssl rejects our SignatureValue: %s", out)
			}

			keyPEM, err := s.Key.MarshalPEM()
			if err != nil {
				t.Fatal(err)
			}
			theirs := run("dgst", "-engine", "gost", tt.md, "-sign", write("key.pem", keyPEM), signedInfo)
			resigned := strings.Replace(signed, base64.StdEncoding.EncodeToString(sigValue), base64.StdEncoding.EncodeToString(theirs), 1)
			if _, err := Verify([]byte(resigned), signedID, VerifyOptions{Certificate: s.Cert}); err != nil {
				t.Errorf("Verify rejects openssl's signature over SignedInfo: %v", err)
			}
		})
	}
}
