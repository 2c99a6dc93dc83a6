package gost3410

// combTable holds j·64^i·P for every 6-bit window i of a scalar and every
// digit magnitude j = 1..32, in affine coordinates packed as n-limb words.
// Scalars are recoded into signed digits in [-32, 32], so k·P is one
// constant-time lookup, a conditional negation and one mixed addition per
// window, with no doublings: 43 additions for a 256-bit scalar. Packing
// keeps the table small (88 KB for 256-bit curves) so the lookups, which
// read every entry of a window, stay in cache. Weierstrass entries are
// (x, y); Edwards entries (u, v, d·u·v).
type combTable struct {
	n       int
	coords  int // field elements per entry: 2 or 3
	windows int
	words   []uint64 // window i, magnitude j: coordinates at (i*32 + j-1)*coords*n
}

const (
	combWidth   = 6
	combEntries = 1 << (combWidth - 1) // magnitudes 1..32
)

// combWindows is the number of windows for n-limb scalars: one more than
// the bits need, for the carry out of the top signed digit.
func combWindows(n int) int { return (64*n + combWidth) / combWidth }

func newCombTable(ar *arith) *combTable {
	f := ar.fp
	windows := combWindows(f.n)
	points := make([]point, 0, windows*combEntries)
	b := ar.g
	for range windows {
		cur := b
		for j := 1; j <= combEntries; j++ {
			points = append(points, cur)
			ar.add(&cur, &cur, &b)
		}
		for range combWidth {
			ar.double(&b, &b)
		}
	}
	// No entry is infinity: j·64^i is never a multiple of the prime q.
	zs := make([]elem, len(points))
	for i := range points {
		zs[i] = points[i].z
	}
	f.batchInv(zs)
	t := &combTable{n: f.n, coords: 2, windows: windows, words: make([]uint64, len(points)*2*f.n)}
	for i := range points {
		var x, y elem
		f.mul(&x, &points[i].x, &zs[i])
		f.mul(&y, &points[i].y, &zs[i])
		t.set(i, &x, &y)
	}
	return t
}

// set stores the coordinates of entry i (window-major order).
func (t *combTable) set(i int, coords ...*elem) {
	off := i * t.coords * t.n
	for c, e := range coords {
		copy(t.words[off+c*t.n:], e[:t.n])
	}
}

// batchInv replaces every element of zs, none zero, by its inverse with
// one inversion (Montgomery's trick).
func (f *field) batchInv(zs []elem) {
	prefix := make([]elem, len(zs))
	prefix[0] = zs[0]
	for i := 1; i < len(zs); i++ {
		f.mul(&prefix[i], &prefix[i-1], &zs[i])
	}
	var inv elem
	f.inv(&inv, &prefix[len(zs)-1])
	for i := len(zs) - 1; i > 0; i-- {
		var zinv elem
		f.mul(&zinv, &inv, &prefix[i-1])
		f.mul(&inv, &inv, &zs[i])
		zs[i] = zinv
	}
	zs[0] = inv
}

// lookup sets dst to the entry for magnitude d of window i, or zeros for
// d = 0, reading every entry of the window so that the memory access
// pattern does not depend on d.
func (t *combTable) lookup(dst *[3]elem, i int, d uint64) {
	size := t.coords * t.n
	window := t.words[i*combEntries*size : (i+1)*combEntries*size]
	var buf [3 * maxLimbs]uint64
	switch size {
	case 8: // 256-bit Weierstrass (x, y): fixed sizes drop the bounds checks
		for j := range combEntries {
			e := (*[8]uint64)(window[j*8 : j*8+8])
			mask := entryMask(j, d)
			for l := range e {
				buf[l] |= e[l] & mask
			}
		}
	case 12: // 256-bit Edwards (u, v, d·u·v)
		for j := range combEntries {
			e := (*[12]uint64)(window[j*12 : j*12+12])
			mask := entryMask(j, d)
			for l := range e {
				buf[l] |= e[l] & mask
			}
		}
	default:
		for j := range combEntries {
			e := window[j*size : (j+1)*size]
			mask := entryMask(j, d)
			for l := range e {
				buf[l] |= e[l] & mask
			}
		}
	}
	*dst = [3]elem{}
	for c := range t.coords {
		copy(dst[c][:t.n], buf[c*t.n:])
	}
}

// entryMask is all ones when entry j (magnitude j+1) is the one for d.
func entryMask(j int, d uint64) uint64 {
	eq := uint64(j+1) ^ d
	return -(1 ^ ((eq | -eq) >> 63))
}

// signedDigits recodes k as Σ dᵢ·64^i with dᵢ in [-32, 32], returning
// magnitudes and signs (1 for negative). Arithmetic only: no branch
// depends on k.
func signedDigits(k *scalar, windows int) (mag, neg []uint64) {
	var words [maxLimbs + 1]uint64
	copy(words[:], k[:])
	mag, neg = make([]uint64, windows), make([]uint64, windows)
	var carry uint64
	for i := range windows {
		pos := i * combWidth
		idx, bit := pos/64, uint(pos%64)
		v := words[idx] >> bit
		if idx+1 < len(words) {
			v |= words[idx+1] << (64 - bit) // a shift by 64 yields 0
		}
		v = v&(1<<combWidth-1) + carry // 0..64
		carry = (v + combEntries) >> combWidth
		d := int64(v) - int64(carry<<combWidth) // -32..31, or 0 for v = 64
		sign := uint64(d >> 63)                 // all ones when negative
		mag[i] = (uint64(d) ^ sign) - sign
		neg[i] = sign & 1
	}
	return mag, neg
}

// baseMultPoint returns k·P in projective coordinates. A zero digit still
// costs an addition, whose result a constant-time select then discards.
func (c *Curve) baseMultPoint(k *scalar) point {
	ar := c.arith
	f := ar.fp
	table := c.baseTable()
	mag, neg := signedDigits(k, table.windows)
	acc := ar.infinity()
	var e [3]elem
	var negY elem
	var sum point
	for i := range table.windows {
		table.lookup(&e, i, mag[i])
		t := affine{x: e[0], y: e[1]}
		f.sub(&negY, &elem{}, &t.y)
		selectElem(&t.y, &negY, neg[i])
		ar.addMixed(&sum, &acc, &t)
		nonZero := (mag[i] | -mag[i]) >> 63
		selectElem(&acc.x, &sum.x, nonZero)
		selectElem(&acc.y, &sum.y, nonZero)
		selectElem(&acc.z, &sum.z, nonZero)
	}
	return acc
}

// selectElem sets z = a when cond is 1 and leaves z when cond is 0.
func selectElem(z, a *elem, cond uint64) {
	mask := -cond
	for i := range z {
		z[i] ^= (z[i] ^ a[i]) & mask
	}
}

// addMixed sets r = p + q for an affine q (Z = 1): algorithm 1 with the
// Z2 terms simplified away, so it is complete for every p and finite q.
func (ar *arith) addMixed(r, p *point, q *affine) {
	f := ar.fp
	var t0, t1, t2, t3, t4, t5, x3, y3, z3 elem
	f.mul(&t0, &p.x, &q.x)
	f.mul(&t1, &p.y, &q.y)
	t2 = p.z
	f.add(&t3, &p.x, &p.y)
	f.add(&t4, &q.x, &q.y)
	f.mul(&t3, &t3, &t4)
	f.add(&t4, &t0, &t1)
	f.sub(&t3, &t3, &t4)
	f.mul(&t4, &q.x, &p.z)
	f.add(&t4, &t4, &p.x)
	f.mul(&t5, &q.y, &p.z)
	f.add(&t5, &t5, &p.y)
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
