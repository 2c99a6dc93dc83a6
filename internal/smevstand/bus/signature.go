package bus

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// SignatureVerifier checks the cryptography of the detached XMLDSig
// signature in doc over the element whose Id is id: the reference digest and
// the signature value under the DER certificate cert. The bus itself checks
// what is SMEV policy (presence, target, registered and valid certificate).
type SignatureVerifier interface {
	Verify(doc []byte, id string, cert []byte) error
}

// SignatureMaker makes the stand's SMEVSignature: a detached ds:Signature
// over the element of doc whose Id attribute is id.
type SignatureMaker interface {
	Sign(doc []byte, id string) ([]byte, error)
}

// dsSignature is the part of ds:Signature the bus reads for policy checks.
type dsSignature struct {
	XMLName    xml.Name `xml:"http://www.w3.org/2000/09/xmldsig# Signature"`
	References []struct {
		URI string `xml:"URI,attr"`
	} `xml:"http://www.w3.org/2000/09/xmldsig# SignedInfo>Reference"`
	Certificates []string `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo>X509Data>X509Certificate"`
}

// CertificateParser reads a DER certificate far enough to check its
// validity period at a moment.
type CertificateParser func(der []byte) (notBefore, notAfter time.Time, err error)

// checkCaller applies SMEV's signature policy to the caller's signature
// over the element with Id wantID and returns the authenticated system.
func (b *Bus) checkCaller(envelope []byte, sig *message.Signature, wantID string) (*System, error) {
	if sig == nil || strings.TrimSpace(string(sig.XML)) == "" {
		return nil, sigFault(message.SigNoSignatureFound, "the call carries no CallerInformationSystemSignature")
	}
	var ds dsSignature
	if err := xml.Unmarshal(sig.XML, &ds); err != nil {
		return nil, sigFault(message.SigSignatureIsInvalid, "CallerInformationSystemSignature is not a ds:Signature: %v", err)
	}
	if wantID == "" {
		return nil, sigFault(message.SigIncorrectSignatureTarget, "the signed element has no Id attribute")
	}
	if len(ds.References) != 1 || ds.References[0].URI != "#"+wantID {
		uris := make([]string, len(ds.References))
		for i, r := range ds.References {
			uris[i] = r.URI
		}
		return nil, sigFault(message.SigIncorrectSignatureTarget, "signature references %q, want exactly #%s", uris, wantID)
	}
	if len(ds.Certificates) != 1 {
		return nil, sigFault(message.SigCertificateIsNotFound, "signature carries %d X509Certificate elements, want 1", len(ds.Certificates))
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(ds.Certificates[0]), ""))
	if err != nil {
		return nil, sigFault(message.SigSignatureIsInvalid, "X509Certificate is not base64: %v", err)
	}
	sys, ok := b.systems.ByCertificate(der)
	if !ok {
		return nil, sigFault(message.SigCertificateIsNotFound, "the signing certificate is not registered with the stand")
	}
	notBefore, notAfter, err := b.parseCert(der)
	if err != nil {
		return nil, sigFault(message.SigSignatureIsInvalid, "signing certificate of %s: %v", sys.Mnemonic, err)
	}
	if now := b.now(); now.Before(notBefore) || now.After(notAfter) {
		return nil, sigFault(message.SigCertificateIsExpired, "certificate of %s is valid from %s to %s",
			sys.Mnemonic, notBefore.UTC().Format(time.RFC3339), notAfter.UTC().Format(time.RFC3339))
	}
	if err := b.verifier.Verify(envelope, wantID, der); err != nil {
		return nil, sigFault(message.SigSignatureIsInvalid, "signature of %s does not verify: %v", sys.Mnemonic, err)
	}
	return sys, nil
}

func sigFault(code message.SignatureFaultCode, format string, args ...any) *message.Fault {
	f := newFault(message.FaultSignatureVerification, format, args...)
	f.SignatureCode = code
	return f
}

func newFault(kind message.FaultKind, format string, args ...any) *message.Fault {
	msg := fmt.Sprintf(format, args...)
	return &message.Fault{Kind: kind, FaultString: msg, Code: string(kind), Description: msg}
}

// asFault returns err's SMEV fault, or SMEVFailure for an internal error
// (whose detail stays in the stand's log, not in the reply).
func asFault(err error) *message.Fault {
	var f *message.Fault
	if errors.As(err, &f) {
		return f
	}
	return &message.Fault{Kind: message.FaultSMEVFailure, FaultString: "internal failure of the stand; retry"}
}

// SignAs makes the sender's signature (ЭП-ОВ) over v, an element carrying
// Id id, for the stand's own participants; a nil signer leaves the message
// unsigned.
func SignAs(signer SignatureMaker, v any, id string) (*message.Signature, error) {
	if signer == nil {
		return nil, nil
	}
	doc, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("serialize %T to sign: %w", v, err)
	}
	sig, err := signer.Sign(doc, id)
	if err != nil {
		return nil, fmt.Errorf("sign %T: %w", v, err)
	}
	return &message.Signature{XML: sig}, nil
}
