package gost3410

import (
	"encoding/asn1"
	"fmt"
	"math/big"
	"sync"
)

// Curve is a named GOST R 34.10-2012 parameter set: a short Weierstrass
// curve y² = x³ + ax + b over GF(p) with a base point of prime order q.
// The two twisted Edwards sets (tc26 256-A and 512-C) are given in their
// Weierstrass form, which is how OpenSSL and the signature equations use them.
type Curve struct {
	// Name is one of the names accepted by CurveByName. Curves are shared
	// values: callers read Name and OID and must not change them.
	Name string
	// OID identifies the parameter set in AlgorithmIdentifier parameters.
	OID asn1.ObjectIdentifier

	p, q, a, b *big.Int
	gx, gy     *big.Int
	cofactor   int
	size       int // bytes of one coordinate or scalar: 32 or 64

	arith *arith
	// Tables built on first use: signing and verifying need them, parsing
	// a certificate does not.
	baseTable          func() *combTable
	baseOddMultiples   func() []affine
	edBaseOddMultiples func() []edAffine
}

// BitSize is the size of the field and of the scalars in bits: 256 or 512.
func (c *Curve) BitSize() int { return c.size * 8 }

// PointSize is the length of a raw public key (X||Y): 64 or 128 bytes.
func (c *Curve) PointSize() int { return 2 * c.size }

// ScalarSize is the length of a raw private key and of the digest the
// curve signs: 32 or 64 bytes.
func (c *Curve) ScalarSize() int { return c.size }

// SignatureSize is the length of a signature (s||r): 64 or 128 bytes.
func (c *Curve) SignatureSize() int { return 2 * c.size }

// Params returns copies of the curve's parameters, for code that must
// write them out (explicit parameters, test harnesses).
func (c *Curve) Params() (p, q, a, b, gx, gy *big.Int) {
	cp := func(v *big.Int) *big.Int { return new(big.Int).Set(v) }
	return cp(c.p), cp(c.q), cp(c.a), cp(c.b), cp(c.gx), cp(c.gy)
}

// Cofactor is #E / q: 1 for most sets, 4 for the twisted Edwards ones.
func (c *Curve) Cofactor() int { return c.cofactor }

func (c *Curve) String() string { return c.Name }

// curveSpec holds the published parameters of one set, in hexadecimal as
// RFC 4357 and RFC 7836 print them.
type curveSpec struct {
	name               string
	oid                asn1.ObjectIdentifier
	p, q, a, b, gx, gy string
	cofactor           int
	edwardsD           string // d of the twisted Edwards form with e = 1, if the set has one
}

// Published parameter sets. CryptoPro-A/B/C are the same curves as tc26
// 256-B/C/D, and XchA/XchB the same as CryptoPro-A/C; each keeps its own
// name and OID because certificates carry the OID they were issued with.
var curveSpecs = [...]curveSpec{
	{name: "A", oid: asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 1}, cofactor: 4,
		p:        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
		q:        "400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
		a:        "C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
		b:        "295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
		gx:       "91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
		gy:       "32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C",
		edwardsD: "0605F6B7C183FA81578BC39CFAD518132B9DF62897009AF7E522C32D6DC7BFFB"},
	{name: "B", oid: asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 2}, cofactor: 1,
		p:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
		q:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
		a:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
		b:  "A6",
		gx: "1",
		gy: "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14"},
	{name: "C", oid: asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 3}, cofactor: 1,
		p:  "8000000000000000000000000000000000000000000000000000000000000C99",
		q:  "800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F",
		a:  "8000000000000000000000000000000000000000000000000000000000000C96",
		b:  "3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B",
		gx: "1",
		gy: "3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC"},
	{name: "D", oid: asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 4}, cofactor: 1,
		p:  "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
		q:  "9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
		a:  "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
		b:  "805A",
		gx: "0",
		gy: "41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67"},
	{name: "CryptoPro-A", oid: asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 1}, cofactor: 1,
		p:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
		q:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
		a:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
		b:  "A6",
		gx: "1",
		gy: "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14"},
	{name: "CryptoPro-B", oid: asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 2}, cofactor: 1,
		p:  "8000000000000000000000000000000000000000000000000000000000000C99",
		q:  "800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F",
		a:  "8000000000000000000000000000000000000000000000000000000000000C96",
		b:  "3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B",
		gx: "1",
		gy: "3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC"},
	{name: "CryptoPro-C", oid: asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 3}, cofactor: 1,
		p:  "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
		q:  "9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
		a:  "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
		b:  "805A",
		gx: "0",
		gy: "41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67"},
	{name: "CryptoPro-XchA", oid: asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 0}, cofactor: 1,
		p:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
		q:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
		a:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
		b:  "A6",
		gx: "1",
		gy: "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14"},
	{name: "CryptoPro-XchB", oid: asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 1}, cofactor: 1,
		p:  "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
		q:  "9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
		a:  "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
		b:  "805A",
		gx: "0",
		gy: "41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67"},
	{name: "512-A", oid: asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 1}, cofactor: 1,
		p:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
		q:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
		a:  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
		b:  "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
		gx: "3",
		gy: "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4"},
	{name: "512-B", oid: asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 2}, cofactor: 1,
		p:  "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006F",
		q:  "800000000000000000000000000000000000000000000000000000000000000149A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD",
		a:  "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006C",
		b:  "687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116",
		gx: "2",
		gy: "1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD"},
	{name: "512-C", oid: asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 3}, cofactor: 4,
		p:        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
		q:        "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED",
		a:        "DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E143064546E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3",
		b:        "B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE038CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1",
		gx:       "E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043AA27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148",
		gy:       "F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9BE18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F",
		edwardsD: "9E4F5D8C017D8D9F13A5CF3CDF5BFE4DAB402D54198E31EBDE28A0621050439CA6B39E0A515C06B304E2CE43E79E369E91A0CFC2BC2A22B4CA302DBB33EE7550"},
}

