package gost3410

import (
	"crypto/rand"
	"math/big"
	"testing"
)

// testCurves are the named sets plus the standard's test sets, so that
// fields with the top bit clear and set are both covered.
func testCurves(t *testing.T) []*Curve {
	t.Helper()
	curves := Curves()
	for _, ex := range standardExamples {
		c, err := newCurve(ex.spec)
		if err != nil {
			t.Fatal(err)
		}
		curves = append(curves, c)
	}
	return curves
}

// edgeValues are numbers below m that stress carries and reductions.
func edgeValues(m *big.Int) []*big.Int {
	one := big.NewInt(1)
	vals := []*big.Int{big.NewInt(0), one, big.NewInt(2), new(big.Int).Sub(m, one), new(big.Int).Sub(m, big.NewInt(2)),
		new(big.Int).Rsh(m, 1), new(big.Int).Sub(new(big.Int).Lsh(one, uint(m.BitLen()-1)), one)}
	for range 20 {
		v, _ := rand.Int(rand.Reader, m)
		vals = append(vals, v)
	}
	return vals
}

func TestFieldMatchesBig(t *testing.T) {
	for _, c := range testCurves(t) {
		for _, f := range []*field{c.arith.fp, c.arith.fq} {
			m := f.mBig
			vals := edgeValues(m)
			mont := func(v *big.Int) elem {
				e := elemFromBig(v)
				var r elem
				f.toMont(&r, &e)
				return r
			}
			out := func(e elem) *big.Int {
				var r elem
				f.fromMont(&r, &e)
				return r.big()
			}
			for i, x := range vals {
				y := vals[(i*7+3)%len(vals)]
				xm, ym := mont(x), mont(y)
				var z elem
				want := new(big.Int)

				f.mul(&z, &xm, &ym)
				if want.Mul(x, y).Mod(want, m); out(z).Cmp(want) != 0 {
					t.Fatalf("%s mod %x: %x·%x = %x, want %x", c.Name, m, x, y, out(z), want)
				}
				f.sqr(&z, &xm)
				if want.Mul(x, x).Mod(want, m); out(z).Cmp(want) != 0 {
					t.Fatalf("%s mod %x: %x² = %x, want %x", c.Name, m, x, out(z), want)
				}
				f.add(&z, &xm, &ym)
				if want.Add(x, y).Mod(want, m); out(z).Cmp(want) != 0 {
					t.Fatalf("%s mod %x: %x+%x = %x, want %x", c.Name, m, x, y, out(z), want)
				}
				f.sub(&z, &xm, &ym)
				if want.Sub(x, y).Mod(want, m); out(z).Cmp(want) != 0 {
					t.Fatalf("%s mod %x: %x-%x = %x, want %x", c.Name, m, x, y, out(z), want)
				}
				if x.Sign() != 0 {
					f.inv(&z, &xm)
					if want.ModInverse(x, m); out(z).Cmp(want) != 0 {
						t.Fatalf("%s mod %x: 1/%x = %x, want %x", c.Name, m, x, out(z), want)
					}
				}
			}
		}
	}
}

// scalarsToTest are edge scalars plus random ones below q.
func scalarsToTest(c *Curve) []*big.Int {
	one := big.NewInt(1)
	vals := []*big.Int{one, big.NewInt(2), big.NewInt(15), big.NewInt(16), big.NewInt(17),
		new(big.Int).Sub(c.q, one), new(big.Int).Sub(c.q, big.NewInt(2)),
		new(big.Int).Lsh(one, uint(c.q.BitLen()-1)),                        // one bit, all other windows zero
		new(big.Int).Sub(new(big.Int).Lsh(one, uint(c.q.BitLen()-1)), one)} // every window 0xf
	for range 6 {
		v, _ := rand.Int(rand.Reader, new(big.Int).Sub(c.q, one))
		vals = append(vals, v.Add(v, one))
	}
	return vals
}

