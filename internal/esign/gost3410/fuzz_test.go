package gost3410

import (
	"errors"
	"testing"
)

// FuzzVerify feeds arbitrary keys, digests and signatures to the parsing
// and verification entry points: they must return a result or one of the
// documented errors, and never panic.
func FuzzVerify(f *testing.F) {
	c := mustCurve(f, "A")
	key, err := NewPrivateKey(c, make32(7))
	if err != nil {
		f.Fatal(err)
	}
	digest := make32(1)
	sig, err := key.Sign(onesReader{}, digest)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(key.Public().Raw(), digest, sig)
	f.Fuzz(func(t *testing.T, rawKey, digest, sig []byte) {
		for _, name := range []string{"A", "CryptoPro-A", "512-C"} {
			c := mustCurve(t, name)
			pub, err := NewPublicKey(c, rawKey)
			if err != nil {
				if !errors.Is(err, ErrKeyLength) && !errors.Is(err, ErrPointNotOnCurve) && !errors.Is(err, ErrPointNotInGroup) {
					t.Fatalf("NewPublicKey: unexpected error %v", err)
				}
				continue
			}
			if _, err := pub.Verify(digest, sig); err != nil &&
				!errors.Is(err, ErrDigestLength) && !errors.Is(err, ErrSignatureLength) && !errors.Is(err, ErrSignatureRange) {
				t.Fatalf("Verify: unexpected error %v", err)
			}
		}
	})
}

func make32(first byte) []byte {
	b := make([]byte, 32)
	b[0] = first
	return b
}

// onesReader yields 0x01 bytes: a fixed nonce source for the seed corpus.
type onesReader struct{}

func (onesReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 1
	}
	return len(p), nil
}