// namedCurves builds the curves once: they are immutable values derived
// from the constant table above, so sharing them is as safe as sharing the
// table, and it spares every verification the precomputation.
var namedCurves = sync.OnceValue(func() []*Curve {
	curves := make([]*Curve, len(curveSpecs))
	for i, s := range curveSpecs {
		c, err := newCurve(s)
		if err != nil {
			panic(err) // the table is a constant: a bad entry is a programming error caught by every test
		}
		curves[i] = c
	}
	return curves
})

// newCurve parses and checks one parameter set.
func newCurve(s curveSpec) (*Curve, error) {
	num := func(field, h string) (*big.Int, error) {
		v, ok := new(big.Int).SetString(h, 16)
		if !ok {
			return nil, fmt.Errorf("gost3410: curve %s: parameter %s is not hexadecimal", s.name, field)
		}
		return v, nil
	}
	c := &Curve{Name: s.name, OID: s.oid, cofactor: s.cofactor}
	var err error
	for _, f := range []struct {
		name string
		hex  string
		dst  **big.Int
	}{{"p", s.p, &c.p}, {"q", s.q, &c.q}, {"a", s.a, &c.a}, {"b", s.b, &c.b}, {"x", s.gx, &c.gx}, {"y", s.gy, &c.gy}} {
		if *f.dst, err = num(f.name, f.hex); err != nil {
			return nil, err
		}
	}
	switch c.p.BitLen() {
	case 255, 256:
		c.size = 32
	case 511, 512:
		c.size = 64
	default:
		return nil, fmt.Errorf("gost3410: curve %s: field of %d bits is neither 256 nor 512", s.name, c.p.BitLen())
	}
	if !c.onCurve(c.gx, c.gy) {
		return nil, fmt.Errorf("gost3410: curve %s: base point is not on the curve", s.name)
	}
	c.arith = newArith(c)
	if s.edwardsD != "" {
		d, err := num("d", s.edwardsD)
		if err != nil {
			return nil, err
		}
		if c.arith.ed, err = newEdwards(c.arith, c, d); err != nil {
			return nil, err
		}
		c.baseTable = sync.OnceValue(func() *combTable { return newEdCombTable(c.arith) })
		c.edBaseOddMultiples = sync.OnceValue(func() []edAffine { return newEdBaseOddMultiples(c.arith) })
		return c, nil
	}
	c.baseTable = sync.OnceValue(func() *combTable { return newCombTable(c.arith) })
	c.baseOddMultiples = sync.OnceValue(func() []affine { return newBaseOddMultiples(c.arith) })
	return c, nil
}

// onCurve reports whether (x, y) with 0 ≤ x, y < p satisfies the curve equation.
func (c *Curve) onCurve(x, y *big.Int) bool {
	if x.Sign() < 0 || y.Sign() < 0 || x.Cmp(c.p) >= 0 || y.Cmp(c.p) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, c.p)
	rhs := new(big.Int).Mul(x, x)
	rhs.Add(rhs, c.a)
	rhs.Mul(rhs, x)
	rhs.Add(rhs, c.b)
	rhs.Mod(rhs, c.p)
	return lhs.Cmp(rhs) == 0
}

// Curves returns every named parameter set, 256-bit ones first.
func Curves() []*Curve {
	return append([]*Curve(nil), namedCurves()...)
}

// CurveByName returns the parameter set with the given name: "A".."D"
// (tc26 256-bit), "CryptoPro-A", "CryptoPro-B", "CryptoPro-C",
// "CryptoPro-XchA", "CryptoPro-XchB", "512-A", "512-B", "512-C".
func CurveByName(name string) (*Curve, error) {
	for _, c := range namedCurves() {
		if c.Name == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: no parameter set named %q", ErrUnknownCurve, name)
}

// CurveByOID returns the parameter set identified by oid.
func CurveByOID(oid asn1.ObjectIdentifier) (*Curve, error) {
	for _, c := range namedCurves() {
		if c.OID.Equal(oid) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: no parameter set with OID %s", ErrUnknownCurve, oid)
}
