package smevclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// Signer makes the information system's signature (ЭП-ОВ) over one element.
type Signer interface {
	// SignElement returns a serialised, self-contained <ds:Signature>
	// (detached; Reference URI "#"+id; transforms exc-c14n then the SMEV
	// transform) over the element carrying Id=id, which is the root of
	// element.
	SignElement(ctx context.Context, element []byte, id string) ([]byte, error)
}

// Verifier checks SMEV's signature on replies.
type Verifier interface {
	// VerifyElement checks the <ds:Signature> in doc whose Reference points
	// at "#"+id and returns the DER certificate it was made with.
	VerifyElement(ctx context.Context, doc []byte, id string) (certificate []byte, err error)
}

// SignerFunc adapts a function to Signer.
type SignerFunc func(ctx context.Context, element []byte, id string) ([]byte, error)

// SignElement calls f.
func (f SignerFunc) SignElement(ctx context.Context, element []byte, id string) ([]byte, error) {
	return f(ctx, element, id)
}

// signedID is the Id Okno gives the element it signs; SMEV looks it up only
// through the signature's Reference.
const signedID = "SIGNED_BY_CALLER"

// sign marshals the element v (which must carry Id=signedID), has it signed
// and returns the signature.
func (c *Client) sign(ctx context.Context, v any) (*message.Signature, error) {
	element, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal signed element %T: %w", v, err)
	}
	sig, err := c.cfg.Signer.SignElement(ctx, element, signedID)
	if err != nil {
		return nil, fmt.Errorf("sign %T: %w", v, err)
	}
	return &message.Signature{XML: sig}, nil
}

// verify checks SMEV's signature over the element with Id=id of the reply
// doc. Without a Verifier replies are taken as they come (test emulators
// do not sign).
func (c *Client) verify(ctx context.Context, doc []byte, sig *message.Signature, id string) error {
	if c.cfg.Verifier == nil {
		return nil
	}
	if sig == nil || len(bytes.TrimSpace(sig.XML)) == 0 {
		return ErrSignatureMissing
	}
	if id == "" {
		return fmt.Errorf("%w: the signed element has no Id", ErrSignatureTarget)
	}
	uri, err := referenceURI(sig.XML)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSignatureInvalid, err)
	}
	if uri != "#"+id {
		return fmt.Errorf("%w: reference %q, want %q", ErrSignatureTarget, uri, "#"+id)
	}
	cert, err := c.cfg.Verifier.VerifyElement(ctx, doc, id)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSignatureInvalid, err)
	}
	for _, trusted := range c.cfg.SMEVCertificates {
		if bytes.Equal(trusted, cert) {
			return nil
		}
	}
	return ErrUnknownSigner
}

// referenceURI finds the URI of the single ds:Reference in a signature. The
// signature was cut out of its envelope, so a prefix declared on the
// envelope may be unbound here; names are matched by local name only.
func referenceURI(sig []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(sig))
	d.Strict = false
	var uris []string
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read signature: %w", err)
		}
		if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "Reference" {
			for _, a := range t.Attr {
				if a.Name.Local == "URI" && a.Name.Space == "" {
					uris = append(uris, a.Value)
				}
			}
		}
	}
	if len(uris) != 1 {
		return "", fmt.Errorf("signature has %d references, want 1", len(uris))
	}
	return uris[0], nil
}
