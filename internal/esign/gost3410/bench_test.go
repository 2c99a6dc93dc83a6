package gost3410

import (
	"crypto/rand"
	"testing"
)

// benchCurves are the sets timed: the common 256-bit one, the twisted
// Edwards 256-bit one, and a 512-bit one.
var benchCurves = []string{"CryptoPro-A", "A", "CryptoPro-B", "CryptoPro-C", "512-A", "512-B", "512-C"}

func BenchmarkSign(b *testing.B) {
	for _, name := range benchCurves {
		b.Run(name, func(b *testing.B) {
			c, _ := CurveByName(name)
			key, err := GenerateKey(c, rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			digest := make([]byte, c.ScalarSize())
			rand.Read(digest)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := key.Sign(rand.Reader, digest); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, name := range benchCurves {
		b.Run(name, func(b *testing.B) {
			c, _ := CurveByName(name)
			key, err := GenerateKey(c, rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			digest := make([]byte, c.ScalarSize())
			rand.Read(digest)
			sig, err := key.Sign(rand.Reader, digest)
			if err != nil {
				b.Fatal(err)
			}
			pub := key.Public()
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := pub.Verify(digest, sig); !ok || err != nil {
					b.Fatal("verify failed", err)
				}
			}
		})
	}
}

func BenchmarkFieldMul(b *testing.B) {
	for _, name := range []string{"CryptoPro-A", "512-A"} {
		b.Run(name, func(b *testing.B) {
			c, _ := CurveByName(name)
			f := c.arith.fp
			x, y := c.arith.g.x, c.arith.g.y
			for b.Loop() {
				f.mul(&x, &x, &y)
			}
		})
	}
}
