package gost3410

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
)

// scalar is a number modulo q as little-endian words (not in the
// Montgomery domain). Private keys and nonces are scalars.
type scalar = elem

func (c *Curve) scalarFromLE(raw []byte) scalar {
	var k scalar
	for i := range c.size / 8 {
		k[i] = binary.LittleEndian.Uint64(raw[8*i:])
	}
	return k
}

func (c *Curve) scalarToLE(k scalar) []byte {
	out := make([]byte, c.size)
	for i := range c.size / 8 {
		binary.LittleEndian.PutUint64(out[8*i:], k[i])
	}
	return out
}

// inScalarRange reports whether 0 < k < q. The answer is public (a key or
// nonce is rejected or not), the computation does not branch on k.
func (c *Curve) inScalarRange(k scalar) bool {
	fq := c.arith.fq
	return (fq.isZero(&k)^1)&fq.lessThan(&k) == 1
}

// randomScalar draws a uniform scalar in [1, q-1] by rejection: bytes are
// masked to the bit length of q and retried until in range.
func (c *Curve) randomScalar(rand io.Reader) (scalar, error) {
	buf := make([]byte, c.size)
	topBits := c.q.BitLen() % 64
	for {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return scalar{}, fmt.Errorf("%w: %w", ErrRandomSourceFailed, err)
		}
		k := c.scalarFromLE(buf)
		if topBits != 0 {
			k[c.size/8-1] &= 1<<topBits - 1
		}
		if c.inScalarRange(k) {
			return k, nil
		}
	}
}

// signS returns s = r·d + k·e mod q, constant time in d and k: both enter
// only Montgomery products and a modular addition.
func (c *Curve) signS(r *big.Int, d, k scalar, e *big.Int) *big.Int {
	fq := c.arith.fq
	re, ee := elemFromBig(r), elemFromBig(e)
	var rm, em, rd, ke, s elem
	fq.toMont(&rm, &re)
	fq.toMont(&em, &ee)
	fq.mul(&rd, &rm, &d) // (rR)·d·R⁻¹ = r·d
	fq.mul(&ke, &em, &k)
	fq.add(&s, &rd, &ke)
	return s.big()
}

// baseMult returns the affine coordinates of k·P for 0 < k < q.
func (c *Curve) baseMult(k scalar) (x, y *big.Int) {
	if c.arith.ed != nil {
		return c.edBaseMult(&k)
	}
	p := c.baseMultPoint(&k)
	ax, ay, _ := c.arith.toAffine(&p) // never infinity: 0 < k < q
	return ax.big(), ay.big()
}
