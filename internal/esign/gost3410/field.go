package gost3410

import (
	"math/big"
	"math/bits"
)

// maxLimbs is the number of 64-bit words of the largest (512-bit) field.
const maxLimbs = 8

// elem is a field element or scalar as little-endian 64-bit words; a
// 256-bit field uses the first four and keeps the rest zero.
type elem [maxLimbs]uint64

// field is arithmetic modulo an odd number m < 2^(64n) in a multiplication
// domain: x is held as xR mod m. For a general m that is the Montgomery
// domain, R = 2^(64n). For a pseudo-Mersenne m = 2^(64n) - c with small c
// (the fields of tc26 256-A/B, CryptoPro-A, XchA and 512-A/C), reduction
// folds the high half times c instead, which is cheaper; there R = 1 and
// entering the domain is the identity. Every operation runs in time
// independent of the values (no branches or indexes on them), since the
// same code handles private keys and nonces.
type field struct {
	n     int    // limbs: 4 or 8
	m     elem   // modulus
	m0inv uint64 // -m⁻¹ mod 2^64 (Montgomery)
	c     uint64 // 2^(64n) - m when that is below 2^32, else 0
	rr    elem   // R² mod m, to enter the domain
	one   elem   // R mod m, the domain's 1
	mBig  *big.Int
}

func newField(m *big.Int, n int) *field {
	f := &field{n: n, mBig: new(big.Int).Set(m)}
	f.m = elemFromBig(m)
	// Newton iteration for m⁻¹ mod 2^64: each step doubles the correct bits.
	inv := uint64(1)
	for range 6 {
		inv *= 2 - f.m[0]*inv
	}
	f.m0inv = -inv
	r := new(big.Int).Lsh(big.NewInt(1), uint(64*n))
	if c := new(big.Int).Sub(r, m); c.BitLen() <= 32 {
		f.c = c.Uint64()
		f.one, f.rr = elem{1}, elem{1}
		return f
	}
	f.one = elemFromBig(new(big.Int).Mod(r, m))
	rr := new(big.Int).Mul(r, r)
	f.rr = elemFromBig(rr.Mod(rr, m))
	return f
}

func elemFromBig(v *big.Int) elem {
	var e elem
	for i, w := range v.Bits() {
		e[i] = uint64(w)
	}
	return e
}

func (e *elem) big() *big.Int {
	b := make([]big.Word, maxLimbs)
	for i, w := range e {
		b[i] = big.Word(w)
	}
	return new(big.Int).SetBits(b)
}

// mul sets z = x·y·R⁻¹ mod m.
func (f *field) mul(z, x, y *elem) {
	switch {
	case f.c != 0 && f.n == 4:
		f.mulPM4(z, x, y)
		return
	case f.c != 0:
		f.mulPM8(z, x, y)
		return
	case f.n == 4:
		f.mul4(z, x, y)
		return
	}
	// Montgomery multiplication, coarsely integrated operand scanning.
	n := f.n
	var t [maxLimbs + 2]uint64
	for i := range n {
		var c uint64
		yi := y[i]
		for j := range n {
			hi, lo := bits.Mul64(x[j], yi)
			var c1, c2 uint64
			lo, c1 = bits.Add64(lo, t[j], 0)
			lo, c2 = bits.Add64(lo, c, 0)
			t[j] = lo
			c = hi + c1 + c2
		}
		t[n], c = bits.Add64(t[n], c, 0)
		t[n+1] = c

		mq := t[0] * f.m0inv
		hi, lo := bits.Mul64(mq, f.m[0])
		_, c1 := bits.Add64(lo, t[0], 0)
		c = hi + c1
		for j := 1; j < n; j++ {
			hi, lo := bits.Mul64(mq, f.m[j])
			var c1, c2 uint64
			lo, c1 = bits.Add64(lo, t[j], 0)
			lo, c2 = bits.Add64(lo, c, 0)
			t[j-1] = lo
			c = hi + c1 + c2
		}
		t[n-1], c = bits.Add64(t[n], c, 0)
		t[n] = t[n+1] + c
	}
	f.reduceOnce(z, &t)
}

