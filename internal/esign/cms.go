package esign

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"hash"
	"io"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxSignatureSize bounds a CMS signature esign agrees to parse: a detached
// signature holds a few certificates, never the document.
const maxSignatureSize = 1 << 20

// maxSigners bounds the co-signatures one SignedData may carry.
const maxSigners = 16

// SignerInfo says who made a verified signature and over what.
type SignerInfo struct {
	// Certificate is the signer's certificate.
	Certificate *Certificate
	// Chain runs from Certificate to a trusted root when roots were given.
	Chain []*Certificate
	// SigningTime is the time the signer's computer claimed; zero if absent.
	SigningTime time.Time
	// Digest is the Streebog digest of the document.
	Digest []byte
}

// VerifyOptions says what a detached signature must satisfy besides
// matching the document. With neither Roots nor Signer set, VerifyDetached
// only proves that whoever holds the key of the carried certificate signed
// the document: anyone can make a certificate with any name, so a caller
// that acts on who signed must set one of them.
type VerifyOptions struct {
	// Roots, when set, require the signer's certificate to chain to one of
	// them; certificates carried in the signature serve as intermediates.
	Roots *Pool
	// At is when certificates must be valid; zero means now.
	At time.Time
	// Signer, when set, is the only certificate the signature may have been
	// made with; it is also used when the signature carries no certificate.
	Signer *Certificate
}

// SignDetached reads the document from r, never holding it whole, and
// returns a detached CMS SignedData (DER) by key, with cert included and the
// signed attributes content-type, signing-time, message-digest and
// signing-certificate-v2.
func SignDetached(r io.Reader, key *PrivateKey, cert *Certificate) ([]byte, error) {
	return signDetached(r, key, cert, time.Now())
}

func signDetached(r io.Reader, key *PrivateKey, cert *Certificate, now time.Time) ([]byte, error) {
	if key == nil || cert == nil {
		return nil, fmt.Errorf("esign: sign: key and certificate are required")
	}
	if !cert.PublicKey.Equal(key.Public()) {
		return nil, fmt.Errorf("esign: sign: %w", ErrKeyMismatch)
	}
	p := key.ParamSet()
	h := p.NewHash()
	if _, err := io.Copy(h, r); err != nil {
		return nil, fmt.Errorf("esign: sign: read document: %w", err)
	}
	digest := h.Sum(nil)
	certHash := p.NewHash()
	certHash.Write(cert.Raw)

	attrs := [][]byte{
		encodeAttribute(oidAttrContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }),
		encodeAttribute(oidAttrSigningTime, func(b *cryptobyte.Builder) { addTime(b, now) }),
		encodeAttribute(oidAttrMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }),
		encodeAttribute(oidAttrSigningCertV2, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
						addDigestAlgorithm(b, p)
						b.AddASN1OctetString(certHash.Sum(nil))
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
								b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
									b.AddBytes(cert.RawIssuer)
								})
							})
							b.AddASN1BigInt(cert.SerialNumber)
						})
					})
				})
			})
		}),
	}
	// DER orders a SET OF by the encodings of its elements.
	slices.SortFunc(attrs, bytes.Compare)
	signedAttrs := bytes.Join(attrs, nil)

	var set cryptobyte.Builder
	set.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(signedAttrs) })
	h = p.NewHash()
	h.Write(set.BytesOrPanic())
	sig, err := key.SignDigest(rand.Reader, h.Sum(nil))
	if err != nil {
		return nil, err
	}

	return encodeSignedData(p, cert.Raw, cert.RawIssuer, cert.SerialNumber, signedAttrs, sig)
}

// encodeSignedData writes a detached ContentInfo/SignedData with one
// certificate and one signer identified by issuer and serial number.
func encodeSignedData(p ParamSet, certDER, issuer []byte, serial *big.Int, signedAttrs, sig []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addDigestAlgorithm(b, p) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(certDER) })
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
							b.AddBytes(issuer)
							b.AddASN1BigInt(serial)
						})
						addDigestAlgorithm(b, p)
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(signedAttrs) })
						// The key's algorithm OID, as OpenSSL's gost engine and RFC 4490 write it.
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(p.publicKeyOID()) })
						b.AddASN1OctetString(sig)
					})
				})
			})
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("esign: encode SignedData: %w", err)
	}
	return der, nil
}

func encodeAttribute(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, value)
	})
	return b.BytesOrPanic()
}

