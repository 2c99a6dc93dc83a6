package esign

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Template holds what an issued certificate says.
type Template struct {
	Subject   Name
	NotBefore time.Time
	NotAfter  time.Time
	// SerialNumber is chosen at random (159 bits) when nil.
	SerialNumber *big.Int
	// IsCA makes a certification authority certificate (basic constraints
	// cA, key usage keyCertSign and cRLSign). MaxPathLen limits the CAs below
	// it when IsCA; -1 means no limit.
	IsCA       bool
	MaxPathLen int
	// KeyUsage of an end-entity certificate; zero means digitalSignature and
	// nonRepudiation, what a signing certificate needs.
	KeyUsage KeyUsage
}

// CreateCertificate issues a certificate for pub, signed by issuerKey. With
// a nil issuer it makes a self-signed certificate, and pub must be
// issuerKey's public key. The issuer must be a CA valid over the whole
// validity period of the new certificate.
func CreateCertificate(random io.Reader, t *Template, pub *PublicKey, issuer *Certificate, issuerKey *PrivateKey) (*Certificate, error) {
	if random == nil {
		random = rand.Reader
	}
	if err := checkTemplate(t, pub, issuer, issuerKey); err != nil {
		return nil, err
	}
	serial := t.SerialNumber
	if serial == nil {
		var err error
		serial, err = rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 159))
		if err != nil {
			return nil, fmt.Errorf("esign: serial number: %w", err)
		}
		serial.Add(serial, big.NewInt(1))
	}
	p := issuerKey.ParamSet()
	ski := subjectKeyID(pub)
	issuerName, aki := t.Subject, ski
	if issuer != nil {
		issuerName, aki = issuer.Subject, issuer.SubjectKeyID
	}

	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(2) })
		b.AddASN1BigInt(serial)
		addSignatureAlgorithm(b, p)
		if issuer != nil {
			b.AddBytes(issuer.RawSubject)
		} else {
			addName(b, issuerName)
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addTime(b, t.NotBefore)
			addTime(b, t.NotAfter)
		})
		addName(b, t.Subject)
		addSubjectPublicKeyInfo(b, pub)
		b.AddASN1(cbasn1.Tag(3).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				addExtension(b, oidExtSubjectKeyID, false, func(b *cryptobyte.Builder) { b.AddASN1OctetString(ski) })
				if len(aki) > 0 {
					addExtension(b, oidExtAuthorityKeyID, false, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(aki) })
						})
					})
				}
				addExtension(b, oidExtBasicConstraints, true, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						if t.IsCA {
							b.AddASN1Boolean(true)
							if t.MaxPathLen >= 0 {
								b.AddASN1Int64(int64(t.MaxPathLen))
							}
						}
					})
				})
				addExtension(b, oidExtKeyUsage, true, func(b *cryptobyte.Builder) {
					addKeyUsage(b, templateKeyUsage(t))
				})
			})
		})
	})
	der, err := signTBS(random, issuerKey, &tbs, "certificate")
	if err != nil {
		return nil, err
	}
	return ParseCertificate(der)
}

// signTBS signs the to-be-signed part of a certificate or a CRL with the
// issuer's key and wraps it, the algorithm and the signature in the SEQUENCE
// both structures share (RFC 5280 4.1 and 5.1).
func signTBS(random io.Reader, issuerKey *PrivateKey, tbs *cryptobyte.Builder, what string) ([]byte, error) {
	p := issuerKey.ParamSet()
	tbsDER, err := tbs.Bytes()
	if err != nil {
		return nil, fmt.Errorf("esign: encode the signed part of the %s: %w", what, err)
	}
	h := p.NewHash()
	h.Write(tbsDER)
	sig, err := issuerKey.SignDigest(random, h.Sum(nil))
	if err != nil {
		return nil, wrap("sign "+what, err)
	}
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		addSignatureAlgorithm(b, p)
		b.AddASN1BitString(sig)
	})
	der, err := out.Bytes()
	if err != nil {
		return nil, fmt.Errorf("esign: encode %s: %w", what, err)
	}
	return der, nil
}

