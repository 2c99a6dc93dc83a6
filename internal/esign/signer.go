package esign

import (
	"crypto/rand"
	"fmt"
	"hash"
	"io"
)

// Signer is an information system's key and certificate (ЭП-ОВ), the pair
// that signs SMEV calls. The XMLDSig code hashes with Hash, signs with
// SignDigest and puts Cert.Raw into KeyInfo.
type Signer struct {
	Key  *PrivateKey
	Cert *Certificate
}

// ParseSignerPEM reads a "PRIVATE KEY" and a "CERTIFICATE" PEM (they may be
// the same file) and checks that the key belongs to the certificate.
func ParseSignerPEM(keyPEM, certPEM []byte) (*Signer, error) {
	key, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, wrap("signer key", err)
	}
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return nil, wrap("signer certificate", err)
	}
	return NewSigner(key, cert)
}

// NewSigner pairs a key with its certificate.
func NewSigner(key *PrivateKey, cert *Certificate) (*Signer, error) {
	if !cert.PublicKey.Equal(key.Public()) {
		return nil, fmt.Errorf("esign: signer: %w", ErrKeyMismatch)
	}
	return &Signer{Key: key, Cert: cert}, nil
}

// Hash returns a new Streebog hash of the size the key signs.
func (s *Signer) Hash() hash.Hash { return s.Key.ParamSet().NewHash() }

// SignDigest signs a digest made with Hash; the signature is s||r.
func (s *Signer) SignDigest(digest []byte) ([]byte, error) {
	return s.Key.SignDigest(rand.Reader, digest)
}

// SignDetached makes a detached CMS signature of the document read from r.
func (s *Signer) SignDetached(r io.Reader) ([]byte, error) {
	return SignDetached(r, s.Key, s.Cert)
}

// VerifyUploaded accepts a detached signature made outside Okno (a .sig a
// person brings) only if it verifies against the document read from r and
// was made with the person's registered certificate; opts.Roots, if set,
// also requires the certificate to chain to a trusted root.
func VerifyUploaded(r io.Reader, sig []byte, registered *Certificate, opts VerifyOptions) (*SignerInfo, error) {
	if registered == nil {
		return nil, fmt.Errorf("esign: verify uploaded signature: no registered certificate")
	}
	opts.Signer = registered
	info, err := VerifyDetached(r, sig, opts)
	if err != nil {
		return nil, wrap("uploaded signature", err)
	}
	return info, nil
}
