package xmlsig

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
)

// newSigner makes a fresh key on the named parameter set and a self-signed certificate.
func newSigner(t testing.TB, paramSet, subject string) *esign.Signer {
	t.Helper()
	key, err := esign.GenerateKey(rand.Reader, paramSet)
	if err != nil {
		t.Fatal(err)
	}
	name, err := esign.ParseName(subject)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &esign.Template{Subject: name, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}
	cert, err := esign.CreateCertificate(rand.Reader, tmpl, key.Public(), nil, key)
	if err != nil {
		t.Fatal(err)
	}
	s, err := esign.NewSigner(key, cert)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const signedID = "SIGNED_BY_CALLER"

// signRequest signs sampleRequest and places the signature where SMEV expects it.
func signRequest(t testing.TB, s *esign.Signer) string {
	t.Helper()
	sig, err := Sign([]byte(sampleRequest), signedID, s, s.Cert.Raw)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return placeSignature(t, sampleRequest, sig)
}

func placeSignature(t testing.TB, doc string, sig []byte) string {
	t.Helper()
	const slot = "<ns:CallerInformationSystemSignature/>"
	if !strings.Contains(doc, slot) {
		t.Fatalf("document has no %s", slot)
	}
	return strings.Replace(doc, slot, "<ns:CallerInformationSystemSignature>"+string(sig)+"</ns:CallerInformationSystemSignature>", 1)
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		paramSet, signatureMethod, digestMethod string
	}{
		{"A", AlgGOST2012Sign256, AlgGOST2012Digest256},
		{"512A", AlgGOST2012Sign512, AlgGOST2012Digest512},
	} {
		t.Run(tt.paramSet, func(t *testing.T) {
			s := newSigner(t, tt.paramSet, "CN=ИС Окно,O=Окно")
			signed := signRequest(t, s)

			cert, err := Verify([]byte(signed), signedID, VerifyOptions{})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !cert.Equal(s.Cert) {
				t.Errorf("Verify returned certificate %q, want the signer's", cert.Subject.FullName())
			}
			if _, err := Verify([]byte(signed), signedID, VerifyOptions{Certificate: s.Cert}); err != nil {
				t.Errorf("Verify with the signer's certificate: %v", err)
			}

			doc := mustParse(t, signed)
			sig := findSignatures(doc.Root())
			if len(sig) != 1 {
				t.Fatalf("found %d signatures, want 1", len(sig))
			}
			si := firstChildNamed(sig[0], "SignedInfo")
			ref := firstChildNamed(si, "Reference")
			checks := []struct{ what, got, want string }{
				{"CanonicalizationMethod", attr(firstChildNamed(si, "CanonicalizationMethod"), "Algorithm"), AlgExcC14N},
				{"SignatureMethod", attr(firstChildNamed(si, "SignatureMethod"), "Algorithm"), tt.signatureMethod},
				{"DigestMethod", attr(firstChildNamed(ref, "DigestMethod"), "Algorithm"), tt.digestMethod},
				{"Reference URI", attr(ref, "URI"), "#" + signedID},
			}
			transforms := childrenNamed(firstChildNamed(ref, "Transforms"), "Transform")
			if len(transforms) != 2 {
				t.Fatalf("%d transforms, want 2", len(transforms))
			}
			checks = append(checks,
				struct{ what, got, want string }{"first transform", attr(transforms[0], "Algorithm"), AlgExcC14N},
				struct{ what, got, want string }{"second transform", attr(transforms[1], "Algorithm"), AlgSMEVTransform})
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			der, err := keyInfoCertificate(sig[0])
			if err != nil || !bytes.Equal(der, s.Cert.Raw) {
				t.Errorf("KeyInfo certificate differs from the signer's (err %v)", err)
			}
		})
	}
}

func attr(e *Element, local string) string {
	v, _ := e.Attr("", local)
	return v
}

