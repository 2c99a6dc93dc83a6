package xmlsig

import (
	"fmt"
	"strings"
	"testing"
)

// The benchmarks run on sampleRequest, a SendRequest with an FNS EGRUL request inside
// (about 1 KB), the typical element Okno signs.

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

// hostileNamespaces builds about 1 MB of XML made to punish namespace handling that scans
// enclosing declarations: 64 nested elements declaring 100 prefixes each, then 20000 leaves
// using the one prefix declared outermost.
func hostileNamespaces() []byte {
	var b strings.Builder
	b.WriteString(`<q:root xmlns:q="urn:root">`)
	for depth := range 64 {
		b.WriteString("<q:e")
		for i := range 100 {
			fmt.Fprintf(&b, ` xmlns:p%d="urn:d%d:n%d"`, i, depth, i)
		}
		b.WriteString(">")
	}
	for range 20000 {
		b.WriteString(`<q:leaf q:a="1"/>`)
	}
	for range 64 {
		b.WriteString("</q:e>")
	}
	b.WriteString("</q:root>")
	return []byte(b.String())
}

func BenchmarkHostileNamespaces(b *testing.B) {
	data := hostileNamespaces()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		doc, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		Canonicalize(doc.Root(), []string{"p50"})
		if _, err := TransformElement(doc.Root()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHostileText parses one text node split into 100000 pieces by comments, which
// must be joined in linear time.
func BenchmarkHostileText(b *testing.B) {
	data := []byte(`<r xmlns="urn:r">` + strings.Repeat("ab<!---->", 100000) + `</r>`)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		doc, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(doc.Root().Text()); n != 200000 {
			b.Fatalf("text of %d bytes, want 200000", n)
		}
	}
}