func addDigestAlgorithm(b *cryptobyte.Builder, p ParamSet) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(p.digestOID()) })
}

// signedData is the part of a parsed SignedData verification needs.
type signedData struct {
	certs    []*Certificate
	certErr  error // why a carried certificate could not be read, if any
	signers  []signerInfo
	attached bool
}

type signerInfo struct {
	issuer        []byte // DER Name, with serial; or
	serial        *big.Int
	keyID         []byte // subjectKeyIdentifier form
	digestOID     asn1.ObjectIdentifier
	signedAttrs   []byte // contents of [0], nil when absent
	sigOID        asn1.ObjectIdentifier
	signature     []byte
	contentDigest []byte
	signingTime   time.Time
	essCertHashes []essCertID
	contentType   asn1.ObjectIdentifier
}

type essCertID struct {
	hashOID asn1.ObjectIdentifier
	hash    []byte
}

// VerifyDetached checks a detached CMS signature over the document read from
// r (never held whole). sig may be DER, PEM ("CMS" or "PKCS7") or bare
// base64, as signing tools save it. It returns the signer when the document
// digest, the signature and, per opts, the signer's certificate all check out.
func VerifyDetached(r io.Reader, sig []byte, opts VerifyOptions) (*SignerInfo, error) {
	ds, err := parseDetached(sig, opts.Signer)
	if err != nil {
		return nil, err
	}
	cert := ds.cert
	// The certificate is checked before the document is read: a large file
	// is not hashed for a signer who would be refused anyway.
	if err := checkSigningKeyUsage(cert); err != nil {
		return nil, err
	}
	var chain []*Certificate
	if opts.Roots != nil {
		if chain, err = cert.Verify(ChainOptions{Roots: opts.Roots, Intermediates: NewPool(ds.carried...), At: opts.At}); err != nil {
			return nil, err
		}
	} else if err := cert.CheckValidity(atOrNow(opts.At)); err != nil {
		return nil, err
	}
	info, err := ds.verify(r)
	if err != nil {
		return nil, err
	}
	info.Chain = chain
	return info, nil
}

// detachedSignature is a parsed detached signature with its signer chosen
// and the algorithms checked against the signer's key, not yet checked
// against the document.
type detachedSignature struct {
	si      *signerInfo
	cert    *Certificate
	carried []*Certificate // every certificate the signature carries
}

// parseDetached reads a detached signature and picks the SignerInfo to
// verify: expected's when set, otherwise the only one.
func parseDetached(sig []byte, expected *Certificate) (*detachedSignature, error) {
	der, err := signatureDER(sig)
	if err != nil {
		return nil, err
	}
	sd, err := parseSignedData(der)
	if err != nil {
		return nil, err
	}
	if sd.attached {
		return nil, fmt.Errorf("esign: %w: the signature contains the document; a detached signature is expected", ErrMalformed)
	}
	si, cert, err := sd.signerCertificate(expected)
	if err != nil {
		return nil, err
	}
	p := cert.PublicKey.ParamSet()
	if !si.digestOID.Equal(p.digestOID()) {
		return nil, fmt.Errorf("esign: %w: digest %s with a %d-bit key", ErrUnsupportedAlgorithm, si.digestOID, p.Size*8)
	}
	if !si.sigOID.Equal(p.publicKeyOID()) && !si.sigOID.Equal(p.signatureOID()) {
		return nil, fmt.Errorf("esign: %w: signature algorithm %s with a %d-bit GOST key", ErrUnsupportedAlgorithm, si.sigOID, p.Size*8)
	}
	return &detachedSignature{si: si, cert: cert, carried: sd.certs}, nil
}

// checkSigningKeyUsage refuses a certificate whose key usage does not allow
// signing documents (digitalSignature or nonRepudiation).
func checkSigningKeyUsage(cert *Certificate) error {
	if cert.HasKeyUsage && cert.KeyUsage&(KeyUsageDigitalSignature|KeyUsageNonRepudiation) == 0 {
		return fmt.Errorf("esign: %w: %q may not sign documents", ErrKeyUsage, cert.Subject.FullName())
	}
	return nil
}

