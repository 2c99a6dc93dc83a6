package esign

import (
	"bytes"
	"crypto/rand"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// pemCRL is the PEM block type OpenSSL writes CRLs in.
const pemCRL = "X509 CRL"

// maxCRLSize bounds what esign agrees to parse. The CRLs of large
// accredited CAs run to tens of megabytes; an agency's own CA stays tiny.
const maxCRLSize = 64 << 20

// Object identifiers of CRL extensions (RFC 5280 5.2, 5.3).
var (
	oidExtCRLNumber         = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidExtCRLReason         = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidExtInvalidityDate    = asn1.ObjectIdentifier{2, 5, 29, 24}
	oidExtAuthorityInfoAcc  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	oidExtIssuerAltName     = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidExtExpiredCertsOnCRL = asn1.ObjectIdentifier{2, 5, 29, 60}
)

// RevokedCertificate is one entry of a CRL.
type RevokedCertificate struct {
	SerialNumber   *big.Int
	RevocationTime time.Time
	// Reason is the CRLReason code of RFC 5280 5.3.1 (1 keyCompromise,
	// 4 superseded, 5 cessationOfOperation ...); 0 (unspecified) is not
	// written into an issued CRL.
	Reason int
}

// CRL is an X.509 certificate revocation list signed with a GOST R
// 34.10-2012 key. crypto/x509 parses CRLs but cannot check a GOST signature,
// so esign reads them itself and CheckSignatureFrom verifies with gost3410.
type CRL struct {
	Raw       []byte // the whole CRL, DER
	RawTBS    []byte // the signed part
	RawIssuer []byte // DER of the issuer Name

	Issuer     Name
	ThisUpdate time.Time
	// NextUpdate is when the issuer promises the next CRL; zero if absent.
	NextUpdate time.Time
	// Number is the cRLNumber extension; nil if absent.
	Number         *big.Int
	AuthorityKeyID []byte
	Revoked        []RevokedCertificate

	SignatureAlgorithm asn1.ObjectIdentifier
	Signature          []byte

	bySerial map[string]int // serial (decimal) → index in Revoked
}

// CRLTemplate holds what an issued CRL says.
type CRLTemplate struct {
	// Number is the cRLNumber; every new CRL of an issuer takes a greater one.
	Number     *big.Int
	ThisUpdate time.Time
	NextUpdate time.Time
	Revoked    []RevokedCertificate
}

// CreateCRL issues a version 2 CRL signed by issuerKey, with the
// authorityKeyIdentifier and cRLNumber extensions OpenSSL expects. The
// issuer must be a CA that may sign CRLs.
func CreateCRL(random io.Reader, t *CRLTemplate, issuer *Certificate, issuerKey *PrivateKey) (*CRL, error) {
	if random == nil {
		random = rand.Reader
	}
	if err := checkCRLTemplate(t, issuer, issuerKey); err != nil {
		return nil, err
	}
	p := issuerKey.ParamSet()
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1) // v2
		addSignatureAlgorithm(b, p)
		b.AddBytes(issuer.RawSubject)
		addTime(b, t.ThisUpdate)
		addTime(b, t.NextUpdate)
		// An empty list is left out rather than written empty (RFC 5280 5.1.2.6).
		if len(t.Revoked) > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, r := range t.Revoked {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1BigInt(r.SerialNumber)
						addTime(b, r.RevocationTime)
						if r.Reason != 0 {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								addExtension(b, oidExtCRLReason, false, func(b *cryptobyte.Builder) {
									b.AddASN1Enum(int64(r.Reason))
								})
							})
						}
					})
				}
			})
		}
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				if len(issuer.SubjectKeyID) > 0 {
					addExtension(b, oidExtAuthorityKeyID, false, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(issuer.SubjectKeyID) })
						})
					})
				}
				addExtension(b, oidExtCRLNumber, false, func(b *cryptobyte.Builder) { b.AddASN1BigInt(t.Number) })
			})
		})
	})
	der, err := signTBS(random, issuerKey, &tbs, "CRL")
	if err != nil {
		return nil, err
	}
	return ParseCRL(der)
}

