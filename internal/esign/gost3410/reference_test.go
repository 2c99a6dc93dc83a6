package gost3410

import (
	"math/big"
)

// The affine math/big arithmetic below is the textbook form of the curve
// operations, kept as the independent reference the fast code is tested
// against.

// refCombinedMult returns the x coordinate of z1·P + z2·Q; ok is false when
// the sum is the point at infinity.
func (c *Curve) refCombinedMult(z1, z2, qx, qy *big.Int) (*big.Int, bool) {
	x1, y1, inf1 := c.affineMult(c.gx, c.gy, z1)
	x2, y2, inf2 := c.affineMult(qx, qy, z2)
	switch {
	case inf1 && inf2:
		return nil, false
	case inf1:
		return x2, true
	case inf2:
		return x1, true
	}
	x, _, inf := c.affineAdd(x1, y1, x2, y2)
	return x, !inf
}

// affineMult is double-and-add in affine coordinates.
func (c *Curve) affineMult(px, py, k *big.Int) (x, y *big.Int, inf bool) {
	inf = true
	for i := k.BitLen() - 1; i >= 0; i-- {
		if !inf {
			x, y, inf = c.affineAdd(x, y, x, y)
		}
		if k.Bit(i) == 1 {
			if inf {
				x, y, inf = new(big.Int).Set(px), new(big.Int).Set(py), false
			} else {
				x, y, inf = c.affineAdd(x, y, px, py)
			}
		}
	}
	return x, y, inf
}

// affineAdd adds two finite points, doubling when they are equal.
func (c *Curve) affineAdd(x1, y1, x2, y2 *big.Int) (x, y *big.Int, inf bool) {
	p := c.p
	var lambda *big.Int
	if x1.Cmp(x2) == 0 {
		sum := new(big.Int).Add(y1, y2)
		if sum.Mod(sum, p).Sign() == 0 {
			return nil, nil, true
		}
		num := new(big.Int).Mul(x1, x1)
		num.Mul(num, big.NewInt(3)).Add(num, c.a)
		den := new(big.Int).Lsh(y1, 1)
		lambda = num.Mul(num, den.ModInverse(den.Mod(den, p), p))
	} else {
		num := new(big.Int).Sub(y2, y1)
		den := new(big.Int).Sub(x2, x1)
		den.Mod(den, p)
		lambda = num.Mul(num, den.ModInverse(den, p))
	}
	lambda.Mod(lambda, p)
	x = new(big.Int).Mul(lambda, lambda)
	x.Sub(x, x1).Sub(x, x2).Mod(x, p)
	y = new(big.Int).Sub(x1, x)
	y.Mul(y, lambda).Sub(y, y1).Mod(y, p)
	return x, y, false
}