// mul4 is mul for four limbs, unrolled into registers: the 256-bit curves
// spend most of their time here.
func (f *field) mul4(z, x, y *elem) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	m0, m1, m2, m3 := f.m[0], f.m[1], f.m[2], f.m[3]
	var t0, t1, t2, t3, t4, t5, c, c2 uint64
	for i := range 4 {
		yi := y[i]
		c, t0 = madd(x0, yi, t0, 0)
		c, t1 = madd(x1, yi, t1, c)
		c, t2 = madd(x2, yi, t2, c)
		c, t3 = madd(x3, yi, t3, c)
		t4, t5 = bits.Add64(t4, c, 0)

		mq := t0 * f.m0inv
		c, _ = madd(mq, m0, t0, 0)
		c, t0 = madd(mq, m1, t1, c)
		c, t1 = madd(mq, m2, t2, c)
		c, t2 = madd(mq, m3, t3, c)
		t3, c2 = bits.Add64(t4, c, 0)
		t4 = t5 + c2
	}
	var d0, d1, d2, d3, b uint64
	d0, b = bits.Sub64(t0, m0, 0)
	d1, b = bits.Sub64(t1, m1, b)
	d2, b = bits.Sub64(t2, m2, b)
	d3, b = bits.Sub64(t3, m3, b)
	mask := -(t4 | (b ^ 1)) // keep t - m when t ≥ m
	z[0] = t0 ^ ((t0 ^ d0) & mask)
	z[1] = t1 ^ ((t1 ^ d1) & mask)
	z[2] = t2 ^ ((t2 ^ d2) & mask)
	z[3] = t3 ^ ((t3 ^ d3) & mask)
}

// mulPM4 is mul for a four-limb pseudo-Mersenne modulus 2^256 - c.
func (f *field) mulPM4(z, x, y *elem) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	var t0, t1, t2, t3, t4, t5, t6, t7 uint64
	var c uint64
	y0 := y[0]
	c, t0 = madd(x0, y0, 0, 0)
	c, t1 = madd(x1, y0, 0, c)
	c, t2 = madd(x2, y0, 0, c)
	t4, t3 = madd(x3, y0, 0, c)
	y1 := y[1]
	c, t1 = madd(x0, y1, t1, 0)
	c, t2 = madd(x1, y1, t2, c)
	c, t3 = madd(x2, y1, t3, c)
	t5, t4 = madd(x3, y1, t4, c)
	y2 := y[2]
	c, t2 = madd(x0, y2, t2, 0)
	c, t3 = madd(x1, y2, t3, c)
	c, t4 = madd(x2, y2, t4, c)
	t6, t5 = madd(x3, y2, t5, c)
	y3 := y[3]
	c, t3 = madd(x0, y3, t3, 0)
	c, t4 = madd(x1, y3, t4, c)
	c, t5 = madd(x2, y3, t5, c)
	t7, t6 = madd(x3, y3, t6, c)
	z[0], z[1], z[2], z[3] = reducePM4(f.c, t0, t1, t2, t3, t4, t5, t6, t7)
}

// sqrPM4 is mulPM4(z, x, x) computing each cross product once.
func (f *field) sqrPM4(z, x *elem) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	var t0, t1, t2, t3, t4, t5, t6, t7 uint64
	var c uint64
	// Cross products x_i·x_j, i < j.
	c, t1 = madd(x0, x1, 0, 0)
	c, t2 = madd(x0, x2, 0, c)
	t4, t3 = madd(x0, x3, 0, c)
	c, t3 = madd(x1, x2, t3, 0)
	t5, t4 = madd(x1, x3, t4, c)
	t6, t5 = madd(x2, x3, t5, 0)
	// Doubled, plus the squares on the diagonal.
	t7 = t6 >> 63
	t6 = t6<<1 | t5>>63
	t5 = t5<<1 | t4>>63
	t4 = t4<<1 | t3>>63
	t3 = t3<<1 | t2>>63
	t2 = t2<<1 | t1>>63
	t1 <<= 1
	var h, l, b uint64
	h, t0 = bits.Mul64(x0, x0)
	t1, b = bits.Add64(t1, h, 0)
	h, l = bits.Mul64(x1, x1)
	t2, b = bits.Add64(t2, l, b)
	t3, b = bits.Add64(t3, h, b)
	h, l = bits.Mul64(x2, x2)
	t4, b = bits.Add64(t4, l, b)
	t5, b = bits.Add64(t5, h, b)
	h, l = bits.Mul64(x3, x3)
	t6, b = bits.Add64(t6, l, b)
	t7, _ = bits.Add64(t7, h, b)
	z[0], z[1], z[2], z[3] = reducePM4(f.c, t0, t1, t2, t3, t4, t5, t6, t7)
}