func checkCRLTemplate(t *CRLTemplate, issuer *Certificate, issuerKey *PrivateKey) error {
	switch {
	case t == nil || issuer == nil || issuerKey == nil:
		return errors.New("esign: create CRL: template, issuer and issuer key are required")
	case t.Number == nil || t.Number.Sign() < 0:
		return fmt.Errorf("esign: create CRL: %w: CRL number must be zero or positive", ErrMalformed)
	case t.ThisUpdate.IsZero() || !t.NextUpdate.After(t.ThisUpdate):
		return fmt.Errorf("esign: create CRL: %w: update times %s..%s", ErrMalformed, t.ThisUpdate, t.NextUpdate)
	case !issuer.PublicKey.Equal(issuerKey.Public()):
		return fmt.Errorf("esign: CRL issuer: %w", ErrKeyMismatch)
	}
	if err := checkCRLIssuer(issuer); err != nil {
		return err
	}
	seen := make(map[string]bool, len(t.Revoked))
	for _, r := range t.Revoked {
		if r.SerialNumber == nil || r.SerialNumber.Sign() <= 0 {
			return fmt.Errorf("esign: create CRL: %w: revoked serial number must be positive", ErrMalformed)
		}
		if seen[r.SerialNumber.String()] {
			return fmt.Errorf("esign: create CRL: %w: serial %X listed twice", ErrMalformed, r.SerialNumber)
		}
		seen[r.SerialNumber.String()] = true
		if r.RevocationTime.IsZero() || r.Reason < 0 || r.Reason > 10 || r.Reason == 7 {
			return fmt.Errorf("esign: create CRL: %w: serial %X: revocation time and a reason code 0..10 (not 7) are required", ErrMalformed, r.SerialNumber)
		}
	}
	return nil
}

// checkCRLIssuer: only a CA whose key usage (when it has one) includes
// cRLSign may sign CRLs, for us as for OpenSSL.
func checkCRLIssuer(issuer *Certificate) error {
	if !issuer.IsCA || issuer.HasKeyUsage && issuer.KeyUsage&KeyUsageCRLSign == 0 {
		return fmt.Errorf("esign: %w: %q may not sign CRLs", ErrKeyUsage, issuer.Subject.FullName())
	}
	return nil
}

// ParseCRL reads a CRL in DER or as an "X509 CRL" PEM block.
func ParseCRL(data []byte) (*CRL, error) {
	if len(data) > maxCRLSize {
		return nil, fmt.Errorf("esign: %w: CRL of %d bytes exceeds %d", ErrMalformed, len(data), maxCRLSize)
	}
	der := data
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] != 0x30 {
		block, err := findPEM(trimmed, pemCRL)
		if err != nil {
			return nil, err
		}
		der = block.Bytes
	}
	l := &CRL{Raw: bytes.Clone(der)}
	in := cryptobyte.String(l.Raw)
	var list, tbs, sigAlg cryptobyte.String
	var sig asn1.BitString
	if !in.ReadASN1(&list, cbasn1.SEQUENCE) || !in.Empty() ||
		!list.ReadASN1Element(&tbs, cbasn1.SEQUENCE) ||
		!list.ReadASN1(&sigAlg, cbasn1.SEQUENCE) ||
		!list.ReadASN1BitString(&sig) || !list.Empty() ||
		!sigAlg.ReadASN1ObjectIdentifier(&l.SignatureAlgorithm) {
		return nil, fmt.Errorf("esign: %w: not an X.509 CRL", ErrMalformed)
	}
	l.RawTBS, l.Signature = tbs, sig.RightAlign()
	if err := l.parseTBS(tbs); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *CRL) parseTBS(tbs cryptobyte.String) error {
	var body, innerAlg, issuer, names cryptobyte.String
	var version int64
	var innerOID asn1.ObjectIdentifier
	if !tbs.ReadASN1(&body, cbasn1.SEQUENCE) {
		return fmt.Errorf("esign: %w: TBSCertList", ErrMalformed)
	}
	if body.PeekASN1Tag(cbasn1.INTEGER) && !body.ReadASN1Integer(&version) || version < 0 || version > 1 {
		return fmt.Errorf("esign: %w: CRL version", ErrMalformed)
	}
	if !body.ReadASN1(&innerAlg, cbasn1.SEQUENCE) || !innerAlg.ReadASN1ObjectIdentifier(&innerOID) ||
		!body.ReadASN1Element(&issuer, cbasn1.SEQUENCE) {
		return fmt.Errorf("esign: %w: TBSCertList", ErrMalformed)
	}
	if !innerOID.Equal(l.SignatureAlgorithm) {
		return fmt.Errorf("esign: %w: the two signature algorithms of the CRL differ", ErrMalformed)
	}
	l.RawIssuer = issuer
	issuer.ReadASN1(&names, cbasn1.SEQUENCE)
	var err error
	if l.Issuer, err = parseName(names); err != nil {
		return wrap("CRL issuer", err)
	}
	if l.ThisUpdate, err = readTime(&body); err != nil {
		return fmt.Errorf("esign: CRL thisUpdate: %w", err)
	}
	if body.PeekASN1Tag(cbasn1.UTCTime) || body.PeekASN1Tag(cbasn1.GeneralizedTime) {
		if l.NextUpdate, err = readTime(&body); err != nil {
			return fmt.Errorf("esign: CRL nextUpdate: %w", err)
		}
	}
	if body.PeekASN1Tag(cbasn1.SEQUENCE) {
		var entries cryptobyte.String
		body.ReadASN1(&entries, cbasn1.SEQUENCE)
		if err := l.parseEntries(entries); err != nil {
			return err
		}
	}
	var exts cryptobyte.String
	var hasExts bool
	if !body.ReadOptionalASN1(&exts, &hasExts, cbasn1.Tag(0).Constructed().ContextSpecific()) || !body.Empty() {
		return fmt.Errorf("esign: %w: TBSCertList trailing data", ErrMalformed)
	}
	if hasExts {
		return l.parseExtensions(exts)
	}
	return nil
}

