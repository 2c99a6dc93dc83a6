package xmlsig

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzCanonicalForms checks properties that hold for every document the parser accepts:
// canonicalization and the SMEV transform are idempotent, and transforming the element
// equals transforming its canonical form (the shortcut Sign and Verify take).
func FuzzCanonicalForms(f *testing.F) {
	seeds := []string{
		sampleRequest,
		`<a:r xmlns:a="urn:a" xmlns:b="urn:b" b:x="1" y="&lt;"><b:c xmlns="urn:d"><d/></b:c><!--c--><?p d?></a:r>`,
		"<r xmlns=\"urn:a\" v=\"a\tb&#9;\">\r\n <![CDATA[x]]>&#13;</r>",
		`<r xmlns="urn:a"><x xmlns="urn:b" xmlns:p="urn:a" p:k="v"/></r>`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			return
		}
		root := doc.Root()
		c14n := Canonicalize(root, nil)
		again, err := Parse(c14n)
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, c14n)
		}
		if c2 := Canonicalize(again.Root(), nil); !bytes.Equal(c14n, c2) {
			t.Fatalf("canonicalization is not idempotent:\n%s\n%s", c14n, c2)
		}
		direct, err := TransformElement(root)
		if err != nil {
			return // elements without a namespace
		}
		viaC14N, err := TransformElement(again.Root())
		if err != nil {
			t.Fatalf("transform of the canonical form fails: %v", err)
		}
		if !bytes.Equal(direct, viaC14N) {
			t.Fatalf("transform of the element differs from that of its canonical form:\n%s\n%s", direct, viaC14N)
		}
		if bytes.Contains(direct, []byte(xmlNamespace)) || bytes.ContainsRune(direct, '\r') || hasAttributeWhitespace(root) {
			// Not meant to be reparsed: the transform binds the xml namespace to an nsN
			// prefix, which XML forbids, and writes CR in text and TAB/LF/CR in attribute
			// values unescaped, as the JDK writer does, so a parser normalizes them.
			return
		}
		re, err := Parse(direct)
		if err != nil {
			t.Fatalf("transform output does not parse: %v\n%s", err, direct)
		}
		if twice, _ := TransformElement(re.Root()); !bytes.Equal(direct, twice) {
			t.Fatalf("SMEV transform is not idempotent:\n%s\n%s", direct, twice)
		}
	})
}

// hasAttributeWhitespace tells whether an attribute value or a namespace name (written as
// an attribute value) of the subtree holds TAB, LF or CR.
func hasAttributeWhitespace(e *Element) bool {
	if strings.ContainsAny(e.name.space, "\t\n\r") {
		return true
	}
	for _, a := range e.attrs {
		if strings.ContainsAny(a.value+a.name.space, "\t\n\r") {
			return true
		}
	}
	for _, c := range e.Elements() {
		if hasAttributeWhitespace(c) {
			return true
		}
	}
	return false
}

// FuzzVerify mutates a signed request: Verify must never panic, and whatever it accepts must
// carry exactly the content that was signed.
func FuzzVerify(f *testing.F) {
	s := newSigner(f, "A", "CN=ИС Окно")
	signed := signRequest(f, s)
	want, err := TransformElement(mustElementByID(f, signed, signedID))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(signed))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Verify(data, signedID, VerifyOptions{Certificate: s.Cert}); err != nil {
			return
		}
		got, err := TransformElement(mustElementByID(t, string(data), signedID))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Verify accepted changed content:\n%s\nsigned:\n%s", got, want)
		}
	})
}

func mustElementByID(t testing.TB, doc, id string) *Element {
	t.Helper()
	el, err := mustParse(t, doc).ElementByID(id)
	if err != nil {
		t.Fatal(err)
	}
	return el
}
