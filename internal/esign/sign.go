package esign

import (
	"fmt"
	"io"

	"github.com/okno-oiv/okno/internal/esign/gost3410"
)

// curveOf returns the gost3410 curve of a parameter set.
func curveOf(p ParamSet) (*gost3410.Curve, error) {
	c, err := gost3410.CurveByOID(p.OID)
	if err != nil {
		return nil, fmt.Errorf("esign: %w: parameter set %s: %w", ErrUnsupportedAlgorithm, p.Name, err)
	}
	return c, nil
}

// SignDigest signs a Streebog digest of the key's size (as package streebog
// returns it) and returns the signature as s||r, big-endian, the form CMS,
// X.509 and XMLDSig carry.
func (k *PrivateKey) SignDigest(rand io.Reader, digest []byte) ([]byte, error) {
	if len(digest) != k.params.Size {
		return nil, fmt.Errorf("esign: %w: digest is %d bytes, a %d-bit key signs %d", ErrMalformed, len(digest), k.params.Size*8, k.params.Size)
	}
	sig, err := k.key.Sign(rand, digest)
	if err != nil {
		return nil, fmt.Errorf("esign: sign: %w", err)
	}
	return sig, nil
}

// VerifyDigest checks a signature (s||r) over a Streebog digest. A signature
// of the wrong length is ErrMalformed, one that does not verify ErrBadSignature.
func (k *PublicKey) VerifyDigest(digest, sig []byte) error {
	if len(digest) != k.params.Size {
		return fmt.Errorf("esign: %w: digest is %d bytes, a %d-bit key verifies %d", ErrMalformed, len(digest), k.params.Size*8, k.params.Size)
	}
	if len(sig) != 2*k.params.Size {
		return fmt.Errorf("esign: %w: signature is %d bytes, want %d", ErrMalformed, len(sig), 2*k.params.Size)
	}
	ok, err := k.key.Verify(digest, sig)
	if err != nil {
		return fmt.Errorf("esign: %w: %w", ErrBadSignature, err)
	}
	if !ok {
		return fmt.Errorf("esign: %w", ErrBadSignature)
	}
	return nil
}