// reducePM4 returns t mod 2^256 - k for the 512-bit t = t7..t0: the high
// half is folded in times k, twice, then one conditional subtraction.
// Words travel in registers (nine arguments fit the register ABI).
func reducePM4(k, t0, t1, t2, t3, t4, t5, t6, t7 uint64) (z0, z1, z2, z3 uint64) {
	var c, r4, b uint64
	c, t0 = madd(t4, k, t0, 0)
	c, t1 = madd(t5, k, t1, c)
	c, t2 = madd(t6, k, t2, c)
	r4, t3 = madd(t7, k, t3, c)
	// r4 ≤ k, so r4·k fits a word; 2^256 ≡ k absorbs the last carry.
	t0, b = bits.Add64(t0, r4*k, 0)
	t1, b = bits.Add64(t1, 0, b)
	t2, b = bits.Add64(t2, 0, b)
	t3, b = bits.Add64(t3, 0, b)
	t0, b = bits.Add64(t0, k&-b, 0)
	t1, b = bits.Add64(t1, 0, b)
	t2, b = bits.Add64(t2, 0, b)
	t3, _ = bits.Add64(t3, 0, b)
	// t < 2^256; t ≥ m exactly when t + k overflows.
	var d0, d1, d2, d3 uint64
	d0, b = bits.Add64(t0, k, 0)
	d1, b = bits.Add64(t1, 0, b)
	d2, b = bits.Add64(t2, 0, b)
	d3, b = bits.Add64(t3, 0, b)
	mask := -b
	return t0 ^ ((t0 ^ d0) & mask), t1 ^ ((t1 ^ d1) & mask), t2 ^ ((t2 ^ d2) & mask), t3 ^ ((t3 ^ d3) & mask)
}

// sqr sets z = x·x·R⁻¹ mod m.
func (f *field) sqr(z, x *elem) {
	switch {
	case f.c != 0 && f.n == 4:
		f.sqrPM4(z, x)
		return
	case f.c != 0:
		f.sqrPM8(z, x)
		return
	}
	f.mul(z, x, x)
}

