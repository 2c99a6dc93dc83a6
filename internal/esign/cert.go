package esign

import (
	"bytes"
	"crypto/sha1"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// KeyUsage is the X.509 key usage bit set, bit n of the extension at 1<<n.
type KeyUsage int

// Key usages esign issues and checks.
const (
	KeyUsageDigitalSignature KeyUsage = 1 << iota
	KeyUsageNonRepudiation
	KeyUsageKeyEncipherment
	KeyUsageDataEncipherment
	KeyUsageKeyAgreement
	KeyUsageCertSign
	KeyUsageCRLSign
)

// maxCertificateSize bounds what esign agrees to parse; qualified
// certificates are a few kilobytes.
const maxCertificateSize = 64 << 10

// Certificate is an X.509 certificate whose subject key is a GOST R
// 34.10-2012 key.
type Certificate struct {
	Raw        []byte // the whole certificate, DER
	RawTBS     []byte // the signed part
	RawSubject []byte // DER of the subject Name
	RawIssuer  []byte // DER of the issuer Name

	SerialNumber *big.Int
	Issuer       Name
	Subject      Name
	NotBefore    time.Time
	NotAfter     time.Time
	PublicKey    *PublicKey

	SignatureAlgorithm asn1.ObjectIdentifier
	Signature          []byte

	// KeyUsage is meaningful only when HasKeyUsage is set.
	KeyUsage    KeyUsage
	HasKeyUsage bool
	// IsCA and MaxPathLen come from basic constraints; MaxPathLen is -1
	// when unlimited.
	IsCA                  bool
	MaxPathLen            int
	BasicConstraintsValid bool
	SubjectKeyID          []byte
	AuthorityKeyID        []byte
	// UnhandledCritical lists critical extensions esign does not
	// understand; chain validation refuses such certificates (RFC 5280 4.2).
	UnhandledCritical []asn1.ObjectIdentifier
}

// ParseCertificatePEM reads the first "CERTIFICATE" block of pemBytes.
func ParseCertificatePEM(pemBytes []byte) (*Certificate, error) {
	block, err := findPEM(pemBytes, pemCertificate)
	if err != nil {
		return nil, err
	}
	return ParseCertificate(block.Bytes)
}

// ParseCertificatesPEM reads every "CERTIFICATE" block of pemBytes; there
// must be at least one and no block of another type.
func ParseCertificatesPEM(pemBytes []byte) ([]*Certificate, error) {
	var certs []*Certificate
	rest := pemBytes
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != pemCertificate {
			return nil, fmt.Errorf("esign: %w: PEM block %q among certificates", ErrMalformed, block.Type)
		}
		c, err := ParseCertificate(block.Bytes)
		if err != nil {
			return nil, wrap(fmt.Sprintf("certificate %d", len(certs)+1), err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("esign: %w: no CERTIFICATE block", ErrMalformed)
	}
	return certs, nil
}

// ParseCertificate reads one DER certificate. Certificates whose key is not
// GOST R 34.10-2012 fail with ErrUnsupportedAlgorithm.
func ParseCertificate(der []byte) (*Certificate, error) {
	if len(der) > maxCertificateSize {
		return nil, fmt.Errorf("esign: %w: certificate of %d bytes exceeds %d", ErrMalformed, len(der), maxCertificateSize)
	}
	c := &Certificate{Raw: bytes.Clone(der), MaxPathLen: -1}
	in := cryptobyte.String(c.Raw)
	var cert, tbs, sigAlg cryptobyte.String
	var sig asn1.BitString
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !in.Empty() ||
		!cert.ReadASN1Element(&tbs, cbasn1.SEQUENCE) ||
		!cert.ReadASN1(&sigAlg, cbasn1.SEQUENCE) ||
		!cert.ReadASN1BitString(&sig) || !cert.Empty() {
		return nil, fmt.Errorf("esign: %w: not an X.509 certificate", ErrMalformed)
	}
	c.RawTBS = tbs
	if !sigAlg.ReadASN1ObjectIdentifier(&c.SignatureAlgorithm) {
		return nil, fmt.Errorf("esign: %w: certificate signature algorithm", ErrMalformed)
	}
	c.Signature = sig.RightAlign()
	if err := c.parseTBS(tbs); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Certificate) parseTBS(tbs cryptobyte.String) error {
	var body, innerAlg, issuer, validity, subject, spki cryptobyte.String
	var version int64
	c.SerialNumber = new(big.Int)
	if !tbs.ReadASN1(&body, cbasn1.SEQUENCE) ||
		!body.ReadOptionalASN1Integer(&version, cbasn1.Tag(0).Constructed().ContextSpecific(), int64(0)) ||
		!body.ReadASN1Integer(c.SerialNumber) ||
		!body.ReadASN1(&innerAlg, cbasn1.SEQUENCE) ||
		!body.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
		!body.ReadASN1(&validity, cbasn1.SEQUENCE) ||
		!body.ReadASN1Element(&subject, cbasn1.SEQUENCE) ||
		!body.ReadASN1(&spki, cbasn1.SEQUENCE) {
		return fmt.Errorf("esign: %w: TBSCertificate", ErrMalformed)
	}
	if version < 0 || version > 2 {
		return fmt.Errorf("esign: %w: certificate version %d", ErrMalformed, version+1)
	}
	var innerOID asn1.ObjectIdentifier
	if !innerAlg.ReadASN1ObjectIdentifier(&innerOID) || !innerOID.Equal(c.SignatureAlgorithm) {
		return fmt.Errorf("esign: %w: the two signature algorithms of the certificate differ", ErrMalformed)
	}
	c.RawIssuer, c.RawSubject = issuer, subject
	var err error
	var names cryptobyte.String
	issuer.ReadASN1(&names, cbasn1.SEQUENCE)
	if c.Issuer, err = parseName(names); err != nil {
		return wrap("issuer", err)
	}
	subject.ReadASN1(&names, cbasn1.SEQUENCE)
	if c.Subject, err = parseName(names); err != nil {
		return wrap("subject", err)
	}
	if c.NotBefore, err = readTime(&validity); err != nil {
		return fmt.Errorf("esign: notBefore: %w", err)
	}
	if c.NotAfter, err = readTime(&validity); err != nil {
		return fmt.Errorf("esign: notAfter: %w", err)
	}
	if !validity.Empty() {
		return fmt.Errorf("esign: %w: validity", ErrMalformed)
	}
	if c.PublicKey, err = parseSPKI(spki); err != nil {
		return wrap("subject public key", err)
	}
	// Unique identifiers (v2 leftovers) are skipped.
	body.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific())
	body.SkipOptionalASN1(cbasn1.Tag(2).ContextSpecific())
	var exts cryptobyte.String
	var hasExts bool
	if !body.ReadOptionalASN1(&exts, &hasExts, cbasn1.Tag(3).Constructed().ContextSpecific()) || !body.Empty() {
		return fmt.Errorf("esign: %w: TBSCertificate trailing data", ErrMalformed)
	}
	if hasExts {
		if version != 2 {
			return fmt.Errorf("esign: %w: extensions in a version %d certificate", ErrMalformed, version+1)
		}
		if err := c.parseExtensions(exts); err != nil {
			return err
		}
	}
	return nil
}

func readTime(s *cryptobyte.String) (time.Time, error) {
	var t time.Time
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		if !s.ReadASN1UTCTime(&t) {
			return t, fmt.Errorf("%w: UTCTime", ErrMalformed)
		}
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		if !s.ReadASN1GeneralizedTime(&t) {
			return t, fmt.Errorf("%w: GeneralizedTime", ErrMalformed)
		}
	default:
		return t, fmt.Errorf("%w: time of unknown type", ErrMalformed)
	}
	return t, nil
}

