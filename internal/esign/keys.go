package esign

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/okno-oiv/okno/internal/esign/gost3410"
)

// PEM block types OpenSSL uses for PKCS#8 private keys and SubjectPublicKeyInfo.
const (
	pemPrivateKey  = "PRIVATE KEY"
	pemPublicKey   = "PUBLIC KEY"
	pemCertificate = "CERTIFICATE"
)

// PrivateKey is a GOST R 34.10-2012 private key together with its parameter
// set, which decides the curve and the Streebog variant used with it.
type PrivateKey struct {
	params ParamSet
	key    *gost3410.PrivateKey
}

// PublicKey is a GOST R 34.10-2012 public key together with its parameter set.
type PublicKey struct {
	params ParamSet
	key    *gost3410.PublicKey
}

// GenerateKey makes a new key on the named parameter set (see ParamSets).
func GenerateKey(rand io.Reader, paramSet string) (*PrivateKey, error) {
	p, err := ParamSetByName(paramSet)
	if err != nil {
		return nil, err
	}
	c, err := curveOf(p)
	if err != nil {
		return nil, err
	}
	k, err := gost3410.GenerateKey(c, rand)
	if err != nil {
		return nil, fmt.Errorf("esign: generate %s key: %w", p.Name, err)
	}
	return &PrivateKey{params: p, key: k}, nil
}

// ParamSet reports the key's parameter set.
func (k *PrivateKey) ParamSet() ParamSet { return k.params }

// String names the key without showing it, so a key that strays into a log
// line or an error message leaks nothing.
func (k *PrivateKey) String() string {
	return fmt.Sprintf("GOST R 34.10-2012 %d-bit private key (%s)", k.params.Size*8, k.params.Name)
}

// GoString keeps %#v as quiet as %v.
func (k *PrivateKey) GoString() string { return k.String() }

// Public returns the public half of the key.
func (k *PrivateKey) Public() *PublicKey {
	return &PublicKey{params: k.params, key: k.key.Public()}
}

// ParamSet reports the key's parameter set.
func (k *PublicKey) ParamSet() ParamSet { return k.params }

// Equal tells whether two public keys are the same point on the same curve.
func (k *PublicKey) Equal(o *PublicKey) bool {
	return o != nil && k.params.OID.Equal(o.params.OID) && bytes.Equal(k.key.Raw(), o.key.Raw())
}

// MarshalPKCS8 writes the key as PKCS#8 PrivateKeyInfo the way OpenSSL's gost
// engine does: the private key OCTET STRING holds the little-endian scalar.
func (k *PrivateKey) MarshalPKCS8() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		addKeyAlgorithm(b, k.params)
		b.AddASN1OctetString(k.key.Raw())
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("esign: encode PKCS#8: %w", err)
	}
	return der, nil
}

// MarshalPEM writes the key as a "PRIVATE KEY" PEM block.
func (k *PrivateKey) MarshalPEM() ([]byte, error) {
	der, err := k.MarshalPKCS8()
	if err != nil {
		return nil, err
	}
	defer clear(der)
	return pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der}), nil
}

// MarshalPKIX writes the key as SubjectPublicKeyInfo.
func (k *PublicKey) MarshalPKIX() ([]byte, error) {
	var b cryptobyte.Builder
	addSubjectPublicKeyInfo(&b, k)
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("esign: encode SubjectPublicKeyInfo: %w", err)
	}
	return der, nil
}

// MarshalPEM writes the key as a "PUBLIC KEY" PEM block.
func (k *PublicKey) MarshalPEM() ([]byte, error) {
	der, err := k.MarshalPKIX()
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPublicKey, Bytes: der}), nil
}

func addKeyAlgorithm(b *cryptobyte.Builder, p ParamSet) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(p.publicKeyOID())
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(p.OID)
			if p.withDigestOID {
				b.AddASN1ObjectIdentifier(p.digestOID())
			}
		})
	})
}