func (l *CRL) parseEntries(entries cryptobyte.String) error {
	l.bySerial = make(map[string]int)
	for !entries.Empty() {
		var entry cryptobyte.String
		r := RevokedCertificate{SerialNumber: new(big.Int)}
		if !entries.ReadASN1(&entry, cbasn1.SEQUENCE) || !entry.ReadASN1Integer(r.SerialNumber) {
			return fmt.Errorf("esign: %w: CRL entry %d", ErrMalformed, len(l.Revoked)+1)
		}
		var err error
		if r.RevocationTime, err = readTime(&entry); err != nil {
			return fmt.Errorf("esign: CRL entry %X: %w", r.SerialNumber, err)
		}
		if !entry.Empty() {
			if err := r.parseExtensions(entry); err != nil {
				return err
			}
		}
		l.bySerial[r.SerialNumber.String()] = len(l.Revoked)
		l.Revoked = append(l.Revoked, r)
	}
	return nil
}

func (r *RevokedCertificate) parseExtensions(outer cryptobyte.String) error {
	var exts cryptobyte.String
	if !outer.ReadASN1(&exts, cbasn1.SEQUENCE) || !outer.Empty() {
		return fmt.Errorf("esign: %w: CRL entry %X extensions", ErrMalformed, r.SerialNumber)
	}
	return readExtensions(exts, func(oid asn1.ObjectIdentifier, critical bool, value cryptobyte.String) error {
		switch {
		case oid.Equal(oidExtCRLReason):
			var reason int
			if !value.ReadASN1Enum(&reason) || !value.Empty() {
				return fmt.Errorf("esign: %w: CRL entry %X: reason code", ErrMalformed, r.SerialNumber)
			}
			r.Reason = reason
		case oid.Equal(oidExtInvalidityDate):
			// When the key was compromised, by the CA's guess; esign treats a
			// listed certificate as revoked whatever the date.
		default:
			if critical {
				// certificateIssuer (indirect CRLs) and the like: reading on
				// would mistake entries of another issuer for this one's.
				return fmt.Errorf("esign: %w: CRL entry %X has unknown critical extension %s", ErrUnsupportedAlgorithm, r.SerialNumber, oid)
			}
		}
		return nil
	})
}