func (c *Certificate) parseExtensions(outer cryptobyte.String) error {
	var exts cryptobyte.String
	if !outer.ReadASN1(&exts, cbasn1.SEQUENCE) || !outer.Empty() {
		return fmt.Errorf("esign: %w: extensions", ErrMalformed)
	}
	for !exts.Empty() {
		var ext cryptobyte.String
		var oid asn1.ObjectIdentifier
		var critical bool
		var value cryptobyte.String
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) ||
			!readOptionalBoolean(&ext, &critical) ||
			!ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return fmt.Errorf("esign: %w: extension", ErrMalformed)
		}
		ok := true
		switch {
		case oid.Equal(oidExtKeyUsage):
			var bits asn1.BitString
			ok = value.ReadASN1BitString(&bits) && value.Empty()
			for i := range 9 {
				if bits.At(i) != 0 {
					c.KeyUsage |= 1 << i
				}
			}
			c.HasKeyUsage = true
		case oid.Equal(oidExtBasicConstraints):
			var seq cryptobyte.String
			ok = value.ReadASN1(&seq, cbasn1.SEQUENCE) && value.Empty() &&
				readOptionalBoolean(&seq, &c.IsCA)
			if ok && !seq.Empty() {
				var n int64
				ok = seq.ReadASN1Integer(&n) && seq.Empty() && n >= 0 && n < 1<<16
				c.MaxPathLen = int(n)
			}
			c.BasicConstraintsValid = true
		case oid.Equal(oidExtSubjectKeyID):
			var id []byte
			ok = value.ReadASN1Bytes(&id, cbasn1.OCTET_STRING) && value.Empty()
			c.SubjectKeyID = id
		case oid.Equal(oidExtAuthorityKeyID):
			var seq cryptobyte.String
			var id cryptobyte.String
			var has bool
			// keyIdentifier is [0] IMPLICIT; issuer and serial that may follow are not used.
			ok = value.ReadASN1(&seq, cbasn1.SEQUENCE) && value.Empty() &&
				seq.ReadOptionalASN1(&id, &has, cbasn1.Tag(0).ContextSpecific())
			c.AuthorityKeyID = id
		case oid.Equal(oidExtExtendedKeyUsage), oid.Equal(oidExtCertificatePolicy), oid.Equal(oidExtSubjectSignTool):
			// Read by people, not enforced by esign; safe to accept even when critical.
		default:
			if critical {
				c.UnhandledCritical = append(c.UnhandledCritical, oid)
			}
		}
		if !ok {
			return fmt.Errorf("esign: %w: extension %s", ErrMalformed, oid)
		}
	}
	return nil
}

