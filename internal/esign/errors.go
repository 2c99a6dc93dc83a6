package esign

import (
	"errors"
	"fmt"
	"strings"
)

// Errors callers tell apart with errors.Is. Every error esign returns wraps
// one of these or says precisely what was malformed.
var (
	// ErrMalformed: the PEM, DER or ASN.1 input is not what it claims to be.
	ErrMalformed = errors.New("malformed input")
	// ErrUnsupportedAlgorithm: a key, certificate or signature uses an
	// algorithm other than GOST R 34.10-2012 / GOST R 34.11-2012.
	ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")
	// ErrBadSignature: a signature does not verify.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrDigestMismatch: the document is not the one that was signed.
	ErrDigestMismatch = errors.New("document digest does not match the signed digest")
	// ErrCertificateExpired: a certificate is outside its validity period.
	ErrCertificateExpired = errors.New("certificate is not valid at this time")
	// ErrUntrusted: a certificate does not chain to a trusted root.
	ErrUntrusted = errors.New("certificate is not trusted")
	// ErrKeyUsage: a certificate may not be used for what it was used for.
	ErrKeyUsage = errors.New("certificate key usage does not allow this")
	// ErrWrongSigner: a signature was made by someone other than expected.
	ErrWrongSigner = errors.New("signature made with another certificate")
	// ErrKeyMismatch: a private key does not belong to the certificate.
	ErrKeyMismatch = errors.New("private key does not match the certificate")
	// ErrWrongPIN: the PIN does not open the sealed key. Callers count these
	// towards a lockout.
	ErrWrongPIN = errors.New("wrong PIN")
)

// wrap adds context to an error that already carries the package's
// "esign: " prefix, so the message names the package once:
// "esign: issuer: malformed input: ..." rather than "esign: issuer: esign: ...".
func wrap(context string, err error) error {
	return fmt.Errorf("esign: %s: %w", context, unprefixed{err})
}

// unprefixed shows an error without its "esign: " prefix and unwraps to it.
type unprefixed struct{ err error }

func (u unprefixed) Error() string { return strings.TrimPrefix(u.err.Error(), "esign: ") }
func (u unprefixed) Unwrap() error { return u.err }
