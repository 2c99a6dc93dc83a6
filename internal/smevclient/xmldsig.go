package smevclient

import (
	"context"
	"fmt"

	"github.com/okno-oiv/okno/internal/esign/xmlsig"
)

// XMLDSigSigner is the production Signer: a detached GOST R 34.10-2012
// XMLDSig made by internal/esign/xmlsig (exc-c14n, then the SMEV transform),
// with the certificate in KeyInfo.
type XMLDSigSigner struct {
	// Key signs Streebog digests; *esign.Signer is one.
	Key xmlsig.Signer
	// Certificate is the DER certificate of Key, registered with SMEV.
	Certificate []byte
}

// SignElement signs the element with Id=id in element.
func (s XMLDSigSigner) SignElement(_ context.Context, element []byte, id string) ([]byte, error) {
	sig, err := xmlsig.Sign(element, id, s.Key, s.Certificate)
	if err != nil {
		return nil, fmt.Errorf("xmldsig sign #%s: %w", id, err)
	}
	return sig, nil
}

// XMLDSigVerifier is the production Verifier: it checks the GOST XMLDSig
// with the certificate from KeyInfo and returns that certificate, which the
// client then compares with the pinned SMEV certificates.
type XMLDSigVerifier struct{}

// VerifyElement checks the signature over the element with Id=id in doc.
func (XMLDSigVerifier) VerifyElement(_ context.Context, doc []byte, id string) ([]byte, error) {
	cert, err := xmlsig.Verify(doc, id, xmlsig.VerifyOptions{})
	if err != nil {
		return nil, fmt.Errorf("xmldsig verify #%s: %w", id, err)
	}
	return cert.Raw, nil
}
