package gost3410

import (
	"math/big"
)

// Verification handles only public values (the key, the digest, the
// signature), so it may branch on them: it uses Jacobian coordinates with
// the cheaper incomplete formulas, handles their exceptional cases
// explicitly, and walks both scalars in width-w non-adjacent form with
// shared doublings (Shamir's trick). Nothing here may be used with secrets.

// jacobian is a point (X:Y:Z) with x = X/Z², y = Y/Z³; Z = 0 is infinity.
type jacobian struct {
	x, y, z elem
}

// affine is a finite point with coordinates in the field's domain.
type affine struct {
	x, y elem
}

const (
	wnafWidthBase = 7 // odd multiples up to 63·P, precomputed once per curve
	wnafWidthKey  = 5 // odd multiples up to 15·Q, computed per verification
)

// jDouble sets r = 2p ("dbl-2007-bl", or "dbl-2001-b" when a = -3).
func (ar *arith) jDouble(r, p *jacobian) {
	f := ar.fp
	if ar.aIsMinus3 {
		var delta, gamma, beta, alpha, t, u elem
		f.sqr(&delta, &p.z)
		f.sqr(&gamma, &p.y)
		f.mul(&beta, &p.x, &gamma)
		f.sub(&t, &p.x, &delta)
		f.add(&u, &p.x, &delta)
		f.mul(&alpha, &t, &u)
		f.add(&t, &alpha, &alpha)
		f.add(&alpha, &t, &alpha)
		f.add(&t, &p.y, &p.z)
		f.sqr(&t, &t)
		f.sub(&t, &t, &gamma)
		f.sub(&r.z, &t, &delta)
		f.add(&beta, &beta, &beta)
		f.add(&beta, &beta, &beta) // 4β
		f.sqr(&t, &alpha)
		f.sub(&t, &t, &beta)
		f.sub(&r.x, &t, &beta) // α² - 8β
		f.sub(&t, &beta, &r.x)
		f.mul(&t, &alpha, &t)
		f.sqr(&gamma, &gamma)
		f.add(&gamma, &gamma, &gamma)
		f.add(&gamma, &gamma, &gamma)
		f.add(&gamma, &gamma, &gamma) // 8γ²
		f.sub(&r.y, &t, &gamma)
		return
	}
	var xx, yy, yyyy, zz, s, m, t elem
	f.sqr(&xx, &p.x)
	f.sqr(&yy, &p.y)
	f.sqr(&yyyy, &yy)
	f.sqr(&zz, &p.z)
	f.add(&s, &p.x, &yy)
	f.sqr(&s, &s)
	f.sub(&s, &s, &xx)
	f.sub(&s, &s, &yyyy)
	f.add(&s, &s, &s)
	f.sqr(&m, &zz)
	ar.mulA(&m, &m)
	f.add(&t, &xx, &xx)
	f.add(&t, &t, &xx)
	f.add(&m, &m, &t)
	var z3 elem
	f.add(&z3, &p.y, &p.z)
	f.sqr(&z3, &z3)
	f.sub(&z3, &z3, &yy)
	f.sub(&r.z, &z3, &zz)
	f.sqr(&t, &m)
	f.sub(&t, &t, &s)
	f.sub(&t, &t, &s)
	f.sub(&s, &s, &t)
	f.mul(&s, &m, &s)
	f.add(&yyyy, &yyyy, &yyyy)
	f.add(&yyyy, &yyyy, &yyyy)
	f.add(&yyyy, &yyyy, &yyyy)
	f.sub(&r.y, &s, &yyyy)
	r.x = t
}

// jAdd sets r = p + q ("add-2007-bl"); q.z equal to the domain's one
// makes it a mixed addition with the same result.
func (ar *arith) jAdd(r, p, q *jacobian) {
	f := ar.fp
	if f.isZero(&p.z) == 1 {
		*r = *q
		return
	}
	if f.isZero(&q.z) == 1 {
		*r = *p
		return
	}
	var z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t elem
	f.sqr(&z1z1, &p.z)
	f.sqr(&z2z2, &q.z)
	f.mul(&u1, &p.x, &z2z2)
	f.mul(&u2, &q.x, &z1z1)
	f.mul(&s1, &p.y, &q.z)
	f.mul(&s1, &s1, &z2z2)
	f.mul(&s2, &q.y, &p.z)
	f.mul(&s2, &s2, &z1z1)
	f.sub(&h, &u2, &u1)
	f.sub(&rr, &s2, &s1)
	if f.isZero(&h) == 1 {
		if f.isZero(&rr) == 1 {
			ar.jDouble(r, p)
			return
		}
		*r = jacobian{y: f.one} // p = -q
		return
	}
	f.add(&rr, &rr, &rr)
	f.add(&i, &h, &h)
	f.sqr(&i, &i)
	f.mul(&j, &h, &i)
	f.mul(&v, &u1, &i)
	var x3, y3, z3 elem
	f.sqr(&x3, &rr)
	f.sub(&x3, &x3, &j)
	f.sub(&x3, &x3, &v)
	f.sub(&x3, &x3, &v)
	f.sub(&t, &v, &x3)
	f.mul(&y3, &rr, &t)
	f.mul(&t, &s1, &j)
	f.add(&t, &t, &t)
	f.sub(&y3, &y3, &t)
	f.add(&z3, &p.z, &q.z)
	f.sqr(&z3, &z3)
	f.sub(&z3, &z3, &z1z1)
	f.sub(&z3, &z3, &z2z2)
	f.mul(&z3, &z3, &h)
	r.x, r.y, r.z = x3, y3, z3
}

