package xmlsig

import (
	"encoding/base64"
	"errors"
	"fmt"
	"hash"

	"github.com/okno-oiv/okno/internal/esign/streebog"
)

// Algorithm identifiers of XMLDSig with GOST (draft-smirnov-xmldsig, Р 1323565.1.033-2020).
const (
	NamespaceDSig = "http://www.w3.org/2000/09/xmldsig#"

	AlgGOST2012Sign256   = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256"
	AlgGOST2012Sign512   = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-512"
	AlgGOST2012Digest256 = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256"
	AlgGOST2012Digest512 = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-512"
)

// ErrUnsupportedAlgorithm reports an algorithm or transform this package does not implement.
var ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")

// Signer makes GOST R 34.10-2012 signatures with an information system's key; *esign.Signer
// is one.
type Signer interface {
	// SignDigest signs a Streebog digest of the size Hash produces and returns the signature
	// as RFC 4491 and RFC 7091 lay it out: s then r, big-endian, 64 or 128 bytes.
	SignDigest(digest []byte) ([]byte, error)
	// Hash returns a new Streebog hash matching the key: 256-bit for 256-bit keys, 512-bit
	// for 512-bit keys. It picks SignatureMethod and DigestMethod.
	Hash() hash.Hash
}

// suite is the pair of algorithms used for one key size.
type suite struct {
	signature, digest string
	newHash           func() hash.Hash
}

var (
	suite256 = suite{signature: AlgGOST2012Sign256, digest: AlgGOST2012Digest256, newHash: streebog.New256}
	suite512 = suite{signature: AlgGOST2012Sign512, digest: AlgGOST2012Digest512, newHash: streebog.New512}
)

func suiteForHashSize(size int) (suite, error) {
	switch size {
	case streebog.Size256:
		return suite256, nil
	case streebog.Size512:
		return suite512, nil
	}
	return suite{}, fmt.Errorf("%w: signer hash of %d bytes is not Streebog", ErrUnsupportedAlgorithm, size)
}

// Sign signs the element of doc whose Id is id and returns a detached ds:Signature element
// for the caller to place, e.g. inside CallerInformationSystemSignature. The Reference is
// URI="#id" with the transforms exc-c14n then the SMEV transform; SignedInfo is
// canonicalized with exc-c14n; KeyInfo carries cert, the signer's DER certificate.
//
// The signed element must not change afterwards, but the signature may be inserted
// anywhere: exc-c14n makes both digests independent of the surrounding document.
func Sign(doc []byte, id string, s Signer, cert []byte) ([]byte, error) {
	d, err := Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("xmldsig sign: %w", err)
	}
	return SignDocument(d, id, s, cert)
}

// SignDocument is Sign for a document already parsed.
func SignDocument(doc *Document, id string, s Signer, cert []byte) ([]byte, error) {
	el, err := doc.ElementByID(id)
	if err != nil {
		return nil, fmt.Errorf("xmldsig sign: %w", err)
	}
	su, err := suiteForHashSize(s.Hash().Size())
	if err != nil {
		return nil, fmt.Errorf("xmldsig sign: %w", err)
	}
	if len(cert) == 0 {
		return nil, errors.New("xmldsig sign: no signer certificate")
	}
	transformed, err := TransformElement(el)
	if err != nil {
		return nil, fmt.Errorf("xmldsig sign: %w", err)
	}
	h := su.newHash()
	h.Write(transformed)
	digest := h.Sum(nil)

	signedInfo := buildSignedInfo(id, su, digest)
	// SignedInfo is digested in its canonical form as it will stand inside the Signature:
	// parse it in that context rather than trusting the template to be canonical.
	framed := append(append([]byte(`<ds:Signature xmlns:ds="`+NamespaceDSig+`">`), signedInfo...), "</ds:Signature>"...)
	sigDoc, err := Parse(framed)
	if err != nil {
		return nil, fmt.Errorf("xmldsig sign: build SignedInfo: %w", err)
	}
	h = s.Hash()
	h.Write(Canonicalize(sigDoc.Root().Elements()[0], nil))
	value, err := s.SignDigest(h.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("xmldsig sign: sign SignedInfo: %w", err)
	}

	out := make([]byte, 0, len(framed)+base64.StdEncoding.EncodedLen(len(value))+base64.StdEncoding.EncodedLen(len(cert))+160)
	out = append(out, framed[:len(framed)-len("</ds:Signature>")]...)
	out = append(out, "<ds:SignatureValue>"...)
	out = base64.StdEncoding.AppendEncode(out, value)
	out = append(out, "</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"...)
	out = base64.StdEncoding.AppendEncode(out, cert)
	out = append(out, "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"...)
	return out, nil
}

func buildSignedInfo(id string, su suite, digest []byte) []byte {
	b := []byte(`<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="` + AlgExcC14N + `"></ds:CanonicalizationMethod>`)
	b = append(b, `<ds:SignatureMethod Algorithm="`+su.signature+`"></ds:SignatureMethod><ds:Reference URI="#`...)
	b = appendC14NAttrValue(b, id)
	b = append(b, `"><ds:Transforms><ds:Transform Algorithm="`+AlgExcC14N+`"></ds:Transform>`...)
	b = append(b, `<ds:Transform Algorithm="`+AlgSMEVTransform+`"></ds:Transform></ds:Transforms>`...)
	b = append(b, `<ds:DigestMethod Algorithm="`+su.digest+`"></ds:DigestMethod><ds:DigestValue>`...)
	b = base64.StdEncoding.AppendEncode(b, digest)
	return append(b, "</ds:DigestValue></ds:Reference></ds:SignedInfo>"...)
}