// mulPM8 is mulPM4 for eight limbs: each row of the schoolbook product is
// written out so that the running words stay in registers.
func (f *field) mulPM8(z, x, y *elem) {
	x0, x1, x2, x3, x4, x5, x6, x7 := x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]
	var t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, c uint64
	yi := y[0]
	c, t0 = madd(x0, yi, 0, 0)
	c, t1 = madd(x1, yi, 0, c)
	c, t2 = madd(x2, yi, 0, c)
	c, t3 = madd(x3, yi, 0, c)
	c, t4 = madd(x4, yi, 0, c)
	c, t5 = madd(x5, yi, 0, c)
	c, t6 = madd(x6, yi, 0, c)
	t8, t7 = madd(x7, yi, 0, c)
	yi = y[1]
	c, t1 = madd(x0, yi, t1, 0)
	c, t2 = madd(x1, yi, t2, c)
	c, t3 = madd(x2, yi, t3, c)
	c, t4 = madd(x3, yi, t4, c)
	c, t5 = madd(x4, yi, t5, c)
	c, t6 = madd(x5, yi, t6, c)
	c, t7 = madd(x6, yi, t7, c)
	t9, t8 = madd(x7, yi, t8, c)
	yi = y[2]
	c, t2 = madd(x0, yi, t2, 0)
	c, t3 = madd(x1, yi, t3, c)
	c, t4 = madd(x2, yi, t4, c)
	c, t5 = madd(x3, yi, t5, c)
	c, t6 = madd(x4, yi, t6, c)
	c, t7 = madd(x5, yi, t7, c)
	c, t8 = madd(x6, yi, t8, c)
	t10, t9 = madd(x7, yi, t9, c)
	yi = y[3]
	c, t3 = madd(x0, yi, t3, 0)
	c, t4 = madd(x1, yi, t4, c)
	c, t5 = madd(x2, yi, t5, c)
	c, t6 = madd(x3, yi, t6, c)
	c, t7 = madd(x4, yi, t7, c)
	c, t8 = madd(x5, yi, t8, c)
	c, t9 = madd(x6, yi, t9, c)
	t11, t10 = madd(x7, yi, t10, c)
	yi = y[4]
	c, t4 = madd(x0, yi, t4, 0)
	c, t5 = madd(x1, yi, t5, c)
	c, t6 = madd(x2, yi, t6, c)
	c, t7 = madd(x3, yi, t7, c)
	c, t8 = madd(x4, yi, t8, c)
	c, t9 = madd(x5, yi, t9, c)
	c, t10 = madd(x6, yi, t10, c)
	t12, t11 = madd(x7, yi, t11, c)
	yi = y[5]
	c, t5 = madd(x0, yi, t5, 0)
	c, t6 = madd(x1, yi, t6, c)
	c, t7 = madd(x2, yi, t7, c)
	c, t8 = madd(x3, yi, t8, c)
	c, t9 = madd(x4, yi, t9, c)
	c, t10 = madd(x5, yi, t10, c)
	c, t11 = madd(x6, yi, t11, c)
	t13, t12 = madd(x7, yi, t12, c)
	yi = y[6]
	c, t6 = madd(x0, yi, t6, 0)
	c, t7 = madd(x1, yi, t7, c)
	c, t8 = madd(x2, yi, t8, c)
	c, t9 = madd(x3, yi, t9, c)
	c, t10 = madd(x4, yi, t10, c)
	c, t11 = madd(x5, yi, t11, c)
	c, t12 = madd(x6, yi, t12, c)
	t14, t13 = madd(x7, yi, t13, c)
	yi = y[7]
	c, t7 = madd(x0, yi, t7, 0)
	c, t8 = madd(x1, yi, t8, c)
	c, t9 = madd(x2, yi, t9, c)
	c, t10 = madd(x3, yi, t10, c)
	c, t11 = madd(x4, yi, t11, c)
	c, t12 = madd(x5, yi, t12, c)
	c, t13 = madd(x6, yi, t13, c)
	t15, t14 = madd(x7, yi, t14, c)
	// Reduce mod 2^512 - k: fold the high half in times k, twice, then one
	// conditional subtraction (as in reducePM4), all in registers.
	k := f.c
	c, t0 = madd(t8, k, t0, 0)
	c, t1 = madd(t9, k, t1, c)
	c, t2 = madd(t10, k, t2, c)
	c, t3 = madd(t11, k, t3, c)
	c, t4 = madd(t12, k, t4, c)
	c, t5 = madd(t13, k, t5, c)
	c, t6 = madd(t14, k, t6, c)
	c, t7 = madd(t15, k, t7, c)
	var b uint64
	t0, b = bits.Add64(t0, c*k, 0)
	t1, b = bits.Add64(t1, 0, b)
	t2, b = bits.Add64(t2, 0, b)
	t3, b = bits.Add64(t3, 0, b)
	t4, b = bits.Add64(t4, 0, b)
	t5, b = bits.Add64(t5, 0, b)
	t6, b = bits.Add64(t6, 0, b)
	t7, b = bits.Add64(t7, 0, b)
	t0, b = bits.Add64(t0, k&-b, 0)
	t1, b = bits.Add64(t1, 0, b)
	t2, b = bits.Add64(t2, 0, b)
	t3, b = bits.Add64(t3, 0, b)
	t4, b = bits.Add64(t4, 0, b)
	t5, b = bits.Add64(t5, 0, b)
	t6, b = bits.Add64(t6, 0, b)
	t7, _ = bits.Add64(t7, 0, b)
	var d0, d1, d2, d3, d4, d5, d6, d7 uint64
	d0, b = bits.Add64(t0, k, 0)
	d1, b = bits.Add64(t1, 0, b)
	d2, b = bits.Add64(t2, 0, b)
	d3, b = bits.Add64(t3, 0, b)
	d4, b = bits.Add64(t4, 0, b)
	d5, b = bits.Add64(t5, 0, b)
	d6, b = bits.Add64(t6, 0, b)
	d7, b = bits.Add64(t7, 0, b)
	mask := -b
	z[0] = t0 ^ ((t0 ^ d0) & mask)
	z[1] = t1 ^ ((t1 ^ d1) & mask)
	z[2] = t2 ^ ((t2 ^ d2) & mask)
	z[3] = t3 ^ ((t3 ^ d3) & mask)
	z[4] = t4 ^ ((t4 ^ d4) & mask)
	z[5] = t5 ^ ((t5 ^ d5) & mask)
	z[6] = t6 ^ ((t6 ^ d6) & mask)
	z[7] = t7 ^ ((t7 ^ d7) & mask)
}