func checkTemplate(t *Template, pub *PublicKey, issuer *Certificate, issuerKey *PrivateKey) error {
	switch {
	case t == nil || pub == nil || issuerKey == nil:
		return errors.New("esign: create certificate: template, public key and issuer key are required")
	case len(t.Subject.Attributes) == 0:
		return fmt.Errorf("esign: create certificate: %w: empty subject", ErrMalformed)
	case t.NotBefore.IsZero() || !t.NotAfter.After(t.NotBefore):
		return fmt.Errorf("esign: create certificate: %w: validity %s..%s", ErrMalformed, t.NotBefore, t.NotAfter)
	case t.SerialNumber != nil && t.SerialNumber.Sign() <= 0:
		return fmt.Errorf("esign: create certificate: %w: serial number must be positive", ErrMalformed)
	}
	if issuer == nil {
		if !pub.Equal(issuerKey.Public()) {
			return fmt.Errorf("esign: self-signed certificate: %w", ErrKeyMismatch)
		}
		return nil
	}
	if !issuer.PublicKey.Equal(issuerKey.Public()) {
		return fmt.Errorf("esign: issuer: %w", ErrKeyMismatch)
	}
	if !issuer.IsCA || issuer.HasKeyUsage && issuer.KeyUsage&KeyUsageCertSign == 0 {
		return fmt.Errorf("esign: issuer %q: %w: not a certification authority", issuer.Subject.FullName(), ErrKeyUsage)
	}
	if t.NotBefore.Before(issuer.NotBefore) || t.NotAfter.After(issuer.NotAfter) {
		return fmt.Errorf("esign: issuer %q: %w: the new certificate would outlive it", issuer.Subject.FullName(), ErrCertificateExpired)
	}
	return nil
}

func templateKeyUsage(t *Template) KeyUsage {
	switch {
	case t.IsCA:
		return KeyUsageCertSign | KeyUsageCRLSign | KeyUsageDigitalSignature
	case t.KeyUsage == 0:
		return KeyUsageDigitalSignature | KeyUsageNonRepudiation
	}
	return t.KeyUsage
}

// addKeyUsage writes a KeyUsage as a DER BIT STRING: named bits with the
// trailing zero bits left out (X.690 11.2.2), which cryptobyte's
// AddASN1BitString, always whole bytes, cannot express.
func addKeyUsage(b *cryptobyte.Builder, u KeyUsage) {
	var bits [2]byte
	last := -1
	for i := range 9 {
		if u&(1<<i) != 0 {
			bits[i/8] |= 0x80 >> (i % 8)
			last = i
		}
	}
	n, unused := 0, byte(0)
	if last >= 0 {
		n, unused = last/8+1, byte(7-last%8)
	}
	b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
		b.AddUint8(unused)
		b.AddBytes(bits[:n])
	})
}

// subjectKeyID is the SHA-1 of the public key bits, method 1 of RFC 5280
// 4.2.1.2, which is what OpenSSL computes, so identifiers match across tools.
func subjectKeyID(pub *PublicKey) []byte {
	var point cryptobyte.Builder
	point.AddASN1OctetString(pub.key.Raw())
	sum := sha1.Sum(point.BytesOrPanic())
	return sum[:]
}

func addSignatureAlgorithm(b *cryptobyte.Builder, p ParamSet) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(p.signatureOID())
	})
}

func addExtension(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, critical bool, value func(*cryptobyte.Builder)) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if critical {
			b.AddASN1Boolean(true)
		}
		b.AddASN1(cbasn1.OCTET_STRING, value)
	})
}

// addTime writes UTCTime until 2049 and GeneralizedTime after, as RFC 5280 asks.
func addTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	if t.Year() < 2050 {
		b.AddASN1UTCTime(t)
		return
	}
	b.AddASN1GeneralizedTime(t)
}
