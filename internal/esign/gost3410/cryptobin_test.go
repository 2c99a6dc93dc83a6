package gost3410

import (
	"bytes"
	"crypto/rand"
	"testing"

	cbgost "github.com/deatil/go-cryptobin/gost"
	cbstreebog "github.com/deatil/go-cryptobin/hash/gost/gost34112012256"

	"github.com/okno-oiv/okno/internal/esign/streebog"
)

// go-cryptobin is a second reference (evaluated in docs/esign.md): the
// tests below show where it agrees with this package and OpenSSL.

// cryptobinCurves maps our names to go-cryptobin's constructors.
var cryptobinCurves = map[string]func() *cbgost.Curve{
	"A":           cbgost.CurveIdtc26gost34102012256paramSetA,
	"CryptoPro-A": cbgost.CurveIdGostR34102001CryptoProAParamSet,
	"512-C":       cbgost.CurveIdtc26gost34102012512paramSetC,
}

func TestAgainstCryptobin(t *testing.T) {
	for name, newCB := range cryptobinCurves {
		t.Run(name, func(t *testing.T) {
			c, _ := CurveByName(name)
			cb := newCB()
			key, err := GenerateKey(c, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			cbKey, err := cbgost.NewPrivateKey(cb, key.Raw())
			if err != nil {
				t.Fatal(err)
			}
			if got := cbgost.ToPublicKey(&cbKey.PublicKey); !bytes.Equal(got, key.Public().Raw()) {
				t.Fatalf("go-cryptobin derives public key %x, we %x", got, key.Public().Raw())
			}
			// go-cryptobin writes the private key in twice the scalar size
			// (zero-padded), unlike OpenSSL's PKCS#8 content.
			if got := cbgost.ToPrivateKey(cbKey); len(got) != 2*c.ScalarSize() || !bytes.Equal(got[:c.ScalarSize()], key.Raw()) {
				t.Fatalf("go-cryptobin private key form changed: %d bytes", len(got))
			}
			digest := make([]byte, c.ScalarSize())
			rand.Read(digest)
			sig, err := key.Sign(rand.Reader, digest)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := cbgost.Verify(&cbKey.PublicKey, digest, sig); err != nil || !ok {
				t.Fatalf("go-cryptobin rejects our signature: %v, %v", ok, err)
			}
			cbSig, err := cbgost.Sign(rand.Reader, cbKey, digest)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := key.Public().Verify(digest, cbSig); err != nil || !ok {
				t.Fatalf("we reject go-cryptobin's signature: %v, %v", ok, err)
			}
		})
	}
	msg := make([]byte, 777)
	rand.Read(msg)
	h := cbstreebog.New()
	h.Write(msg)
	if want := streebog.Sum256(msg); !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("go-cryptobin's Streebog-256 differs")
	}
}

func BenchmarkCryptobin(b *testing.B) {
	c := cbgost.CurveIdGostR34102001CryptoProAParamSet()
	key, err := cbgost.GenerateKey(rand.Reader, c)
	if err != nil {
		b.Fatal(err)
	}
	digest := make([]byte, 32)
	rand.Read(digest)
	sig, _ := cbgost.Sign(rand.Reader, key, digest)
	b.Run("Sign", func(b *testing.B) {
		for b.Loop() {
			cbgost.Sign(rand.Reader, key, digest)
		}
	})
	b.Run("Verify", func(b *testing.B) {
		for b.Loop() {
			cbgost.Verify(&key.PublicKey, digest, sig)
		}
	})
	b.Run("Streebog256", func(b *testing.B) {
		buf := make([]byte, 8192)
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			h := cbstreebog.New()
			h.Write(buf)
			h.Sum(nil)
		}
	})
}