// sqrPM8 is mulPM8(z, x, x) computing each cross product once.
func (f *field) sqrPM8(z, x *elem) {
	x0, x1, x2, x3, x4, x5, x6, x7 := x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]
	var t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, c uint64
	// Cross products x_i·x_j, i < j, row by row.
	c, t1 = madd(x0, x1, 0, 0)
	c, t2 = madd(x0, x2, 0, c)
	c, t3 = madd(x0, x3, 0, c)
	c, t4 = madd(x0, x4, 0, c)
	c, t5 = madd(x0, x5, 0, c)
	c, t6 = madd(x0, x6, 0, c)
	t8, t7 = madd(x0, x7, 0, c)
	c, t3 = madd(x1, x2, t3, 0)
	c, t4 = madd(x1, x3, t4, c)
	c, t5 = madd(x1, x4, t5, c)
	c, t6 = madd(x1, x5, t6, c)
	c, t7 = madd(x1, x6, t7, c)
	t9, t8 = madd(x1, x7, t8, c)
	c, t5 = madd(x2, x3, t5, 0)
	c, t6 = madd(x2, x4, t6, c)
	c, t7 = madd(x2, x5, t7, c)
	c, t8 = madd(x2, x6, t8, c)
	t10, t9 = madd(x2, x7, t9, c)
	c, t7 = madd(x3, x4, t7, 0)
	c, t8 = madd(x3, x5, t8, c)
	c, t9 = madd(x3, x6, t9, c)
	t11, t10 = madd(x3, x7, t10, c)
	c, t9 = madd(x4, x5, t9, 0)
	c, t10 = madd(x4, x6, t10, c)
	t12, t11 = madd(x4, x7, t11, c)
	c, t11 = madd(x5, x6, t11, 0)
	t13, t12 = madd(x5, x7, t12, c)
	t14, t13 = madd(x6, x7, t13, 0)
	// Doubled, plus the squares on the diagonal.
	t15 = t14 >> 63
	t14 = t14<<1 | t13>>63
	t13 = t13<<1 | t12>>63
	t12 = t12<<1 | t11>>63
	t11 = t11<<1 | t10>>63
	t10 = t10<<1 | t9>>63
	t9 = t9<<1 | t8>>63
	t8 = t8<<1 | t7>>63
	t7 = t7<<1 | t6>>63
	t6 = t6<<1 | t5>>63
	t5 = t5<<1 | t4>>63
	t4 = t4<<1 | t3>>63
	t3 = t3<<1 | t2>>63
	t2 = t2<<1 | t1>>63
	t1 <<= 1
	var h, l, b uint64
	h, t0 = bits.Mul64(x0, x0)
	t1, b = bits.Add64(t1, h, 0)
	h, l = bits.Mul64(x1, x1)
	t2, b = bits.Add64(t2, l, b)
	t3, b = bits.Add64(t3, h, b)
	h, l = bits.Mul64(x2, x2)
	t4, b = bits.Add64(t4, l, b)
	t5, b = bits.Add64(t5, h, b)
	h, l = bits.Mul64(x3, x3)
	t6, b = bits.Add64(t6, l, b)
	t7, b = bits.Add64(t7, h, b)
	h, l = bits.Mul64(x4, x4)
	t8, b = bits.Add64(t8, l, b)
	t9, b = bits.Add64(t9, h, b)
	h, l = bits.Mul64(x5, x5)
	t10, b = bits.Add64(t10, l, b)
	t11, b = bits.Add64(t11, h, b)
	h, l = bits.Mul64(x6, x6)
	t12, b = bits.Add64(t12, l, b)
	t13, b = bits.Add64(t13, h, b)
	h, l = bits.Mul64(x7, x7)
	t14, b = bits.Add64(t14, l, b)
	t15, _ = bits.Add64(t15, h, b)
	// Reduce mod 2^512 - k: fold the high half in times k, twice, then one
	// conditional subtraction (as in reducePM4), all in registers.
	k := f.c
	c, t0 = madd(t8, k, t0, 0)
	c, t1 = madd(t9, k, t1, c)
	c, t2 = madd(t10, k, t2, c)
	c, t3 = madd(t11, k, t3, c)
	c, t4 = madd(t12, k, t4, c)
	c, t5 = madd(t13, k, t5, c)
	c, t6 = madd(t14, k, t6, c)
	c, t7 = madd(t15, k, t7, c)
	t0, b = bits.Add64(t0, c*k, 0)
	t1, b = bits.Add64(t1, 0, b)
	t2, b = bits.Add64(t2, 0, b)
	t3, b = bits.Add64(t3, 0, b)
	t4, b = bits.Add64(t4, 0, b)
	t5, b = bits.Add64(t5, 0, b)
	t6, b = bits.Add64(t6, 0, b)
	t7, b = bits.Add64(t7, 0, b)
	t0, b = bits.Add64(t0, k&-b, 0)
	t1, b = bits.Add64(t1, 0, b)
	t2, b = bits.Add64(t2, 0, b)
	t3, b = bits.Add64(t3, 0, b)
	t4, b = bits.Add64(t4, 0, b)
	t5, b = bits.Add64(t5, 0, b)
	t6, b = bits.Add64(t6, 0, b)
	t7, _ = bits.Add64(t7, 0, b)
	var d0, d1, d2, d3, d4, d5, d6, d7 uint64
	d0, b = bits.Add64(t0, k, 0)
	d1, b = bits.Add64(t1, 0, b)
	d2, b = bits.Add64(t2, 0, b)
	d3, b = bits.Add64(t3, 0, b)
	d4, b = bits.Add64(t4, 0, b)
	d5, b = bits.Add64(t5, 0, b)
	d6, b = bits.Add64(t6, 0, b)
	d7, b = bits.Add64(t7, 0, b)
	mask := -b
	z[0] = t0 ^ ((t0 ^ d0) & mask)
	z[1] = t1 ^ ((t1 ^ d1) & mask)
	z[2] = t2 ^ ((t2 ^ d2) & mask)
	z[3] = t3 ^ ((t3 ^ d3) & mask)
	z[4] = t4 ^ ((t4 ^ d4) & mask)
	z[5] = t5 ^ ((t5 ^ d5) & mask)
	z[6] = t6 ^ ((t6 ^ d6) & mask)
	z[7] = t7 ^ ((t7 ^ d7) & mask)
}