// verify hashes the document read from r and checks the digest, the
// signing certificate attribute and the signature itself; it says nothing
// about whether the certificate is to be trusted.
func (ds *detachedSignature) verify(r io.Reader) (*SignerInfo, error) {
	si, cert := ds.si, ds.cert
	p := cert.PublicKey.ParamSet()
	h := p.NewHash()
	if _, err := io.Copy(h, r); err != nil {
		return nil, fmt.Errorf("esign: verify: read document: %w", err)
	}
	digest := h.Sum(nil)

	signed := digest
	if si.signedAttrs != nil {
		if !bytes.Equal(si.contentDigest, digest) {
			return nil, fmt.Errorf("esign: %w", ErrDigestMismatch)
		}
		if err := checkESSCertIDs(si.essCertHashes, cert); err != nil {
			return nil, err
		}
		// The signature covers the attributes re-tagged as a SET (RFC 5652 5.4).
		var set cryptobyte.Builder
		set.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(si.signedAttrs) })
		ah := p.NewHash()
		ah.Write(set.BytesOrPanic())
		signed = ah.Sum(nil)
	}
	if err := cert.PublicKey.VerifyDigest(signed, si.signature); err != nil {
		return nil, wrap(fmt.Sprintf("CMS signature by %q", cert.Subject.FullName()), err)
	}
	return &SignerInfo{Certificate: cert, SigningTime: si.signingTime, Digest: digest}, nil
}

func atOrNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// signatureDER accepts DER, PEM or bare base64 and returns DER.
func signatureDER(sig []byte) ([]byte, error) {
	// Base64 and PEM take a third more room than the DER they carry.
	if len(sig) > maxSignatureSize*2 {
		return nil, fmt.Errorf("esign: %w: signature file of %d bytes exceeds %d", ErrMalformed, len(sig), maxSignatureSize*2)
	}
	trimmed := bytes.TrimSpace(sig)
	if len(trimmed) > 0 && trimmed[0] == 0x30 {
		return sig, nil
	}
	if block, _ := pem.Decode(trimmed); block != nil {
		if block.Type != "CMS" && block.Type != "PKCS7" {
			return nil, fmt.Errorf("esign: %w: PEM block %q, want CMS or PKCS7", ErrMalformed, block.Type)
		}
		return block.Bytes, nil
	}
	clean := bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, trimmed)
	der, err := base64.StdEncoding.DecodeString(string(clean))
	if err != nil || len(der) == 0 {
		return nil, fmt.Errorf("esign: %w: signature is neither DER, PEM nor base64", ErrMalformed)
	}
	return der, nil
}

