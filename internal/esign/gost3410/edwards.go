package gost3410

import (
	"fmt"
	"math/big"
)

// edwards is the twisted Edwards form u² + v² = 1 + d·u²·v² (e = 1) of the
// tc26 sets 256-A and 512-C, whose published Weierstrass form is birational
// to it (R 1323565.1.024-2019, RFC 7836):
//
//	x = s(1+v)/(1-v) + t,  y = s(1+v)/((1-v)u),  s = (1-d)/4,  t = (1+d)/6
//	u = (x-t)/y,           v = (x-t-s)/(x-t+s)
//
// With d a non-square (checked when the curve is built) the Edwards
// addition law is complete on the whole curve and needs 8 multiplications
// for a mixed addition instead of 14 for the complete Weierstrass formulas
// with a general a, so these two sets compute in Edwards form and map the
// result back. Points are in extended coordinates (X:Y:Z:T), u = X/Z,
// v = Y/Z, T = XY/Z (Hisil, Wong, Carter, Dawson, 2008).
type edwards struct {
	d, s, t elem // in the field's domain
	g       edAffine
}

type edPoint struct {
	x, y, z, t elem
}

// edAffine is a finite point (u, v) with d·u·v precomputed.
type edAffine struct {
	u, v, duv elem
}

// newEdwards derives the Edwards form and checks that the base point maps
// onto it, so a wrong d cannot go unnoticed.
func newEdwards(ar *arith, c *Curve, d *big.Int) (*edwards, error) {
	p := c.p
	exp := new(big.Int).Rsh(new(big.Int).Sub(p, big.NewInt(1)), 1)
	if new(big.Int).Exp(d, exp, p).Cmp(big.NewInt(1)) == 0 {
		return nil, fmt.Errorf("gost3410: curve %s: Edwards d is a square, the addition law would not be complete", c.Name)
	}
	frac := func(num *big.Int, den int64) *big.Int {
		inv := new(big.Int).ModInverse(big.NewInt(den), p)
		v := new(big.Int).Mul(num, inv)
		return v.Mod(v, p)
	}
	one := big.NewInt(1)
	s := frac(new(big.Int).Sub(one, d), 4)
	t := frac(new(big.Int).Add(one, d), 6)
	// Base point: u = (x-t)/y, v = (x-t-s)/(x-t+s).
	xt := new(big.Int).Sub(c.gx, t)
	u := new(big.Int).Mul(xt, new(big.Int).ModInverse(c.gy, p))
	u.Mod(u, p)
	den := new(big.Int).Add(xt, s)
	v := new(big.Int).Sub(xt, s)
	v.Mul(v, new(big.Int).ModInverse(den.Mod(den, p), p)).Mod(v, p)
	u2, v2 := new(big.Int).Mul(u, u), new(big.Int).Mul(v, v)
	lhs := new(big.Int).Add(u2, v2)
	rhs := new(big.Int).Mul(d, u2)
	rhs.Mul(rhs, v2).Add(rhs, one)
	if lhs.Sub(lhs, rhs).Mod(lhs, p).Sign() != 0 {
		return nil, fmt.Errorf("gost3410: curve %s: base point does not map onto the Edwards form", c.Name)
	}
	ed := &edwards{}
	for _, m := range []struct {
		dst *elem
		v   *big.Int
	}{{&ed.d, d}, {&ed.s, s}, {&ed.t, t}, {&ed.g.u, u}, {&ed.g.v, v}} {
		e := elemFromBig(m.v)
		ar.fp.toMont(m.dst, &e)
	}
	ar.fp.mul(&ed.g.duv, &ed.g.u, &ed.g.v)
	ar.fp.mul(&ed.g.duv, &ed.g.duv, &ed.d)
	return ed, nil
}

func (ar *arith) edNeutral() edPoint {
	return edPoint{y: ar.fp.one, z: ar.fp.one}
}

func (ar *arith) edFromAffine(a *edAffine) edPoint {
	p := edPoint{x: a.u, y: a.v, z: ar.fp.one}
	ar.fp.mul(&p.t, &a.u, &a.v)
	return p
}

// edAdd sets r = p + q ("add-2008-hwcd", a = 1); complete, r may alias.
func (ar *arith) edAdd(r, p, q *edPoint) {
	f, ed := ar.fp, ar.ed
	var a, b, c, d, e, t elem
	f.mul(&a, &p.x, &q.x)
	f.mul(&b, &p.y, &q.y)
	f.mul(&c, &p.t, &q.t)
	f.mul(&c, &c, &ed.d)
	f.mul(&d, &p.z, &q.z)
	f.add(&e, &p.x, &p.y)
	f.add(&t, &q.x, &q.y)
	f.mul(&e, &e, &t)
	f.sub(&e, &e, &a)
	f.sub(&e, &e, &b)
	ar.edFinish(r, &e, &d, &c, &b, &a)
}