// madd returns a·b + c + d as (hi, lo); it cannot overflow 128 bits.
func madd(a, b, c, d uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(a, b)
	var cc uint64
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	lo, cc = bits.Add64(lo, d, 0)
	hi += cc
	return hi, lo
}

// reduceOnce sets z = t - m if t ≥ m, else t, for t < 2m held in n+1 words.
func (f *field) reduceOnce(z *elem, t *[maxLimbs + 2]uint64) {
	var d elem
	var b uint64
	for i := range f.n {
		d[i], b = bits.Sub64(t[i], f.m[i], b)
	}
	mask := -(t[f.n] | (b ^ 1))
	for i := range f.n {
		z[i] = t[i] ^ ((t[i] ^ d[i]) & mask)
	}
}

// add sets z = x + y mod m.
func (f *field) add(z, x, y *elem) {
	if f.n == 4 {
		f.add4(z, x, y)
		return
	}
	var t [maxLimbs + 2]uint64
	var c uint64
	for i := range f.n {
		t[i], c = bits.Add64(x[i], y[i], c)
	}
	t[f.n] = c
	f.reduceOnce(z, &t)
}

func (f *field) add4(z, x, y *elem) {
	var t0, t1, t2, t3, c, d0, d1, d2, d3, b uint64
	t0, c = bits.Add64(x[0], y[0], 0)
	t1, c = bits.Add64(x[1], y[1], c)
	t2, c = bits.Add64(x[2], y[2], c)
	t3, c = bits.Add64(x[3], y[3], c)
	d0, b = bits.Sub64(t0, f.m[0], 0)
	d1, b = bits.Sub64(t1, f.m[1], b)
	d2, b = bits.Sub64(t2, f.m[2], b)
	d3, b = bits.Sub64(t3, f.m[3], b)
	mask := -(c | (b ^ 1))
	z[0] = t0 ^ ((t0 ^ d0) & mask)
	z[1] = t1 ^ ((t1 ^ d1) & mask)
	z[2] = t2 ^ ((t2 ^ d2) & mask)
	z[3] = t3 ^ ((t3 ^ d3) & mask)
}

