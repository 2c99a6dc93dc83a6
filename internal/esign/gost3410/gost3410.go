// Package gost3410 implements GOST R 34.10-2012 digital signatures
// (RFC 7091) on the twelve named parameter sets used in Russia: keys,
// signing and verification over a digest computed elsewhere (normally
// Streebog, package streebog).
//
// It owns the elliptic-curve mathematics and the raw byte forms of keys and
// signatures, and nothing about ASN.1 containers, which belong to package
// esign. All byte forms are the ones OpenSSL's gost engine reads and
// writes, so keys and signatures travel unchanged between the two:
//
//   - private key: the scalar d, little-endian, ScalarSize bytes — the
//     content of the PKCS#8 privateKey OCTET STRING;
//   - public key: X||Y, each coordinate little-endian, PointSize bytes —
//     the content of the OCTET STRING inside the SubjectPublicKeyInfo BIT
//     STRING;
//   - signature: s||r, each big-endian, SignatureSize bytes — the form
//     of RFC 4491/RFC 7091 carried by CMS and XMLDSig;
//   - digest: the hash bytes as Streebog outputs them; the standard reads
//     them as a little-endian number α and signs e = α mod q (e = 1 if 0).
package gost3410

import (
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Errors callers can test for with errors.Is.
var (
	ErrUnknownCurve       = errors.New("gost3410: unknown parameter set")
	ErrKeyLength          = errors.New("gost3410: wrong key length")
	ErrKeyRange           = errors.New("gost3410: private key out of range 0 < d < q")
	ErrPointNotOnCurve    = errors.New("gost3410: public key point is not on the curve")
	ErrPointNotInGroup    = errors.New("gost3410: public key point is not in the subgroup of order q")
	ErrDigestLength       = errors.New("gost3410: wrong digest length")
	ErrSignatureLength    = errors.New("gost3410: wrong signature length")
	ErrSignatureRange     = errors.New("gost3410: signature r or s out of range 0 < v < q")
	ErrRandomSourceFailed = errors.New("gost3410: random source failed")
)

// PrivateKey is a signing key d with its public key Q = d·P.
type PrivateKey struct {
	curve *Curve
	d     scalar
	pub   *PublicKey
}

// PublicKey is a point Q on a curve.
type PublicKey struct {
	curve *Curve
	x, y  *big.Int
}

// GenerateKey draws d uniformly from [1, q-1] using rand.
func GenerateKey(c *Curve, rand io.Reader) (*PrivateKey, error) {
	d, err := c.randomScalar(rand)
	if err != nil {
		return nil, fmt.Errorf("generate key on %s: %w", c.Name, err)
	}
	return c.newPrivateKey(d), nil
}

// NewPrivateKey reads a raw private key: ScalarSize bytes, little-endian,
// as in the PKCS#8 OCTET STRING written by OpenSSL's gost engine.
func NewPrivateKey(c *Curve, raw []byte) (*PrivateKey, error) {
	if len(raw) != c.size {
		return nil, fmt.Errorf("%w: private key on %s has %d bytes, want %d", ErrKeyLength, c.Name, len(raw), c.size)
	}
	d := c.scalarFromLE(raw)
	if !c.inScalarRange(d) {
		return nil, fmt.Errorf("%w (curve %s)", ErrKeyRange, c.Name)
	}
	return c.newPrivateKey(d), nil
}

func (c *Curve) newPrivateKey(d scalar) *PrivateKey {
	x, y := c.baseMult(d)
	return &PrivateKey{curve: c, d: d, pub: &PublicKey{curve: c, x: x, y: y}}
}

// Curve returns the parameter set of the key.
func (k *PrivateKey) Curve() *Curve { return k.curve }

// Raw returns d little-endian in ScalarSize bytes (the PKCS#8 form).
func (k *PrivateKey) Raw() []byte { return k.curve.scalarToLE(k.d) }

// Public returns the public key Q = d·P.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// NewPublicKey reads a raw public key: X||Y, each little-endian, as in the
// OCTET STRING of a SubjectPublicKeyInfo written by OpenSSL. The point
// must lie on the curve and, on the two sets with cofactor 4, in the
// subgroup of order q (one extra scalar multiplication there).
func NewPublicKey(c *Curve, raw []byte) (*PublicKey, error) {
	if len(raw) != 2*c.size {
		return nil, fmt.Errorf("%w: public key on %s has %d bytes, want %d", ErrKeyLength, c.Name, len(raw), 2*c.size)
	}
	x := new(big.Int).SetBytes(reversed(raw[:c.size]))
	y := new(big.Int).SetBytes(reversed(raw[c.size:]))
	if !c.onCurve(x, y) {
		return nil, fmt.Errorf("%w (curve %s)", ErrPointNotOnCurve, c.Name)
	}
	// y = 0 is a point of order two; otherwise q·Q must be infinity.
	if c.cofactor != 1 {
		if _, finite := c.combinedMult(new(big.Int), c.q, x, y); finite || y.Sign() == 0 {
			return nil, fmt.Errorf("%w (curve %s)", ErrPointNotInGroup, c.Name)
		}
	}
	return &PublicKey{curve: c, x: x, y: y}, nil
}

// Curve returns the parameter set of the key.
func (k *PublicKey) Curve() *Curve { return k.curve }

// Raw returns X||Y, each coordinate little-endian (the SubjectPublicKeyInfo form).
func (k *PublicKey) Raw() []byte {
	out := make([]byte, 2*k.curve.size)
	k.x.FillBytes(out[:k.curve.size])
	k.y.FillBytes(out[k.curve.size:])
	reverse(out[:k.curve.size])
	reverse(out[k.curve.size:])
	return out
}

// Equal reports whether k and other are the same point on the same curve.
func (k *PublicKey) Equal(other *PublicKey) bool {
	return other != nil && k.curve.OID.Equal(other.curve.OID) && k.x.Cmp(other.x) == 0 && k.y.Cmp(other.y) == 0
}

// Sign signs digest (ScalarSize bytes, as the hash function output it) and
// returns s||r, each big-endian in ScalarSize bytes. The nonce k is drawn
// from rand for every signature.
func (k *PrivateKey) Sign(rand io.Reader, digest []byte) ([]byte, error) {
	c := k.curve
	e, err := c.digestToE(digest)
	if err != nil {
		return nil, err
	}
	// r or s is zero with probability about 2/q; the loop is for the standard's sake.
	for {
		nonce, err := c.randomScalar(rand)
		if err != nil {
			return nil, fmt.Errorf("sign on %s: %w", c.Name, err)
		}
		if sig, ok := c.signWithNonce(k.d, e, nonce); ok {
			return sig, nil
		}
	}
}

// Verify checks a signature s||r over digest. A well-formed signature that
// does not match returns false and no error; malformed input (lengths,
// r or s outside (0, q)) returns an error.
func (k *PublicKey) Verify(digest, sig []byte) (bool, error) {
	c := k.curve
	e, err := c.digestToE(digest)
	if err != nil {
		return false, err
	}
	if len(sig) != 2*c.size {
		return false, fmt.Errorf("%w: %d bytes on %s, want %d", ErrSignatureLength, len(sig), c.Name, 2*c.size)
	}
	s := new(big.Int).SetBytes(sig[:c.size])
	r := new(big.Int).SetBytes(sig[c.size:])
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(c.q) >= 0 || s.Cmp(c.q) >= 0 {
		return false, fmt.Errorf("%w (curve %s)", ErrSignatureRange, c.Name)
	}
	v := new(big.Int).ModInverse(e, c.q)
	z1 := new(big.Int).Mul(s, v)
	z1.Mod(z1, c.q)
	z2 := new(big.Int).Mul(r, v)
	z2.Neg(z2).Mod(z2, c.q)
	x, ok := c.combinedMult(z1, z2, k.x, k.y)
	if !ok {
		return false, nil
	}
	x.Mod(x, c.q)
	return x.Cmp(r) == 0, nil
}

// digestToE reads the digest as the little-endian number α and returns
// e = α mod q, or 1 when that is zero (step 2 of the standard).
func (c *Curve) digestToE(digest []byte) (*big.Int, error) {
	if len(digest) != c.size {
		return nil, fmt.Errorf("%w: %d bytes for %s, want %d", ErrDigestLength, len(digest), c.Name, c.size)
	}
	e := new(big.Int).SetBytes(reversed(digest))
	e.Mod(e, c.q)
	if e.Sign() == 0 {
		e.SetInt64(1)
	}
	return e, nil
}

// signWithNonce computes the signature for e with nonce k; ok is false when
// r or s came out zero and another nonce is needed.
func (c *Curve) signWithNonce(d scalar, e *big.Int, k scalar) ([]byte, bool) {
	x, _ := c.baseMult(k)
	r := x.Mod(x, c.q)
	if r.Sign() == 0 {
		return nil, false
	}
	s := c.signS(r, d, k, e)
	if s.Sign() == 0 {
		return nil, false
	}
	sig := make([]byte, 2*c.size)
	s.FillBytes(sig[:c.size])
	r.FillBytes(sig[c.size:])
	return sig, true
}

func reversed(b []byte) []byte {
	out := make([]byte, len(b))
	for i, v := range b {
		out[len(b)-1-i] = v
	}
	return out
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}
