package esign

import (
	"bytes"
	"crypto/rand"
	"testing"
)

func benchmarkSigner(b *testing.B, paramSet string) (*testCA, *PrivateKey, *Certificate) {
	ca := newTestCA(b, certOptions{paramSet: paramSet})
	key, cert := ca.issue(b, certOptions{paramSet: paramSet, subject: qualifiedSubject})
	return ca, key, cert
}

func BenchmarkSignDetached1MiB(b *testing.B) {
	for _, ps := range []string{"TCA", "512A"} {
		b.Run(ps, func(b *testing.B) {
			_, key, cert := benchmarkSigner(b, ps)
			doc := document(1 << 20)
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := SignDetached(bytes.NewReader(doc), key, cert); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyDetached1MiBWithChain(b *testing.B) {
	for _, ps := range []string{"TCA", "512A"} {
		b.Run(ps, func(b *testing.B) {
			ca, key, cert := benchmarkSigner(b, ps)
			doc := document(1 << 20)
			sig, err := SignDetached(bytes.NewReader(doc), key, cert)
			if err != nil {
				b.Fatal(err)
			}
			opts := VerifyOptions{Roots: NewPool(ca.cert)}
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := VerifyDetached(bytes.NewReader(doc), sig, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseCertificate(b *testing.B) {
	_, _, cert := benchmarkSigner(b, "TCA")
	for b.Loop() {
		if _, err := ParseCertificate(cert.Raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenSealedKey measures what a head waits for on each signing
// with the default argon2id costs.
func BenchmarkOpenSealedKey(b *testing.B) {
	key, err := GenerateKey(rand.Reader, "TCA")
	if err != nil {
		b.Fatal(err)
	}
	sealed, err := SealKey(rand.Reader, key, "735921", DefaultKDFParams())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := sealed.Open("735921"); err != nil {
			b.Fatal(err)
		}
	}
}