// edAddAffine sets r = p + q for an affine q: add-2008-hwcd with Z2 = 1
// and d·T2 precomputed; complete, r may alias p.
func (ar *arith) edAddAffine(r, p *edPoint, q *edAffine) {
	f := ar.fp
	var a, b, c, d, e, t elem
	f.mul(&a, &p.x, &q.u)
	f.mul(&b, &p.y, &q.v)
	f.mul(&c, &p.t, &q.duv)
	d = p.z
	f.add(&e, &p.x, &p.y)
	f.add(&t, &q.u, &q.v)
	f.mul(&e, &e, &t)
	f.sub(&e, &e, &a)
	f.sub(&e, &e, &b)
	ar.edFinish(r, &e, &d, &c, &b, &a)
}

// edFinish is the common tail of the additions: F = D - C, G = D + C,
// H = B - A, then X = EF, Y = GH, T = EH, Z = FG.
func (ar *arith) edFinish(r *edPoint, e, d, c, b, a *elem) {
	f := ar.fp
	var fv, g, h elem
	f.sub(&fv, d, c)
	f.add(&g, d, c)
	f.sub(&h, b, a)
	f.mul(&r.x, e, &fv)
	f.mul(&r.y, &g, &h)
	f.mul(&r.t, e, &h)
	f.mul(&r.z, &fv, &g)
}

// edDouble sets r = 2p ("dbl-2008-hwcd", a = 1); r may alias p.
func (ar *arith) edDouble(r, p *edPoint) { ar.edDoubleT(r, p, true) }

// edDoubleT is edDouble that skips T when withT is false: doubling does
// not read T, so a doubling followed by another doubling can leave it
// stale and save a multiplication. withT is public (the verification
// digits), never secret.
func (ar *arith) edDoubleT(r, p *edPoint, withT bool) {
	f := ar.fp
	var a, b, c, e, g, fv, h elem
	f.sqr(&a, &p.x)
	f.sqr(&b, &p.y)
	f.sqr(&c, &p.z)
	f.add(&c, &c, &c)
	f.add(&e, &p.x, &p.y)
	f.sqr(&e, &e)
	f.sub(&e, &e, &a)
	f.sub(&e, &e, &b)
	f.add(&g, &a, &b)
	f.sub(&fv, &g, &c)
	f.sub(&h, &a, &b)
	f.mul(&r.x, &e, &fv)
	f.mul(&r.y, &g, &h)
	if withT {
		f.mul(&r.t, &e, &h)
	}
	f.mul(&r.z, &fv, &g)
}

// edToWeierstrass maps p back and leaves the domain: x = s(Z+Y)/(Z-Y) + t
// and, when wantY, y = s(Z+Y)Z/((Z-Y)X). ok is false for the neutral
// element (infinity) and, when wantY, for u = 0; the branch is on a public
// property, and the inversion is constant time.
func (ar *arith) edToWeierstrass(p *edPoint, wantY bool) (x, y elem, ok bool) {
	f, ed := ar.fp, ar.ed
	var num, den, inv elem
	f.add(&num, &p.z, &p.y)
	f.mul(&num, &num, &ed.s)
	f.sub(&den, &p.z, &p.y)
	if wantY {
		f.mul(&den, &den, &p.x)
	}
	if f.isZero(&den) == 1 {
		return x, y, false
	}
	f.inv(&inv, &den)
	if wantY {
		f.mul(&y, &num, &p.z)
		f.mul(&y, &y, &inv)
		f.fromMont(&y, &y)
		f.mul(&inv, &inv, &p.x) // 1/(Z-Y)
	}
	f.mul(&x, &num, &inv)
	f.add(&x, &x, &ed.t)
	f.fromMont(&x, &x)
	return x, y, true
}

// edFromWeierstrass maps a public finite point (x, y), y ≠ 0, to Edwards form.
func (ar *arith) edFromWeierstrass(x, y *big.Int) edAffine {
	f, ed := ar.fp, ar.ed
	w := ar.affinePoint(x, y)
	var xt, num elem
	f.sub(&xt, &w.x, &ed.t)
	f.sub(&num, &xt, &ed.s)
	dens := []elem{w.y, {}}
	f.add(&dens[1], &xt, &ed.s)
	f.batchInv(dens)
	var a edAffine
	f.mul(&a.u, &xt, &dens[0])
	f.mul(&a.v, &num, &dens[1])
	f.mul(&a.duv, &a.u, &a.v)
	f.mul(&a.duv, &a.duv, &ed.d)
	return a
}