// sub sets z = x - y mod m.
func (f *field) sub(z, x, y *elem) {
	if f.n == 4 {
		f.sub4(z, x, y)
		return
	}
	var b uint64
	for i := range f.n {
		z[i], b = bits.Sub64(x[i], y[i], b)
	}
	mask := -b // add m back when x < y
	var c uint64
	for i := range f.n {
		z[i], c = bits.Add64(z[i], f.m[i]&mask, c)
	}
}

func (f *field) sub4(z, x, y *elem) {
	var t0, t1, t2, t3, b, c uint64
	t0, b = bits.Sub64(x[0], y[0], 0)
	t1, b = bits.Sub64(x[1], y[1], b)
	t2, b = bits.Sub64(x[2], y[2], b)
	t3, b = bits.Sub64(x[3], y[3], b)
	mask := -b // add m back when x < y
	z[0], c = bits.Add64(t0, f.m[0]&mask, 0)
	z[1], c = bits.Add64(t1, f.m[1]&mask, c)
	z[2], c = bits.Add64(t2, f.m[2]&mask, c)
	z[3], _ = bits.Add64(t3, f.m[3]&mask, c)
}

// toMont sets z = xR mod m for x < m.
func (f *field) toMont(z, x *elem) { f.mul(z, x, &f.rr) }

// fromMont sets z = x R⁻¹ mod m, leaving the domain.
func (f *field) fromMont(z, x *elem) {
	one := elem{1}
	f.mul(z, x, &one)
}

// inv sets z = x⁻¹ (0 for 0) by Fermat's little theorem, x^(m-2); the
// exponent is public, so a plain fixed 4-bit window over it is constant
// time in x.
func (f *field) inv(z, x *elem) {
	var table [16]elem
	table[0] = f.one
	table[1] = *x
	for i := 2; i < 16; i++ {
		f.mul(&table[i], &table[i-1], x)
	}
	e := f.m
	e[0] -= 2 // m is odd and > 2: no borrow
	acc := f.one
	for i := 64*f.n/4 - 1; i >= 0; i-- {
		for range 4 {
			f.sqr(&acc, &acc)
		}
		nibble := (e[i/16] >> (4 * (i % 16))) & 0xf
		f.mul(&acc, &acc, &table[nibble])
	}
	*z = acc
}

// isZero returns 1 if x is zero, else 0, without branching.
func (f *field) isZero(x *elem) uint64 {
	var acc uint64
	for i := range f.n {
		acc |= x[i]
	}
	return 1 ^ ((acc | -acc) >> 63)
}

// lessThan returns 1 if x < m, else 0, without branching.
func (f *field) lessThan(x *elem) uint64 {
	var b uint64
	for i := range f.n {
		_, b = bits.Sub64(x[i], f.m[i], b)
	}
	return b
}