func addSubjectPublicKeyInfo(b *cryptobyte.Builder, k *PublicKey) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addKeyAlgorithm(b, k.params)
		// The BIT STRING wraps a DER OCTET STRING with X||Y, each little-endian.
		var point cryptobyte.Builder
		point.AddASN1OctetString(k.key.Raw())
		b.AddASN1BitString(point.BytesOrPanic())
	})
}

// ParsePrivateKeyPEM reads the first "PRIVATE KEY" block of pemBytes.
func ParsePrivateKeyPEM(pemBytes []byte) (*PrivateKey, error) {
	block, err := findPEM(pemBytes, pemPrivateKey)
	if err != nil {
		return nil, err
	}
	defer clear(block.Bytes)
	return ParsePKCS8PrivateKey(block.Bytes)
}

// ParsePKCS8PrivateKey reads a PKCS#8 PrivateKeyInfo holding a GOST R
// 34.10-2012 key. Besides OpenSSL's form (raw little-endian scalar) it accepts
// the scalar wrapped in an inner OCTET STRING (little-endian) or INTEGER
// (big-endian), which older tools write.
func ParsePKCS8PrivateKey(der []byte) (*PrivateKey, error) {
	in := cryptobyte.String(der)
	var info, algo cryptobyte.String
	var version int64
	var secret []byte
	if !in.ReadASN1(&info, cbasn1.SEQUENCE) || !in.Empty() ||
		!info.ReadASN1Integer(&version) ||
		!info.ReadASN1(&algo, cbasn1.SEQUENCE) ||
		!info.ReadASN1Bytes(&secret, cbasn1.OCTET_STRING) {
		return nil, fmt.Errorf("esign: %w: not a PKCS#8 PrivateKeyInfo", ErrMalformed)
	}
	if version != 0 && version != 1 {
		return nil, fmt.Errorf("esign: %w: PKCS#8 version %d", ErrMalformed, version)
	}
	p, err := parseKeyAlgorithm(algo)
	if err != nil {
		return nil, err
	}
	raw, err := privateScalar(secret, p.Size)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	c, err := curveOf(p)
	if err != nil {
		return nil, err
	}
	k, err := gost3410.NewPrivateKey(c, raw)
	if err != nil {
		return nil, fmt.Errorf("esign: %w: private key: %w", ErrMalformed, err)
	}
	return &PrivateKey{params: p, key: k}, nil
}

// privateScalar returns the little-endian scalar of size bytes from the
// PKCS#8 privateKey contents in any of the three forms in use.
func privateScalar(secret []byte, size int) ([]byte, error) {
	if len(secret) == size {
		return slices.Clone(secret), nil
	}
	s := cryptobyte.String(secret)
	var inner cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&inner, &tag) || !s.Empty() {
		return nil, fmt.Errorf("esign: %w: private key is %d bytes, want %d", ErrMalformed, len(secret), size)
	}
	switch tag {
	case cbasn1.OCTET_STRING:
		if len(inner) != size {
			return nil, fmt.Errorf("esign: %w: private key is %d bytes, want %d", ErrMalformed, len(inner), size)
		}
		return slices.Clone([]byte(inner)), nil
	case cbasn1.INTEGER:
		be := bytes.TrimLeft(inner, "\x00")
		if len(be) > size || len(inner) > 0 && inner[0]&0x80 != 0 {
			return nil, fmt.Errorf("esign: %w: private key integer out of range", ErrMalformed)
		}
		le := make([]byte, size)
		for i, c := range be {
			le[len(be)-1-i] = c
		}
		return le, nil
	}
	return nil, fmt.Errorf("esign: %w: private key in an unknown form (tag %d)", ErrMalformed, tag)
}

// ParsePublicKeyPEM reads the first "PUBLIC KEY" block of pemBytes.
func ParsePublicKeyPEM(pemBytes []byte) (*PublicKey, error) {
	block, err := findPEM(pemBytes, pemPublicKey)
	if err != nil {
		return nil, err
	}
	return ParsePKIXPublicKey(block.Bytes)
}

// ParsePKIXPublicKey reads a SubjectPublicKeyInfo holding a GOST R 34.10-2012 key.
func ParsePKIXPublicKey(der []byte) (*PublicKey, error) {
	in := cryptobyte.String(der)
	var spki cryptobyte.String
	if !in.ReadASN1(&spki, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("esign: %w: not a SubjectPublicKeyInfo", ErrMalformed)
	}
	return parseSPKI(spki)
}