// newEdCombTable is newCombTable in Edwards form: entries (u, v, d·u·v).
func newEdCombTable(ar *arith) *combTable {
	f := ar.fp
	windows := combWindows(f.n)
	points := make([]edPoint, 0, windows*combEntries)
	b := ar.edFromAffine(&ar.ed.g)
	for range windows {
		cur := b
		for j := 1; j <= combEntries; j++ {
			points = append(points, cur)
			ar.edAdd(&cur, &cur, &b)
		}
		for range combWidth {
			ar.edDouble(&b, &b)
		}
	}
	zs := make([]elem, len(points))
	for i := range points {
		zs[i] = points[i].z
	}
	f.batchInv(zs)
	t := &combTable{n: f.n, coords: 3, windows: windows, words: make([]uint64, len(points)*3*f.n)}
	for i := range points {
		var a edAffine
		f.mul(&a.u, &points[i].x, &zs[i])
		f.mul(&a.v, &points[i].y, &zs[i])
		f.mul(&a.duv, &a.u, &a.v)
		f.mul(&a.duv, &a.duv, &ar.ed.d)
		t.set(i, &a.u, &a.v, &a.duv)
	}
	return t
}

// edBaseMult returns the Weierstrass affine coordinates of k·P for
// 0 < k < q, in constant time: a zero digit looks up the neutral element
// (0, 1), which the complete law adds like any other point.
func (c *Curve) edBaseMult(k *scalar) (x, y *big.Int) {
	ar := c.arith
	f := ar.fp
	table := c.baseTable()
	mag, neg := signedDigits(k, table.windows)
	acc := ar.edNeutral()
	var e [3]elem
	var negU, negDUV elem
	for i := range table.windows {
		table.lookup(&e, i, mag[i])
		zero := 1 ^ ((mag[i] | -mag[i]) >> 63)
		selectElem(&e[1], &f.one, zero)
		f.sub(&negU, &elem{}, &e[0])
		f.sub(&negDUV, &elem{}, &e[2])
		selectElem(&e[0], &negU, neg[i])
		selectElem(&e[2], &negDUV, neg[i])
		ar.edAddAffine(&acc, &acc, &edAffine{u: e[0], v: e[1], duv: e[2]})
	}
	ax, ay, _ := ar.edToWeierstrass(&acc, true) // never the neutral: 0 < k < q
	return ax.big(), ay.big()
}

// newEdBaseOddMultiples is newBaseOddMultiples in Edwards form.
func newEdBaseOddMultiples(ar *arith) []edAffine {
	f := ar.fp
	pts := make([]edPoint, 1<<(wnafWidthBase-2))
	g := ar.edFromAffine(&ar.ed.g)
	var twoG edPoint
	ar.edDouble(&twoG, &g)
	pts[0] = g
	for i := 1; i < len(pts); i++ {
		ar.edAdd(&pts[i], &pts[i-1], &twoG)
	}
	zs := make([]elem, len(pts))
	for i := range pts {
		zs[i] = pts[i].z
	}
	f.batchInv(zs)
	out := make([]edAffine, len(pts))
	for i := range pts {
		f.mul(&out[i].u, &pts[i].x, &zs[i])
		f.mul(&out[i].v, &pts[i].y, &zs[i])
		f.mul(&out[i].duv, &out[i].u, &out[i].v)
		f.mul(&out[i].duv, &out[i].duv, &ar.ed.d)
	}
	return out
}

// edCombinedMult is combinedMult in Edwards form. Public inputs only.
func (c *Curve) edCombinedMult(z1, z2, qx, qy *big.Int) (*big.Int, bool) {
	ar := c.arith
	f := ar.fp
	k1, k2 := elemFromBig(z1), elemFromBig(z2)
	bitLen := 64 * f.n
	naf1 := wnaf(&k1, wnafWidthBase, bitLen)
	naf2 := wnaf(&k2, wnafWidthKey, bitLen)

	q := ar.edFromWeierstrass(qx, qy)
	var keyTable [1 << (wnafWidthKey - 2)]edPoint
	keyTable[0] = ar.edFromAffine(&q)
	var twoQ edPoint
	ar.edDouble(&twoQ, &keyTable[0])
	for i := 1; i < len(keyTable); i++ {
		ar.edAdd(&keyTable[i], &keyTable[i-1], &twoQ)
	}
	baseTable := c.edBaseOddMultiples()

	top := bitLen
	for top >= 0 && naf1[top] == 0 && naf2[top] == 0 {
		top--
	}
	acc := ar.edNeutral()
	for i := top; i >= 0; i-- {
		ar.edDoubleT(&acc, &acc, naf1[i] != 0 || naf2[i] != 0)
		if d := naf1[i]; d != 0 {
			b := baseTable[abs8(d)/2]
			if d < 0 {
				f.sub(&b.u, &elem{}, &b.u)
				f.sub(&b.duv, &elem{}, &b.duv)
			}
			ar.edAddAffine(&acc, &acc, &b)
		}
		if d := naf2[i]; d != 0 {
			t := keyTable[abs8(d)/2]
			if d < 0 {
				f.sub(&t.x, &elem{}, &t.x)
				f.sub(&t.t, &elem{}, &t.t)
			}
			ar.edAdd(&acc, &acc, &t)
		}
	}
	x, _, ok := ar.edToWeierstrass(&acc, false)
	if !ok {
		return nil, false
	}
	return x.big(), true
}
