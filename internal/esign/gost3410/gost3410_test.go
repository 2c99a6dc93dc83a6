package gost3410

import (
	"bytes"
	"crypto/rand"
	"errors"
	"math/big"
	"testing"
)

func TestCurvesAreWellFormed(t *testing.T) {
	names := []string{"A", "B", "C", "D", "CryptoPro-A", "CryptoPro-B", "CryptoPro-C",
		"CryptoPro-XchA", "CryptoPro-XchB", "512-A", "512-B", "512-C"}
	if got := len(Curves()); got != len(names) {
		t.Fatalf("Curves() has %d entries, want %d", got, len(names))
	}
	for _, name := range names {
		c, err := CurveByName(name)
		if err != nil {
			t.Fatal(err)
		}
		byOID, err := CurveByOID(c.OID)
		if err != nil || byOID != c {
			t.Fatalf("CurveByOID(%s) = %v, %v; want %s", c.OID, byOID, err, name)
		}
		if !c.q.ProbablyPrime(32) || !c.p.ProbablyPrime(32) {
			t.Errorf("%s: p or q is not prime", name)
		}
		// q·P must be the point at infinity: the base point has order q.
		if _, _, inf := c.affineMult(c.gx, c.gy, c.q); !inf {
			t.Errorf("%s: q·P is not the point at infinity", name)
		}
		wantBits := 256
		if name[0] == '5' {
			wantBits = 512
		}
		if c.BitSize() != wantBits || c.PointSize() != wantBits/4 || c.SignatureSize() != wantBits/4 {
			t.Errorf("%s: BitSize %d PointSize %d SignatureSize %d", name, c.BitSize(), c.PointSize(), c.SignatureSize())
		}
	}
	if _, err := CurveByName("E"); !errors.Is(err, ErrUnknownCurve) {
		t.Errorf("CurveByName(E) error = %v, want ErrUnknownCurve", err)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, c := range Curves() {
		t.Run(c.Name, func(t *testing.T) {
			key, err := GenerateKey(c, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			again, err := NewPrivateKey(c, key.Raw())
			if err != nil {
				t.Fatal(err)
			}
			if !again.Public().Equal(key.Public()) {
				t.Fatal("key read back from Raw has another public key")
			}
			pub, err := NewPublicKey(c, key.Public().Raw())
			if err != nil {
				t.Fatal(err)
			}
			digest := make([]byte, c.ScalarSize())
			rand.Read(digest)
			sig, err := key.Sign(rand.Reader, digest)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := pub.Verify(digest, sig); err != nil || !ok {
				t.Fatalf("Verify = %v, %v", ok, err)
			}
			for _, tamper := range []struct {
				name   string
				digest []byte
				sig    []byte
			}{
				{"digest", flipBit(digest, 5), sig},
				{"s", digest, flipBit(sig, 7)},
				{"r", digest, flipBit(sig, len(sig)-1)},
			} {
				ok, err := pub.Verify(tamper.digest, tamper.sig)
				if ok || (err != nil && !errors.Is(err, ErrSignatureRange)) {
					t.Errorf("tampered %s: Verify = %v, %v; want false", tamper.name, ok, err)
				}
			}
		})
	}
}

func flipBit(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x01
	return out
}

type badInputCase struct {
	name string
	call func() error
	want error
}

// smallOrderKeyCases are public keys on the curve but outside the group of
// order q, on the two sets with cofactor 4: the point (t, 0) of order two
// (the Edwards point (0, -1)), and P plus it.
func smallOrderKeyCases(t *testing.T) []badInputCase {
	var cases []badInputCase
	for _, name := range []string{"A", "512-C"} {
		c := mustCurve(t, name)
		var tx elem
		c.arith.fp.fromMont(&tx, &c.arith.ed.t)
		order2X := tx.big()
		if !c.onCurve(order2X, new(big.Int)) {
			t.Fatalf("%s: (t, 0) is not on the curve", name)
		}
		sumX, sumY, _ := c.affineAdd(c.gx, c.gy, order2X, new(big.Int))
		for _, pt := range []struct {
			what string
			x, y *big.Int
		}{{"order two", order2X, new(big.Int)}, {"P plus order two", sumX, sumY}} {
			raw := make([]byte, 2*c.size)
			pt.x.FillBytes(raw[:c.size])
			pt.y.FillBytes(raw[c.size:])
			reverse(raw[:c.size])
			reverse(raw[c.size:])
			cases = append(cases, badInputCase{name + " public key of " + pt.what, func() error {
				_, err := NewPublicKey(c, raw)
				return err
			}, ErrPointNotInGroup})
		}
	}
	return cases
}

func TestBadInput(t *testing.T) {
	c, err := CurveByName("A")
	if err != nil {
		t.Fatal(err)
	}
	key, err := GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public()
	digest := make([]byte, 32)
	digest[0] = 1
	sig, err := key.Sign(rand.Reader, digest)
	if err != nil {
		t.Fatal(err)
	}
	be := func(v *big.Int) []byte { return v.FillBytes(make([]byte, 32)) }
	qBytes := be(c.q)
	zero := make([]byte, 32)
	offCurve := bytes.Clone(pub.Raw())
	offCurve[0] ^= 1
	le := func(v *big.Int) []byte { b := be(v); reverse(b); return b }

	tests := []badInputCase{
		{"private key too short", func() error { _, err := NewPrivateKey(c, make([]byte, 31)); return err }, ErrKeyLength},
		{"private key too long", func() error { _, err := NewPrivateKey(c, make([]byte, 64)); return err }, ErrKeyLength},
		{"private key zero", func() error { _, err := NewPrivateKey(c, zero); return err }, ErrKeyRange},
		{"private key q", func() error { _, err := NewPrivateKey(c, le(c.q)); return err }, ErrKeyRange},
		{"public key too short", func() error { _, err := NewPublicKey(c, pub.Raw()[:63]); return err }, ErrKeyLength},
		{"public key off curve", func() error { _, err := NewPublicKey(c, offCurve); return err }, ErrPointNotOnCurve},
		{"public key x = p", func() error {
			raw := append(le(c.p), pub.Raw()[32:]...)
			_, err := NewPublicKey(c, raw)
			return err
		}, ErrPointNotOnCurve},
		{"signature too short", func() error { _, err := pub.Verify(digest, sig[:63]); return err }, ErrSignatureLength},
		{"signature too long", func() error { _, err := pub.Verify(digest, append(bytes.Clone(sig), 0)); return err }, ErrSignatureLength},
		{"s zero", func() error { _, err := pub.Verify(digest, append(zero, sig[32:]...)); return err }, ErrSignatureRange},
		{"r zero", func() error { _, err := pub.Verify(digest, append(bytes.Clone(sig[:32]), zero...)); return err }, ErrSignatureRange},
		{"s = q", func() error { _, err := pub.Verify(digest, append(qBytes, sig[32:]...)); return err }, ErrSignatureRange},
		{"r = q", func() error { _, err := pub.Verify(digest, append(bytes.Clone(sig[:32]), qBytes...)); return err }, ErrSignatureRange},
		{"digest too short for verify", func() error { _, err := pub.Verify(digest[:31], sig); return err }, ErrDigestLength},
		{"digest too long for sign", func() error { _, err := key.Sign(rand.Reader, make([]byte, 64)); return err }, ErrDigestLength},
		{"random source fails", func() error { _, err := key.Sign(bytes.NewReader(nil), digest); return err }, ErrRandomSourceFailed},
	}
	tests = append(tests, smallOrderKeyCases(t)...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestZeroDigest checks the rule e = 1 when the digest is 0 mod q: a
// signature over the all-zero digest verifies over the digest 1.
func TestZeroDigest(t *testing.T) {
	c, _ := CurveByName("B")
	key, err := GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 32)
	one := make([]byte, 32)
	one[0] = 1
	sig, err := key.Sign(rand.Reader, zero)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := key.Public().Verify(one, sig); err != nil || !ok {
		t.Fatalf("signature over 0 does not verify over 1: %v, %v", ok, err)
	}
}