// What a signature must survive: changes that the transforms erase.
func TestVerifyToleratesInsignificantChanges(t *testing.T) {
	s := newSigner(t, "A", "CN=ИС Окно")
	signed := signRequest(t, s)
	tests := []struct {
		name   string
		change func(string) string
	}{
		{"unchanged", func(d string) string { return d }},
		{"indentation removed", func(d string) string {
			return strings.NewReplacer("\n", "", "  ", "").Replace(d)
		}},
		{"prefixes renamed", func(d string) string {
			return strings.NewReplacer("<ns:", "<t:", "</ns:", "</t:", "xmlns:ns=", "xmlns:t=",
				"<req:", "<q:", "</req:", "</q:", "xmlns:req=", "xmlns:q=").Replace(d)
		}},
		{"namespace declared on the signed element instead of the root", func(d string) string {
			return strings.Replace(d, `<ns:SenderProvidedRequestData Id=`,
				`<ns:SenderProvidedRequestData xmlns:ns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3" Id=`, 1)
		}},
		{"comment inside the signed element", func(d string) string {
			return strings.Replace(d, "<ns:TestMessage/>", "<!-- тест --><ns:TestMessage></ns:TestMessage>", 1)
		}},
		{"attribute quotes and order", func(d string) string {
			return strings.Replace(d, `<req:FNSVipULRequest xmlns:req="urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.6" ИдДок="6f1a">`,
				`<req:FNSVipULRequest ИдДок='6f1a' xmlns:req='urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.6'>`, 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := tt.change(signed)
			if tt.name != "unchanged" && changed == signed {
				t.Fatal("the change did not apply")
			}
			if _, err := Verify([]byte(changed), signedID, VerifyOptions{Certificate: s.Cert}); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	s := newSigner(t, "A", "CN=ИС Окно")
	other := newSigner(t, "A", "CN=Чужая ИС")
	signed := signRequest(t, s)
	sigValue := between(t, signed, "<ds:SignatureValue>", "</ds:SignatureValue>")
	digestValue := between(t, signed, "<ds:DigestValue>", "</ds:DigestValue>")

	tests := []struct {
		name   string
		change func(string) string
		opts   VerifyOptions
		want   error
	}{
		{name: "text changed", change: replace("<req:ОГРН>1027700132195<", "<req:ОГРН>1027700132196<"), want: ErrDigestMismatch},
		{name: "attribute changed", change: replace(`ИдДок="6f1a"`, `ИдДок="6f1b"`), want: ErrDigestMismatch},
		{name: "attribute added", change: replace(`ИдДок="6f1a"`, `ИдДок="6f1a" x="1"`), want: ErrDigestMismatch},
		{name: "element moved", change: func(d string) string {
			d = strings.Replace(d, "<ns:TestMessage/>", "", 1)
			return strings.Replace(d, "<ns:MessageID>", "<ns:TestMessage/><ns:MessageID>", 1)
		}, want: ErrDigestMismatch},
		{name: "element moved out of the signed element", change: func(d string) string {
			d = strings.Replace(d, "<ns:TestMessage/>", "", 1)
			return strings.Replace(d, "<ns:CallerInformationSystemSignature>", "<ns:TestMessage/><ns:CallerInformationSystemSignature>", 1)
		}, want: ErrDigestMismatch},
		{name: "namespace changed", change: replace(`xmlns:req="urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.6"`, `xmlns:req="urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.7"`), want: ErrDigestMismatch},
		{name: "digest value replaced", change: replace(digestValue, base64.StdEncoding.EncodeToString(make([]byte, 32))), want: ErrSignatureInvalid},
		{name: "signature value changed", change: replace(sigValue, flipBase64(t, sigValue)), want: ErrSignatureInvalid},
		{name: "SignedInfo changed", change: replace(`URI="#SIGNED_BY_CALLER"`, `URI="#SIGNED_BY_CALLER" Type="x"`), want: ErrSignatureInvalid},
		{name: "another certificate required", change: replace("", ""), opts: VerifyOptions{Certificate: other.Cert}, want: ErrSignatureInvalid},
		{name: "KeyInfo certificate swapped", change: replace(base64.StdEncoding.EncodeToString(s.Cert.Raw), base64.StdEncoding.EncodeToString(other.Cert.Raw)), want: ErrSignatureInvalid},
		{name: "signed element's Id changed", change: replace(`<ns:SenderProvidedRequestData Id="SIGNED_BY_CALLER">`, `<ns:SenderProvidedRequestData Id="OTHER">`), want: ErrReferenceNotFound},
		{name: "referenced Id missing", change: replace(`<ns:SenderProvidedRequestData Id="SIGNED_BY_CALLER">`, `<ns:SenderProvidedRequestData>`), want: ErrReferenceNotFound},
		{name: "Id duplicated to wrap the signed element", change: replace(`<soap:Body>`, `<soap:Body><ns:SenderProvidedRequestData Id="SIGNED_BY_CALLER"/>`), want: ErrReferenceNotFound},
		{name: "signature removed", change: func(d string) string {
			start, end := strings.Index(d, "<ds:Signature "), strings.Index(d, "</ds:Signature>")+len("</ds:Signature>")
			return d[:start] + d[end:]
		}, want: ErrNoSignature},
		{name: "signature method unknown", change: replace(AlgGOST2012Sign256, "http://www.w3.org/2001/04/xmldsig-more#gostr34102001-gostr3411"), want: ErrUnsupportedAlgorithm},
		{name: "digest method unknown", change: replace(AlgGOST2012Digest256, "http://www.w3.org/2001/04/xmlenc#sha256"), want: ErrUnsupportedAlgorithm},
		{name: "transform unknown", change: replace(`<ds:Transform Algorithm="`+AlgSMEVTransform+`">`, `<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature">`), want: ErrUnsupportedAlgorithm},
		{name: "signature value not base64", change: replace(sigValue, "***"), want: ErrMalformedSignature},
		{name: "too many references", change: func(d string) string {
			ref := between(t, d, "</ds:SignatureMethod>", "</ds:SignedInfo>")
			return strings.Replace(d, ref, strings.Repeat(ref, maxReferences+1), 1)
		}, want: ErrMalformedSignature},
		{name: "too long PrefixList", change: replace(`<ds:CanonicalizationMethod Algorithm="`+AlgExcC14N+`"></ds:CanonicalizationMethod>`,
			`<ds:CanonicalizationMethod Algorithm="`+AlgExcC14N+`"><ec:InclusiveNamespaces xmlns:ec="`+AlgExcC14N+`" PrefixList="`+
				strings.Repeat("p ", maxInclusivePrefixes+1)+`"></ec:InclusiveNamespaces></ds:CanonicalizationMethod>`), want: ErrMalformedSignature},
		{name: "too many transforms", change: func(d string) string {
			tr := `<ds:Transform Algorithm="` + AlgExcC14N + `"></ds:Transform>`
			return strings.Replace(d, tr, strings.Repeat(tr, maxTransforms+1), 1)
		}, want: ErrMalformedSignature},
		{name: "document type declaration", change: func(d string) string {
			return strings.Replace(d, "<soap:Envelope", "<!DOCTYPE soap:Envelope><soap:Envelope", 1)
		}, want: ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := tt.change(signed)
			if tt.opts.Certificate == nil && changed == signed {
				t.Fatal("the change did not apply")
			}
			cert, err := Verify([]byte(changed), signedID, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			if cert != nil {
				t.Errorf("Verify returned a certificate with error %v", err)
			}
		})
	}
}

func TestVerifyRejectsTwoSignaturesOverOneElement(t *testing.T) {
	s := newSigner(t, "A", "CN=ИС Окно")
	sig, err := Sign([]byte(sampleRequest), signedID, s, s.Cert.Raw)
	if err != nil {
		t.Fatal(err)
	}
	doubled := placeSignature(t, sampleRequest, append(bytes.Clone(sig), sig...))
	if _, err := Verify([]byte(doubled), signedID, VerifyOptions{}); !errors.Is(err, ErrAmbiguousSignature) {
		t.Fatalf("Verify error = %v, want %v", err, ErrAmbiguousSignature)
	}
}

// SMEV clients sign the element on its own and then embed it; the signature must hold in
// the final document.
func TestSignStandaloneElementVerifiesEmbedded(t *testing.T) {
	s := newSigner(t, "A", "CN=ИС Окно")
	element := `<ns2:MessageTypeSelector xmlns:ns2="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3" Id="SIGNED_BY_CALLER"><ns2:Timestamp>2026-11-23T08:00:00.000+03:00</ns2:Timestamp></ns2:MessageTypeSelector>`
	sig, err := Sign([]byte(element), signedID, s, s.Cert.Raw)
	if err != nil {
		t.Fatal(err)
	}
	doc := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:basic="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3"><soap:Body>` +
		`<GetRequestRequest xmlns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3">` +
		`<basic:MessageTypeSelector Id="SIGNED_BY_CALLER">` + "\n  " + `<basic:Timestamp>2026-11-23T08:00:00.000+03:00</basic:Timestamp>` + "\n" + `</basic:MessageTypeSelector>` +
		`<CallerInformationSystemSignature>` + string(sig) + `</CallerInformationSystemSignature></GetRequestRequest></soap:Body></soap:Envelope>`
	if _, err := Verify([]byte(doc), signedID, VerifyOptions{Certificate: s.Cert}); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestSignRejects(t *testing.T) {
	s := newSigner(t, "A", "CN=ИС Окно")
	tests := []struct {
		name string
		doc  string
		id   string
		cert []byte
		want error
	}{
		{"missing Id", sampleRequest, "NOPE", s.Cert.Raw, ErrIDNotFound},
		{"duplicate Id", `<r xmlns="urn:a"><a Id="x"/><b Id="x"/></r>`, "x", s.Cert.Raw, ErrDuplicateID},
		{"element without namespace", `<r Id="x"/>`, "x", s.Cert.Raw, ErrNoNamespace},
		{"malformed document", `<r Id="x">`, "x", s.Cert.Raw, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := Sign([]byte(tt.doc), tt.id, s, tt.cert)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sign error = %v, want %v", err, tt.want)
			}
			if sig != nil {
				t.Errorf("Sign returned %q with error", sig)
			}
		})
	}
	if _, err := Sign([]byte(sampleRequest), signedID, s, nil); err == nil {
		t.Error("Sign without a certificate succeeded")
	}
}

func replace(old, new string) func(string) string {
	return func(d string) string { return strings.Replace(d, old, new, 1) }
}

func between(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	j := strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("no %s...%s in %s", start, end, s)
	}
	return s[i+len(start) : j]
}

// flipBase64 changes one bit of a base64 value.
func flipBase64(t *testing.T, v string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	return base64.StdEncoding.EncodeToString(raw)
}

// Signatures made elsewhere may list InclusiveNamespaces under CanonicalizationMethod; the
// listed prefixes then enter the canonical SignedInfo and so the signed bytes.
func TestVerifyHonoursInclusiveNamespaces(t *testing.T) {
	s := newSigner(t, "A", "CN=ИС Окно")
	sig, err := Sign([]byte(sampleRequest), signedID, s, s.Cert.Raw)
	if err != nil {
		t.Fatal(err)
	}
	withList := strings.Replace(string(sig), `<ds:CanonicalizationMethod Algorithm="`+AlgExcC14N+`"></ds:CanonicalizationMethod>`,
		`<ds:CanonicalizationMethod Algorithm="`+AlgExcC14N+`"><ec:InclusiveNamespaces xmlns:ec="`+AlgExcC14N+`" PrefixList="soap"></ec:InclusiveNamespaces></ds:CanonicalizationMethod>`, 1)
	if withList == string(sig) {
		t.Fatal("the change did not apply")
	}
	// Re-sign SignedInfo as it stands in the document, soap prefix in scope.
	placed := placeSignature(t, sampleRequest, []byte(withList))
	si := firstChildNamed(findSignatures(mustParse(t, placed).Root())[0], "SignedInfo")
	canonical := Canonicalize(si, []string{"soap"})
	if !strings.Contains(string(canonical), `xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"`) {
		t.Fatalf("canonical SignedInfo lacks the listed prefix: %s", canonical)
	}
	h := s.Hash()
	h.Write(canonical)
	value, err := s.SignDigest(h.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	old := between(t, placed, "<ds:SignatureValue>", "</ds:SignatureValue>")
	resigned := strings.Replace(placed, old, base64.StdEncoding.EncodeToString(value), 1)
	if _, err := Verify([]byte(resigned), signedID, VerifyOptions{Certificate: s.Cert}); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// The original value was made without the prefix and must no longer verify.
	if _, err := Verify([]byte(placed), signedID, VerifyOptions{Certificate: s.Cert}); !errors.Is(err, ErrSignatureInvalid) {
		t.Fatalf("Verify of the value made without the prefix: error = %v, want %v", err, ErrSignatureInvalid)
	}
}
