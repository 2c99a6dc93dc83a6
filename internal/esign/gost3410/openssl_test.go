package gost3410

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/okno-oiv/okno/internal/esign/opensslref"
	"github.com/okno-oiv/okno/internal/esign/streebog"
)

// opensslParamSet maps our curve names to the gost engine's paramset names.
var opensslParamSet = map[string]string{
	"A": "TCA", "B": "TCB", "C": "TCC", "D": "TCD",
	"CryptoPro-A": "A", "CryptoPro-B": "B", "CryptoPro-C": "C",
	"CryptoPro-XchA": "XA", "CryptoPro-XchB": "XB",
	"512-A": "A", "512-B": "B", "512-C": "C",
}

func streebogDigest(c *Curve, msg []byte) []byte {
	if c.BitSize() == 512 {
		d := streebog.Sum512(msg)
		return d[:]
	}
	d := streebog.Sum256(msg)
	return d[:]
}

// TestAgainstOpenSSL checks, for every parameter set, that keys move
// between OpenSSL and this package unchanged and that each side verifies
// the other's signatures.
func TestAgainstOpenSSL(t *testing.T) {
	tool := opensslref.Require(t)
	for _, c := range Curves() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			msg := make([]byte, 100)
			rand.Read(msg)
			digest := streebogDigest(c, msg)
			other := streebogDigest(c, append(msg, 0))

			// OpenSSL's key in our hands.
			ref, err := tool.GenerateKey(c.BitSize(), opensslParamSet[c.Name])
			if err != nil {
				t.Fatal(err)
			}
			key, err := NewPrivateKey(c, ref.PrivateRaw)
			if err != nil {
				t.Fatal(err)
			}
			if got := key.Public().Raw(); !bytes.Equal(got, ref.PublicRaw) {
				t.Fatalf("public key derived here\n %x\nOpenSSL's\n %x", got, ref.PublicRaw)
			}
			pub, err := NewPublicKey(c, ref.PublicRaw)
			if err != nil {
				t.Fatal(err)
			}
			// Random digests both ways; the first one also against a changed digest.
			for round := range 3 {
				if round > 0 {
					rand.Read(msg)
					digest = streebogDigest(c, msg)
					other = streebogDigest(c, append(msg, 0))
				}
				refSig, err := tool.Sign(ref, digest)
				if err != nil {
					t.Fatal(err)
				}
				if ok, err := pub.Verify(digest, refSig); err != nil || !ok {
					t.Fatalf("OpenSSL's signature: Verify = %v, %v", ok, err)
				}
				sig, err := key.Sign(rand.Reader, digest)
				if err != nil {
					t.Fatal(err)
				}
				if ok, err := tool.Verify(ref, digest, sig); err != nil || !ok {
					t.Fatalf("OpenSSL rejects our signature: %v, %v", ok, err)
				}
				if round > 0 {
					continue
				}
				if ok, err := pub.Verify(other, refSig); err != nil || ok {
					t.Fatalf("OpenSSL's signature over another digest: Verify = %v, %v", ok, err)
				}
				if ok, err := tool.Verify(ref, other, sig); err != nil || ok {
					t.Fatalf("OpenSSL accepts our signature over another digest: %v, %v", ok, err)
				}
			}

			// Our key in OpenSSL's hands.
			mine, err := GenerateKey(c, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			wrapped, err := tool.KeyFromRaw(c.BitSize(), c.OID, mine.Raw())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(wrapped.PublicRaw, mine.Public().Raw()) {
				t.Fatalf("OpenSSL derives another public key from our private key")
			}
			sig, err := mine.Sign(rand.Reader, digest)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := tool.Verify(wrapped, digest, sig); err != nil || !ok {
				t.Fatalf("OpenSSL rejects our signature with our key: %v, %v", ok, err)
			}
		})
	}
}