// TestScalarMultMatchesReference compares the constant-time fixed-base and
// variable-base multiplications with affine math/big double-and-add.
func TestScalarMultMatchesReference(t *testing.T) {
	for _, c := range testCurves(t) {
		t.Run(c.Name, func(t *testing.T) {
			// A random point Q of order q, made by the reference alone.
			u, _ := rand.Int(rand.Reader, c.q)
			qx, qy, _ := c.affineMult(c.gx, c.gy, u.Add(u, big.NewInt(1)))
			for _, k := range scalarsToTest(c) {
				ke := elemFromBig(k)
				gotX, gotY := c.baseMult(ke)
				wantX, wantY, _ := c.affineMult(c.gx, c.gy, k)
				if gotX.Cmp(wantX) != 0 || gotY.Cmp(wantY) != 0 {
					t.Fatalf("k·P for k=%x:\n got (%x, %x)\nwant (%x, %x)", k, gotX, gotY, wantX, wantY)
				}
				x, ok := c.combinedMult(big.NewInt(0), k, qx, qy)
				wantX, _, _ = c.affineMult(qx, qy, k)
				if !ok || x.Cmp(wantX) != 0 {
					t.Fatalf("k·Q for k=%x: got x %x, want %x", k, x, wantX)
				}
			}
			// q·Q and z·P + (q-z)·P are the point at infinity.
			if x, ok := c.combinedMult(big.NewInt(0), c.q, qx, qy); ok {
				t.Fatalf("q·Q is not the point at infinity: x %x", x)
			}
			z, _ := rand.Int(rand.Reader, c.q)
			if x, ok := c.combinedMult(z, new(big.Int).Sub(c.q, z), c.gx, c.gy); ok {
				t.Fatalf("z·P + (q-z)·P is not the point at infinity: x %x", x)
			}
			for range 3 {
				z1, _ := rand.Int(rand.Reader, c.q)
				z2, _ := rand.Int(rand.Reader, c.q)
				got, ok := c.combinedMult(z1, z2, qx, qy)
				want, wantOK := c.refCombinedMult(z1, z2, qx, qy)
				if ok != wantOK || (ok && got.Cmp(want) != 0) {
					t.Fatalf("z1·P+z2·Q: got %x %v, want %x %v", got, ok, want, wantOK)
				}
			}
		})
	}
}

// TestCompleteFormulas checks the cases incomplete formulas get wrong:
// doubling through add, adding the inverse, adding infinity.
func TestCompleteFormulas(t *testing.T) {
	for _, c := range testCurves(t) {
		ar := c.arith
		p := ar.g
		var viaAdd, viaDouble, r point
		ar.add(&viaAdd, &p, &p)
		ar.double(&viaDouble, &p)
		x1, y1, _ := ar.toAffine(&viaAdd)
		x2, y2, _ := ar.toAffine(&viaDouble)
		wantX, wantY, _ := c.affineAdd(c.gx, c.gy, c.gx, c.gy)
		if x1.big().Cmp(wantX) != 0 || y1.big().Cmp(wantY) != 0 || x2.big().Cmp(wantX) != 0 || y2.big().Cmp(wantY) != 0 {
			t.Fatalf("%s: P+P or 2P differs from the reference", c.Name)
		}
		neg := p
		ar.fp.sub(&neg.y, &elem{}, &p.y)
		if ar.add(&r, &p, &neg); ar.fp.isZero(&r.z) != 1 {
			t.Fatalf("%s: P + (-P) is not the point at infinity", c.Name)
		}
		inf := ar.infinity()
		ar.add(&r, &p, &inf)
		if x, y, ok := ar.toAffine(&r); !ok || x.big().Cmp(c.gx) != 0 || y.big().Cmp(c.gy) != 0 {
			t.Fatalf("%s: P + O is not P", c.Name)
		}
		if ar.double(&r, &inf); ar.fp.isZero(&r.z) != 1 {
			t.Fatalf("%s: 2·O is not O", c.Name)
		}
	}
}