func parseSignedData(der []byte) (*signedData, error) {
	if len(der) > maxSignatureSize {
		return nil, fmt.Errorf("esign: %w: signature of %d bytes exceeds %d", ErrMalformed, len(der), maxSignatureSize)
	}
	in := cryptobyte.String(der)
	var ci, content, sd, digestAlgs, encap, signerInfos cryptobyte.String
	var ctype, etype asn1.ObjectIdentifier
	var version int64
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty() || !ci.ReadASN1ObjectIdentifier(&ctype) {
		return nil, fmt.Errorf("esign: %w: not a CMS ContentInfo (truncated or not DER)", ErrMalformed)
	}
	if !ctype.Equal(oidSignedData) {
		return nil, fmt.Errorf("esign: %w: CMS content type %s, want signedData", ErrMalformed, ctype)
	}
	if !ci.ReadASN1(&content, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() ||
		!content.ReadASN1(&sd, cbasn1.SEQUENCE) || !content.Empty() ||
		!sd.ReadASN1Integer(&version) ||
		!sd.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!sd.ReadASN1(&encap, cbasn1.SEQUENCE) ||
		!encap.ReadASN1ObjectIdentifier(&etype) {
		return nil, fmt.Errorf("esign: %w: SignedData", ErrMalformed)
	}
	out := &signedData{}
	out.attached = encap.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific())
	var certSet, crls cryptobyte.String
	var hasCerts, hasCRLs bool
	if !sd.ReadOptionalASN1(&certSet, &hasCerts, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!sd.ReadOptionalASN1(&crls, &hasCRLs, cbasn1.Tag(1).Constructed().ContextSpecific()) ||
		!sd.ReadASN1(&signerInfos, cbasn1.SET) || !sd.Empty() {
		return nil, fmt.Errorf("esign: %w: SignedData", ErrMalformed)
	}
	for !certSet.Empty() {
		var raw cryptobyte.String
		var tag cbasn1.Tag
		if !certSet.ReadAnyASN1Element(&raw, &tag) {
			return nil, fmt.Errorf("esign: %w: SignedData certificates", ErrMalformed)
		}
		if tag != cbasn1.SEQUENCE {
			continue // attribute certificates and other choices play no part here
		}
		c, err := ParseCertificate(raw)
		if err != nil {
			// One unreadable certificate (say RSA) only matters if it is the signer's.
			if out.certErr == nil {
				out.certErr = err
			}
			continue
		}
		out.certs = append(out.certs, c)
	}
	for !signerInfos.Empty() {
		var one cryptobyte.String
		if !signerInfos.ReadASN1(&one, cbasn1.SEQUENCE) {
			return nil, fmt.Errorf("esign: %w: SignerInfo", ErrMalformed)
		}
		if len(out.signers) == maxSigners {
			return nil, fmt.Errorf("esign: %w: more than %d signers", ErrMalformed, maxSigners)
		}
		var si signerInfo
		if err := si.parse(one); err != nil {
			return nil, err
		}
		if si.signedAttrs != nil && !si.contentType.Equal(etype) {
			return nil, fmt.Errorf("esign: %w: content-type attribute %s differs from %s", ErrMalformed, si.contentType, etype)
		}
		out.signers = append(out.signers, si)
	}
	if len(out.signers) == 0 {
		return nil, fmt.Errorf("esign: %w: SignedData has no signer", ErrMalformed)
	}
	return out, nil
}

func (si *signerInfo) parse(s cryptobyte.String) error {
	var version int64
	var digestAlg, sigAlg cryptobyte.String
	if !s.ReadASN1Integer(&version) {
		return fmt.Errorf("esign: %w: SignerInfo version", ErrMalformed)
	}
	switch {
	case s.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias cryptobyte.String
		si.serial = new(big.Int)
		if !s.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element((*cryptobyte.String)(&si.issuer), cbasn1.SEQUENCE) ||
			!ias.ReadASN1Integer(si.serial) || !ias.Empty() {
			return fmt.Errorf("esign: %w: SignerInfo issuerAndSerialNumber", ErrMalformed)
		}
	case s.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		if !s.ReadASN1Bytes(&si.keyID, cbasn1.Tag(0).ContextSpecific()) {
			return fmt.Errorf("esign: %w: SignerInfo subjectKeyIdentifier", ErrMalformed)
		}
	default:
		return fmt.Errorf("esign: %w: SignerInfo signer identifier", ErrMalformed)
	}
	if !s.ReadASN1(&digestAlg, cbasn1.SEQUENCE) || !digestAlg.ReadASN1ObjectIdentifier(&si.digestOID) {
		return fmt.Errorf("esign: %w: SignerInfo digest algorithm", ErrMalformed)
	}
	if s.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var attrs cryptobyte.String
		if !s.ReadASN1(&attrs, cbasn1.Tag(0).Constructed().ContextSpecific()) {
			return fmt.Errorf("esign: %w: SignerInfo signed attributes", ErrMalformed)
		}
		si.signedAttrs = slices.Clone([]byte(attrs))
		if si.signedAttrs == nil {
			si.signedAttrs = []byte{}
		}
		if err := si.parseSignedAttrs(attrs); err != nil {
			return err
		}
	}
	if !s.ReadASN1(&sigAlg, cbasn1.SEQUENCE) || !sigAlg.ReadASN1ObjectIdentifier(&si.sigOID) ||
		!s.ReadASN1Bytes(&si.signature, cbasn1.OCTET_STRING) {
		return fmt.Errorf("esign: %w: SignerInfo signature", ErrMalformed)
	}
	s.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) // unsigned attributes (timestamps)
	if !s.Empty() {
		return fmt.Errorf("esign: %w: SignerInfo trailing data", ErrMalformed)
	}
	return nil
}