// wnaf writes k in width-w non-adjacent form, least significant digit
// first: every non-zero digit is odd, below 2^(w-1) in magnitude, and
// followed by at least w-1 zeros.
func wnaf(k *elem, w uint, bitLen int) []int8 {
	var words [maxLimbs + 1]uint64
	copy(words[:], k[:])
	naf := make([]int8, bitLen+1)
	width := uint64(1) << w
	mask := width - 1
	carry := uint64(0)
	for pos := 0; pos <= bitLen; {
		idx, bit := pos/64, uint(pos%64)
		buf := words[idx] >> bit
		if bit > 64-w && idx+1 < len(words) {
			buf |= words[idx+1] << (64 - bit)
		}
		window := carry + (buf & mask)
		if window&1 == 0 {
			pos++
			continue
		}
		if window < width/2 {
			carry = 0
			naf[pos] = int8(window)
		} else {
			carry = 1
			naf[pos] = int8(int64(window) - int64(width))
		}
		pos += int(w)
	}
	return naf
}

// newBaseOddMultiples returns P, 3P, 5P, … up to (2^(w-1) - 1)·P in affine
// coordinates, for the base-point half of verification.
func newBaseOddMultiples(ar *arith) []affine {
	n := 1 << (wnafWidthBase - 2)
	out := make([]affine, n)
	g := jacobian{x: ar.g.x, y: ar.g.y, z: ar.fp.one}
	var twoG jacobian
	ar.jDouble(&twoG, &g)
	cur := g
	for i := range out {
		out[i] = ar.jacobianToAffineDomain(&cur)
		ar.jAdd(&cur, &cur, &twoG)
	}
	return out
}

// jacobianToAffineDomain normalises a finite point, staying in the domain.
func (ar *arith) jacobianToAffineDomain(p *jacobian) affine {
	f := ar.fp
	var zinv, zinv2, zinv3 elem
	f.inv(&zinv, &p.z)
	f.sqr(&zinv2, &zinv)
	f.mul(&zinv3, &zinv2, &zinv)
	var a affine
	f.mul(&a.x, &p.x, &zinv2)
	f.mul(&a.y, &p.y, &zinv3)
	return a
}

// combinedMult returns the x coordinate of z1·P + z2·Q; ok is false when
// the sum is the point at infinity. Public inputs only.
func (c *Curve) combinedMult(z1, z2, qx, qy *big.Int) (*big.Int, bool) {
	if c.arith.ed != nil {
		return c.edCombinedMult(z1, z2, qx, qy)
	}
	ar := c.arith
	f := ar.fp
	k1, k2 := elemFromBig(z1), elemFromBig(z2)
	bitLen := 64 * f.n
	naf1 := wnaf(&k1, wnafWidthBase, bitLen)
	naf2 := wnaf(&k2, wnafWidthKey, bitLen)

	q := ar.affinePoint(qx, qy)
	var keyTable [1 << (wnafWidthKey - 2)]jacobian
	keyTable[0] = jacobian{x: q.x, y: q.y, z: f.one}
	var twoQ jacobian
	ar.jDouble(&twoQ, &keyTable[0])
	for i := 1; i < len(keyTable); i++ {
		ar.jAdd(&keyTable[i], &keyTable[i-1], &twoQ)
	}
	baseTable := c.baseOddMultiples()

	top := bitLen
	for top >= 0 && naf1[top] == 0 && naf2[top] == 0 {
		top--
	}
	acc := jacobian{y: f.one}
	var t jacobian
	for i := top; i >= 0; i-- {
		ar.jDouble(&acc, &acc)
		if d := naf1[i]; d != 0 {
			b := &baseTable[abs8(d)/2]
			t = jacobian{x: b.x, y: b.y, z: f.one}
			if d < 0 {
				f.sub(&t.y, &elem{}, &t.y)
			}
			ar.jAdd(&acc, &acc, &t)
		}
		if d := naf2[i]; d != 0 {
			t = keyTable[abs8(d)/2]
			if d < 0 {
				f.sub(&t.y, &elem{}, &t.y)
			}
			ar.jAdd(&acc, &acc, &t)
		}
	}
	if f.isZero(&acc.z) == 1 {
		return nil, false
	}
	a := ar.jacobianToAffineDomain(&acc)
	var x elem
	f.fromMont(&x, &a.x)
	return x.big(), true
}

func abs8(d int8) int {
	if d < 0 {
		return int(-d)
	}
	return int(d)
}