// TestJacobianSpecialCases checks the explicit branches of the
// verification formulas against the reference.
func TestJacobianSpecialCases(t *testing.T) {
	for _, c := range testCurves(t) {
		ar := c.arith
		f := ar.fp
		p := jacobian{x: ar.g.x, y: ar.g.y, z: f.one}
		var viaAdd, viaDouble, r jacobian
		ar.jAdd(&viaAdd, &p, &p)
		ar.jDouble(&viaDouble, &p)
		wantX, wantY, _ := c.affineAdd(c.gx, c.gy, c.gx, c.gy)
		for name, q := range map[string]*jacobian{"P+P": &viaAdd, "2P": &viaDouble} {
			a := ar.jacobianToAffineDomain(q)
			var x, y elem
			f.fromMont(&x, &a.x)
			f.fromMont(&y, &a.y)
			if x.big().Cmp(wantX) != 0 || y.big().Cmp(wantY) != 0 {
				t.Fatalf("%s: %s differs from the reference", c.Name, name)
			}
		}
		neg := p
		f.sub(&neg.y, &elem{}, &p.y)
		if ar.jAdd(&r, &p, &neg); f.isZero(&r.z) != 1 {
			t.Fatalf("%s: P + (-P) is not infinity", c.Name)
		}
		inf := jacobian{y: f.one}
		if ar.jAdd(&r, &inf, &p); r != p {
			t.Fatalf("%s: O + P is not P", c.Name)
		}
		if ar.jDouble(&r, &inf); f.isZero(&r.z) != 1 {
			t.Fatalf("%s: 2·O is not O", c.Name)
		}
	}
}

func TestWNAF(t *testing.T) {
	c, _ := CurveByName("512-C")
	for _, k := range append(scalarsToTest(c), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 512), big.NewInt(1))) {
		for _, w := range []uint{wnafWidthKey, wnafWidthBase} {
			ke := elemFromBig(k)
			naf := wnaf(&ke, w, 512)
			sum := new(big.Int)
			for i := len(naf) - 1; i >= 0; i-- {
				sum.Lsh(sum, 1).Add(sum, big.NewInt(int64(naf[i])))
				if d := naf[i]; d != 0 && (d%2 == 0 || abs8(d) >= 1<<(w-1)) {
					t.Fatalf("w=%d: digit %d at %d is not odd and small", w, d, i)
				}
			}
			if sum.Cmp(k) != 0 {
				t.Fatalf("w=%d: digits of %x sum to %x", w, k, sum)
			}
		}
	}
}

func TestSignedDigits(t *testing.T) {
	for _, c := range []*Curve{mustCurve(t, "CryptoPro-A"), mustCurve(t, "512-B")} {
		windows := c.baseTable().windows
		all := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(c.BitSize())), big.NewInt(1))
		for _, k := range append(scalarsToTest(c), all, big.NewInt(0), big.NewInt(32), big.NewInt(33), big.NewInt(63)) {
			ke := elemFromBig(k)
			mag, neg := signedDigits(&ke, windows)
			sum := new(big.Int)
			for i := windows - 1; i >= 0; i-- {
				if mag[i] > combEntries || neg[i] > 1 || (mag[i] == 0 && neg[i] == 1) {
					t.Fatalf("digit %d of %x: magnitude %d sign %d", i, k, mag[i], neg[i])
				}
				d := big.NewInt(int64(mag[i]))
				if neg[i] == 1 {
					d.Neg(d)
				}
				sum.Lsh(sum, combWidth).Add(sum, d)
			}
			if sum.Cmp(k) != 0 {
				t.Fatalf("signed digits of %x sum to %x", k, sum)
			}
		}
	}
}

func mustCurve(t testing.TB, name string) *Curve {
	t.Helper()
	c, err := CurveByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEdwardsForm checks that the twisted Edwards sets compute in Edwards
// form and that the birational map round-trips on random points.
func TestEdwardsForm(t *testing.T) {
	for _, name := range []string{"A", "512-C"} {
		c := mustCurve(t, name)
		ar := c.arith
		if ar.ed == nil {
			t.Fatalf("%s does not use its Edwards form", name)
		}
		for range 5 {
			k, _ := rand.Int(rand.Reader, c.q)
			x, y, _ := c.affineMult(c.gx, c.gy, k.Add(k, big.NewInt(1)))
			a := ar.edFromWeierstrass(x, y)
			p := ar.edFromAffine(&a)
			gotX, gotY, ok := ar.edToWeierstrass(&p, true)
			if !ok || gotX.big().Cmp(x) != 0 || gotY.big().Cmp(y) != 0 {
				t.Fatalf("%s: (%x, %x) maps back to (%x, %x)", name, x, y, gotX.big(), gotY.big())
			}
		}
		n := ar.edNeutral()
		if _, _, ok := ar.edToWeierstrass(&n, false); ok {
			t.Fatalf("%s: the neutral element does not map to infinity", name)
		}
	}
}