// parseSPKI reads the contents of a SubjectPublicKeyInfo SEQUENCE.
func parseSPKI(spki cryptobyte.String) (*PublicKey, error) {
	var algo cryptobyte.String
	var bits asn1.BitString
	if !spki.ReadASN1(&algo, cbasn1.SEQUENCE) || !spki.ReadASN1BitString(&bits) || !spki.Empty() {
		return nil, fmt.Errorf("esign: %w: not a SubjectPublicKeyInfo", ErrMalformed)
	}
	p, err := parseKeyAlgorithm(algo)
	if err != nil {
		return nil, err
	}
	if bits.BitLength%8 != 0 {
		return nil, fmt.Errorf("esign: %w: public key is not a whole number of bytes", ErrMalformed)
	}
	s := cryptobyte.String(bits.Bytes)
	var point []byte
	if !s.ReadASN1Bytes(&point, cbasn1.OCTET_STRING) || !s.Empty() {
		return nil, fmt.Errorf("esign: %w: public key is not an OCTET STRING", ErrMalformed)
	}
	if len(point) != 2*p.Size {
		return nil, fmt.Errorf("esign: %w: public key is %d bytes, want %d", ErrMalformed, len(point), 2*p.Size)
	}
	c, err := curveOf(p)
	if err != nil {
		return nil, err
	}
	k, err := gost3410.NewPublicKey(c, point)
	if err != nil {
		return nil, fmt.Errorf("esign: %w: public key: %w", ErrMalformed, err)
	}
	return &PublicKey{params: p, key: k}, nil
}

// parseKeyAlgorithm reads the contents of the AlgorithmIdentifier of a GOST
// key and returns its parameter set. Keys of other algorithms (RSA, ECDSA,
// GOST R 34.10-2001) are ErrUnsupportedAlgorithm.
func parseKeyAlgorithm(algo cryptobyte.String) (ParamSet, error) {
	var oid, curve asn1.ObjectIdentifier
	var params cryptobyte.String
	if !algo.ReadASN1ObjectIdentifier(&oid) {
		return ParamSet{}, fmt.Errorf("esign: %w: key algorithm identifier", ErrMalformed)
	}
	var size int
	switch {
	case oid.Equal(oidGost2012PublicKey256):
		size = 32
	case oid.Equal(oidGost2012PublicKey512):
		size = 64
	default:
		return ParamSet{}, fmt.Errorf("esign: %w: key algorithm %s is not GOST R 34.10-2012", ErrUnsupportedAlgorithm, oid)
	}
	if !algo.ReadASN1(&params, cbasn1.SEQUENCE) || !algo.Empty() || !params.ReadASN1ObjectIdentifier(&curve) {
		return ParamSet{}, fmt.Errorf("esign: %w: GOST key parameters", ErrMalformed)
	}
	p, err := paramSetByOID(curve, size)
	if err != nil {
		return ParamSet{}, err
	}
	if !params.Empty() {
		// Optional digest and (legacy) cipher parameters; the digest must fit the key.
		var digest asn1.ObjectIdentifier
		if !params.ReadASN1ObjectIdentifier(&digest) {
			return ParamSet{}, fmt.Errorf("esign: %w: GOST key digest parameter", ErrMalformed)
		}
		if !digest.Equal(p.digestOID()) {
			return ParamSet{}, fmt.Errorf("esign: %w: digest %s with a %d-bit key", ErrUnsupportedAlgorithm, digest, size*8)
		}
	}
	return p, nil
}

// findPEM returns the first PEM block of the wanted type.
func findPEM(data []byte, want string) (*pem.Block, error) {
	var seen []string
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type == want {
			return block, nil
		}
		seen = append(seen, block.Type)
		data = rest
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("esign: %w: no PEM data, want a %q block", ErrMalformed, want)
	}
	return nil, fmt.Errorf("esign: %w: PEM blocks %q, want a %q block", ErrMalformed, seen, want)
}