// CheckValidity reports ErrCertificateExpired unless t is within the
// certificate's validity period.
func (c *Certificate) CheckValidity(t time.Time) error {
	if t.Before(c.NotBefore) {
		return fmt.Errorf("esign: %w: %q is valid from %s", ErrCertificateExpired, c.Subject.FullName(), c.NotBefore.UTC().Format(time.RFC3339))
	}
	if t.After(c.NotAfter) {
		return fmt.Errorf("esign: %w: %q expired at %s", ErrCertificateExpired, c.Subject.FullName(), c.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// VerifyDigest checks a signature over a Streebog digest (see
// PublicKey.VerifyDigest) with the certificate's public key. This is what
// XMLDSig verification needs from a certificate.
func (c *Certificate) VerifyDigest(digest, sig []byte) error {
	return c.PublicKey.VerifyDigest(digest, sig)
}

// CheckSignatureFrom checks that parent's key signed c.
func (c *Certificate) CheckSignatureFrom(parent *Certificate) error {
	p := parent.PublicKey.ParamSet()
	if !c.SignatureAlgorithm.Equal(p.signatureOID()) {
		return fmt.Errorf("esign: %w: certificate signed with %s, issuer key wants %s", ErrUnsupportedAlgorithm, c.SignatureAlgorithm, p.signatureOID())
	}
	h := p.NewHash()
	h.Write(c.RawTBS)
	if err := parent.PublicKey.VerifyDigest(h.Sum(nil), c.Signature); err != nil {
		return wrap(fmt.Sprintf("certificate %q signed by %q", c.Subject.FullName(), parent.Subject.FullName()), err)
	}
	return nil
}

// Thumbprint is the SHA-1 of the certificate in upper-case hex, the
// identifier CryptoPro and Windows show people and that people quote.
func (c *Certificate) Thumbprint() string {
	sum := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// Equal tells whether two certificates are byte for byte the same.
func (c *Certificate) Equal(o *Certificate) bool {
	return o != nil && bytes.Equal(c.Raw, o.Raw)
}

// MarshalPEM writes the certificate as a "CERTIFICATE" PEM block.
func (c *Certificate) MarshalPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: c.Raw})
}

// readOptionalBoolean reads a BOOLEAN DEFAULT FALSE. (cryptobyte's
// ReadOptionalASN1Boolean expects an explicitly tagged one.)
func readOptionalBoolean(s *cryptobyte.String, out *bool) bool {
	*out = false
	if !s.PeekASN1Tag(cbasn1.BOOLEAN) {
		return true
	}
	return s.ReadASN1Boolean(out)
}
