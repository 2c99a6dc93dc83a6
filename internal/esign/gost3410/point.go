package gost3410

import (
	"math/big"
)

// point is a projective point (X:Y:Z), x = X/Z, y = Y/Z, coordinates in the
// field's domain; the point at infinity is (0:1:0).
type point struct {
	x, y, z elem
}

// arith is the fast arithmetic of one curve: the fields modulo p and q and
// the complete addition formulas of Renes, Costello and Batina ("Complete
// addition formulas for prime order elliptic curves", 2016, algorithms 1
// and 3; addMixed is algorithm 1 with Z2 = 1). Complete formulas have no special cases for
// doubling or infinity, so scalar multiplication needs no branches on
// secret data. They are complete on groups without points of order two;
// every point used here lies in the subgroup of odd prime order q, which
// holds even on the curves with cofactor 4.
type arith struct {
	fp, fq    *field
	a, b3     elem     // a and 3b in the field's domain
	aIsMinus3 bool     // most sets: multiplying by a is then three additions
	g         point    // base point
	ed        *edwards // the Edwards form, for tc26 256-A and 512-C
}

func newArith(c *Curve) *arith {
	n := c.size / 8
	ar := &arith{fp: newField(c.p, n), fq: newField(c.q, n)}
	a, b := elemFromBig(c.a), elemFromBig(new(big.Int).Mod(new(big.Int).Mul(c.b, big.NewInt(3)), c.p))
	ar.aIsMinus3 = new(big.Int).Sub(c.p, c.a).Cmp(big.NewInt(3)) == 0
	ar.fp.toMont(&ar.a, &a)
	ar.fp.toMont(&ar.b3, &b)
	ar.g = ar.affinePoint(c.gx, c.gy)
	return ar
}

// affinePoint enters a public affine point (x, y) into the domain.
func (ar *arith) affinePoint(x, y *big.Int) point {
	var p point
	ex, ey := elemFromBig(x), elemFromBig(y)
	ar.fp.toMont(&p.x, &ex)
	ar.fp.toMont(&p.y, &ey)
	p.z = ar.fp.one
	return p
}

// mulA sets z = a·x.
func (ar *arith) mulA(z, x *elem) {
	f := ar.fp
	if !ar.aIsMinus3 {
		f.mul(z, &ar.a, x)
		return
	}
	var t elem
	f.add(&t, x, x)
	f.add(&t, &t, x)
	f.sub(z, &elem{}, &t)
}

func (ar *arith) infinity() point {
	return point{y: ar.fp.one}
}

// add sets r = p + q for any p, q (algorithm 1, arbitrary a); r may alias p or q.
func (ar *arith) add(r, p, q *point) {
	f := ar.fp
	var t0, t1, t2, t3, t4, t5, x3, y3, z3 elem
	f.mul(&t0, &p.x, &q.x)
	f.mul(&t1, &p.y, &q.y)
	f.mul(&t2, &p.z, &q.z)
	f.add(&t3, &p.x, &p.y)
	f.add(&t4, &q.x, &q.y)
	f.mul(&t3, &t3, &t4)
	f.add(&t4, &t0, &t1)
	f.sub(&t3, &t3, &t4)
	f.add(&t4, &p.x, &p.z)
	f.add(&t5, &q.x, &q.z)
	f.mul(&t4, &t4, &t5)
	f.add(&t5, &t0, &t2)
	f.sub(&t4, &t4, &t5)
	f.add(&t5, &p.y, &p.z)
	f.add(&x3, &q.y, &q.z)
	f.mul(&t5, &t5, &x3)
	f.add(&x3, &t1, &t2)
	f.sub(&t5, &t5, &x3)
	ar.mulA(&z3, &t4)
	f.mul(&x3, &ar.b3, &t2)
	f.add(&z3, &x3, &z3)
	f.sub(&x3, &t1, &z3)
	f.add(&z3, &t1, &z3)
	f.mul(&y3, &x3, &z3)
	f.add(&t1, &t0, &t0)
	f.add(&t1, &t1, &t0)
	ar.mulA(&t2, &t2)
	f.mul(&t4, &ar.b3, &t4)
	f.add(&t1, &t1, &t2)
	f.sub(&t2, &t0, &t2)
	ar.mulA(&t2, &t2)
	f.add(&t4, &t4, &t2)
	f.mul(&t0, &t1, &t4)
	f.add(&y3, &y3, &t0)
	f.mul(&t0, &t5, &t4)
	f.mul(&x3, &t3, &x3)
	f.sub(&x3, &x3, &t0)
	f.mul(&t0, &t3, &t1)
	f.mul(&z3, &t5, &z3)
	f.add(&z3, &z3, &t0)
	r.x, r.y, r.z = x3, y3, z3
}

// double sets r = 2p (algorithm 3, arbitrary a); r may alias p.
func (ar *arith) double(r, p *point) {
	f := ar.fp
	var t0, t1, t2, t3, x3, y3, z3 elem
	f.sqr(&t0, &p.x)
	f.sqr(&t1, &p.y)
	f.sqr(&t2, &p.z)
	f.mul(&t3, &p.x, &p.y)
	f.add(&t3, &t3, &t3)
	f.mul(&z3, &p.x, &p.z)
	f.add(&z3, &z3, &z3)
	ar.mulA(&x3, &z3)
	f.mul(&y3, &ar.b3, &t2)
	f.add(&y3, &x3, &y3)
	f.sub(&x3, &t1, &y3)
	f.add(&y3, &t1, &y3)
	f.mul(&y3, &x3, &y3)
	f.mul(&x3, &t3, &x3)
	f.mul(&z3, &ar.b3, &z3)
	ar.mulA(&t2, &t2)
	f.sub(&t3, &t0, &t2)
	ar.mulA(&t3, &t3)
	f.add(&t3, &t3, &z3)
	f.add(&z3, &t0, &t0)
	f.add(&t0, &z3, &t0)
	f.add(&t0, &t0, &t2)
	f.mul(&t0, &t0, &t3)
	f.add(&y3, &y3, &t0)
	f.mul(&t2, &p.y, &p.z)
	f.add(&t2, &t2, &t2)
	f.mul(&t0, &t2, &t3)
	f.sub(&x3, &x3, &t0)
	f.mul(&z3, &t2, &t1)
	f.add(&z3, &z3, &z3)
	f.add(&z3, &z3, &z3)
	r.x, r.y, r.z = x3, y3, z3
}

// toAffine returns the affine coordinates of p out of the domain; ok is
// false for the point at infinity. Only public results leave this way
// (keys, r), so branching on ok is fine.
func (ar *arith) toAffine(p *point) (x, y elem, ok bool) {
	f := ar.fp
	if f.isZero(&p.z) == 1 {
		return x, y, false
	}
	var zinv elem
	f.inv(&zinv, &p.z)
	f.mul(&x, &p.x, &zinv)
	f.mul(&y, &p.y, &zinv)
	f.fromMont(&x, &x)
	f.fromMont(&y, &y)
	return x, y, true
}
