package xmlsig

import (
	"testing"
)

// The benchmarks run on sampleRequest, a SendRequest with an FNS EGRUL request inside
// (about 1.3 KB), the typical element Okno signs.

func BenchmarkParse(b *testing.B) {
	data := []byte(sampleRequest)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalize(b *testing.B) {
	el := benchElement(b)
	for b.Loop() {
		Canonicalize(el, nil)
	}
}

func BenchmarkTransformElement(b *testing.B) {
	el := benchElement(b)
	for b.Loop() {
		if _, err := TransformElement(el); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSign is the whole signing of a request: parse, transform, two Streebog digests
// and one GOST R 34.10-2012 signature.
func BenchmarkSign(b *testing.B) {
	for _, paramSet := range []string{"A", "512A"} {
		b.Run(paramSet, func(b *testing.B) {
			s := newSigner(b, paramSet, "CN=ИС Окно")
			data := []byte(sampleRequest)
			for b.Loop() {
				if _, err := Sign(data, signedID, s, s.Cert.Raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	s := newSigner(b, "A", "CN=ИС Окно")
	signed := []byte(signRequest(b, s))
	opts := VerifyOptions{Certificate: s.Cert}
	for b.Loop() {
		if _, err := Verify(signed, signedID, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func benchElement(b *testing.B) *Element {
	b.Helper()
	el, err := mustParse(b, sampleRequest).ElementByID(signedID)
	if err != nil {
		b.Fatal(err)
	}
	return el
}