// parseSignedAttrs reads the attributes verification relies on; each must
// appear once with one value (RFC 5652 11).
func (si *signerInfo) parseSignedAttrs(attrs cryptobyte.String) error {
	seen := map[string]bool{}
	for !attrs.Empty() {
		var attr, values, value cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !attr.Empty() {
			return fmt.Errorf("esign: %w: signed attribute", ErrMalformed)
		}
		if seen[oid.String()] {
			return fmt.Errorf("esign: %w: signed attribute %s appears twice", ErrMalformed, oid)
		}
		seen[oid.String()] = true
		var tag cbasn1.Tag
		if !values.ReadAnyASN1Element(&value, &tag) || !values.Empty() {
			if oid.Equal(oidAttrContentType) || oid.Equal(oidAttrMessageDigest) || oid.Equal(oidAttrSigningTime) {
				return fmt.Errorf("esign: %w: signed attribute %s must have one value", ErrMalformed, oid)
			}
			continue
		}
		ok := true
		switch {
		case oid.Equal(oidAttrContentType):
			ok = value.ReadASN1ObjectIdentifier(&si.contentType)
		case oid.Equal(oidAttrMessageDigest):
			ok = value.ReadASN1Bytes(&si.contentDigest, cbasn1.OCTET_STRING)
		case oid.Equal(oidAttrSigningTime):
			t, err := readTime(&value)
			ok = err == nil
			si.signingTime = t
		case oid.Equal(oidAttrSigningCertV2):
			ok = si.parseSigningCertV2(value)
		}
		if !ok {
			return fmt.Errorf("esign: %w: signed attribute %s", ErrMalformed, oid)
		}
	}
	if si.contentType == nil || si.contentDigest == nil {
		return fmt.Errorf("esign: %w: signed attributes lack content-type or message-digest", ErrMalformed)
	}
	return nil
}

func (si *signerInfo) parseSigningCertV2(v cryptobyte.String) bool {
	var scv2, certs cryptobyte.String
	if !v.ReadASN1(&scv2, cbasn1.SEQUENCE) || !scv2.ReadASN1(&certs, cbasn1.SEQUENCE) {
		return false
	}
	for !certs.Empty() {
		var id, alg cryptobyte.String
		e := essCertID{hashOID: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}} // DEFAULT sha256
		if !certs.ReadASN1(&id, cbasn1.SEQUENCE) {
			return false
		}
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			if !id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&e.hashOID) {
				return false
			}
		}
		if !id.ReadASN1Bytes(&e.hash, cbasn1.OCTET_STRING) {
			return false
		}
		si.essCertHashes = append(si.essCertHashes, e)
	}
	return true
}

// checkESSCertIDs: the first ESSCertIDv2 names the signing certificate
// (RFC 5035 3), so a certificate substituted after signing is caught.
func checkESSCertIDs(ids []essCertID, cert *Certificate) error {
	if len(ids) == 0 {
		return nil
	}
	var h hash.Hash
	if ids[0].hashOID.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}) {
		h = sha256.New()
	} else {
		var err error
		if h, err = hashByOID(ids[0].hashOID); err != nil {
			return wrap("signing-certificate-v2", err)
		}
	}
	h.Write(cert.Raw)
	if !bytes.Equal(h.Sum(nil), ids[0].hash) {
		return fmt.Errorf("esign: %w: signing-certificate-v2 names another certificate", ErrWrongSigner)
	}
	return nil
}

// signerCertificate picks the SignerInfo to verify and its certificate.
// With an expected certificate it is that person's SignerInfo, even among
// co-signers; otherwise the signature must have exactly one signer, whose
// certificate is among those carried.
func (sd *signedData) signerCertificate(expected *Certificate) (*signerInfo, *Certificate, error) {
	if expected != nil {
		for i := range sd.signers {
			if sd.signers[i].identifies(expected) {
				return &sd.signers[i], expected, nil
			}
		}
		return nil, nil, fmt.Errorf("esign: %w: not by %q", ErrWrongSigner, expected.Subject.FullName())
	}
	if len(sd.signers) != 1 {
		return nil, nil, fmt.Errorf("esign: %w: %d signers; name the expected signer to choose one", ErrMalformed, len(sd.signers))
	}
	si := &sd.signers[0]
	for _, c := range sd.certs {
		if si.identifies(c) {
			return si, c, nil
		}
	}
	if sd.certErr != nil {
		return nil, nil, wrap("signer certificate", sd.certErr)
	}
	return nil, nil, fmt.Errorf("esign: %w: the signer's certificate is not in the signature", ErrUntrusted)
}

// identifies tells whether the SignerInfo names certificate c.
func (si *signerInfo) identifies(c *Certificate) bool {
	if si.keyID != nil {
		return bytes.Equal(c.SubjectKeyID, si.keyID)
	}
	return bytes.Equal(c.RawIssuer, si.issuer) && c.SerialNumber.Cmp(si.serial) == 0
}
