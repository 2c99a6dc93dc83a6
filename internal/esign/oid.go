package esign

import (
	"encoding/asn1"
	"fmt"
	"strings"
)

// Object identifiers of the algorithms, attributes and extensions esign reads
// and writes. The GOST ones come from R 1323565.1.024-2019 and RFC 9215.
var (
	oidGost2012PublicKey256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
	oidGost2012PublicKey512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}
	oidGost2012Signature256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2}
	oidGost2012Signature512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 3}
	oidStreebog256          = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	oidStreebog512          = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}

	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSigningCertV2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidExtSubjectKeyID      = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtKeyUsage          = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtBasicConstraints  = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtAuthorityKeyID    = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtExtendedKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtSubjectSignTool   = asn1.ObjectIdentifier{1, 2, 643, 100, 111}
	oidExtCertificatePolicy = asn1.ObjectIdentifier{2, 5, 29, 32}
)

// ParamSet is a named GOST R 34.10-2012 parameter set: the elliptic curve a
// key lives on and how it is written in AlgorithmIdentifier parameters.
type ParamSet struct {
	// Name is the name OpenSSL's gost engine accepts in -pkeyopt paramset:.
	Name string
	// Description is the name from the standard, for people.
	Description string
	// OID identifies the curve in GostR3410-2012-PublicKeyParameters.
	OID asn1.ObjectIdentifier
	// Size is the key size in bytes: 32 for 256-bit keys, 64 for 512-bit keys.
	Size int
	// withDigestOID: OpenSSL (after R 1323565.1.024) writes the digest OID in
	// the key parameters for the CryptoPro sets and the 512-bit sets A and B,
	// and leaves it out for the TC26 256-bit sets and 512-bit set C.
	withDigestOID bool
}

// paramSets lists every parameter set esign knows, 256-bit first.
var paramSets = []ParamSet{
	{"A", "id-GostR3410-2001-CryptoPro-A-ParamSet", asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 1}, 32, true},
	{"B", "id-GostR3410-2001-CryptoPro-B-ParamSet", asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 2}, 32, true},
	{"C", "id-GostR3410-2001-CryptoPro-C-ParamSet", asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 3}, 32, true},
	{"XA", "id-GostR3410-2001-CryptoPro-XchA-ParamSet", asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 0}, 32, true},
	{"XB", "id-GostR3410-2001-CryptoPro-XchB-ParamSet", asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 1}, 32, true},
	{"TCA", "id-tc26-gost-3410-2012-256-paramSetA", asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 1}, 32, false},
	{"TCB", "id-tc26-gost-3410-2012-256-paramSetB", asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 2}, 32, false},
	{"TCC", "id-tc26-gost-3410-2012-256-paramSetC", asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 3}, 32, false},
	{"TCD", "id-tc26-gost-3410-2012-256-paramSetD", asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 4}, 32, false},
	{"512A", "id-tc26-gost-3410-12-512-paramSetA", asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 1}, 64, true},
	{"512B", "id-tc26-gost-3410-12-512-paramSetB", asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 2}, 64, true},
	{"512C", "id-tc26-gost-3410-2012-512-paramSetC", asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 3}, 64, false},
}

// ParamSets returns the parameter sets esign supports.
func ParamSets() []ParamSet {
	return append([]ParamSet(nil), paramSets...)
}

// ParamSetByName finds a parameter set by its OpenSSL short name ("A",
// "TCA", "512B"), its long name ("id-tc26-gost-3410-2012-256-paramSetA"),
// both case-insensitive, or its dotted OID.
func ParamSetByName(name string) (ParamSet, error) {
	for _, p := range paramSets {
		if strings.EqualFold(p.Name, name) || strings.EqualFold(p.Description, name) || p.OID.String() == name {
			return p, nil
		}
	}
	return ParamSet{}, fmt.Errorf("esign: unknown GOST R 34.10-2012 parameter set %q", name)
}

func paramSetByOID(oid asn1.ObjectIdentifier, size int) (ParamSet, error) {
	for _, p := range paramSets {
		if p.OID.Equal(oid) && p.Size == size {
			return p, nil
		}
	}
	return ParamSet{}, fmt.Errorf("esign: %w: curve %s for a %d-bit key", ErrUnsupportedAlgorithm, oid, size*8)
}

// publicKeyOID, signatureOID and digestOID name the algorithms that go with a
// key of this parameter set.
func (p ParamSet) publicKeyOID() asn1.ObjectIdentifier {
	if p.Size == 64 {
		return oidGost2012PublicKey512
	}
	return oidGost2012PublicKey256
}

func (p ParamSet) signatureOID() asn1.ObjectIdentifier {
	if p.Size == 64 {
		return oidGost2012Signature512
	}
	return oidGost2012Signature256
}

func (p ParamSet) digestOID() asn1.ObjectIdentifier {
	if p.Size == 64 {
		return oidStreebog512
	}
	return oidStreebog256
}