func (l *CRL) parseExtensions(outer cryptobyte.String) error {
	var exts cryptobyte.String
	if !outer.ReadASN1(&exts, cbasn1.SEQUENCE) || !outer.Empty() {
		return fmt.Errorf("esign: %w: CRL extensions", ErrMalformed)
	}
	return readExtensions(exts, func(oid asn1.ObjectIdentifier, critical bool, value cryptobyte.String) error {
		ok := true
		switch {
		case oid.Equal(oidExtAuthorityKeyID):
			var seq, id cryptobyte.String
			var has bool
			ok = value.ReadASN1(&seq, cbasn1.SEQUENCE) && seq.ReadOptionalASN1(&id, &has, cbasn1.Tag(0).ContextSpecific())
			l.AuthorityKeyID = id
		case oid.Equal(oidExtCRLNumber):
			l.Number = new(big.Int)
			ok = value.ReadASN1Integer(l.Number) && value.Empty()
		case oid.Equal(oidExtAuthorityInfoAcc), oid.Equal(oidExtIssuerAltName), oid.Equal(oidExtExpiredCertsOnCRL):
			// Informational.
		default:
			if critical {
				// Delta CRLs and issuing distribution points change what the
				// list covers; esign handles only complete CRLs.
				return fmt.Errorf("esign: %w: CRL has unknown critical extension %s", ErrUnsupportedAlgorithm, oid)
			}
		}
		if !ok {
			return fmt.Errorf("esign: %w: CRL extension %s", ErrMalformed, oid)
		}
		return nil
	})
}

// readExtensions calls fn for each Extension in the contents of an
// Extensions SEQUENCE.
func readExtensions(exts cryptobyte.String, fn func(oid asn1.ObjectIdentifier, critical bool, value cryptobyte.String) error) error {
	for !exts.Empty() {
		var ext, value cryptobyte.String
		var oid asn1.ObjectIdentifier
		var critical bool
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) ||
			!readOptionalBoolean(&ext, &critical) ||
			!ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return fmt.Errorf("esign: %w: extension", ErrMalformed)
		}
		if err := fn(oid, critical, value); err != nil {
			return err
		}
	}
	return nil
}

// CheckSignatureFrom checks that issuer issued and signed the CRL: the
// names and key identifiers match, issuer may sign CRLs, and the GOST
// signature verifies with issuer's key.
func (l *CRL) CheckSignatureFrom(issuer *Certificate) error {
	if !bytes.Equal(l.RawIssuer, issuer.RawSubject) {
		return fmt.Errorf("esign: %w: CRL of %q is not issued by %q", ErrUntrusted, l.Issuer.FullName(), issuer.Subject.FullName())
	}
	if len(l.AuthorityKeyID) > 0 && len(issuer.SubjectKeyID) > 0 && !bytes.Equal(l.AuthorityKeyID, issuer.SubjectKeyID) {
		return fmt.Errorf("esign: %w: CRL of %q names another key of its issuer", ErrUntrusted, l.Issuer.FullName())
	}
	if err := checkCRLIssuer(issuer); err != nil {
		return err
	}
	p := issuer.PublicKey.ParamSet()
	if !l.SignatureAlgorithm.Equal(p.signatureOID()) {
		return fmt.Errorf("esign: %w: CRL signed with %s, issuer key wants %s", ErrUnsupportedAlgorithm, l.SignatureAlgorithm, p.signatureOID())
	}
	h := p.NewHash()
	h.Write(l.RawTBS)
	if err := issuer.PublicKey.VerifyDigest(h.Sum(nil), l.Signature); err != nil {
		return wrap(fmt.Sprintf("CRL of %q", issuer.Subject.FullName()), err)
	}
	return nil
}

// Lookup returns the entry revoking the certificate with this serial number.
func (l *CRL) Lookup(serial *big.Int) (RevokedCertificate, bool) {
	i, ok := l.bySerial[serial.String()]
	if !ok {
		return RevokedCertificate{}, false
	}
	return l.Revoked[i], true
}

// CheckCurrent reports whether the CRL may be relied on at t: issued by
// then and not past its nextUpdate.
func (l *CRL) CheckCurrent(t time.Time) error {
	if t.Before(l.ThisUpdate) {
		return fmt.Errorf("esign: CRL of %q is issued at %s, in the future", l.Issuer.FullName(), l.ThisUpdate.UTC().Format(time.RFC3339))
	}
	if !l.NextUpdate.IsZero() && t.After(l.NextUpdate) {
		return fmt.Errorf("esign: CRL of %q is out of date since %s", l.Issuer.FullName(), l.NextUpdate.UTC().Format(time.RFC3339))
	}
	return nil
}

// MarshalPEM writes the CRL as an "X509 CRL" PEM block, the form OpenSSL
// reads by default.
func (l *CRL) MarshalPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemCRL, Bytes: l.Raw})
}
