package esign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func TestKeyRoundTripEveryParamSet(t *testing.T) {
	for _, p := range ParamSets() {
		t.Run(p.Name, func(t *testing.T) {
			key, err := GenerateKey(rand.Reader, p.Name)
			if err != nil {
				t.Fatal(err)
			}
			privPEM, err := key.MarshalPEM()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParsePrivateKeyPEM(privPEM)
			if err != nil {
				t.Fatal(err)
			}
			if !back.Public().Equal(key.Public()) || !back.ParamSet().OID.Equal(p.OID) {
				t.Fatal("private key changed in a PEM round trip")
			}
			pubPEM, err := key.Public().MarshalPEM()
			if err != nil {
				t.Fatal(err)
			}
			pub, err := ParsePublicKeyPEM(pubPEM)
			if err != nil {
				t.Fatal(err)
			}
			h := p.NewHash()
			h.Write([]byte("заявление"))
			digest := h.Sum(nil)
			sig, err := back.SignDigest(rand.Reader, digest)
			if err != nil {
				t.Fatal(err)
			}
			if err := pub.VerifyDigest(digest, sig); err != nil {
				t.Fatalf("own signature: %v", err)
			}
			digest[0] ^= 1
			if err := pub.VerifyDigest(digest, sig); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("changed digest: got %v, want ErrBadSignature", err)
			}
		})
	}
}

// opensslParamSet is how openssl's gost engine names our parameter sets.
func opensslAlgorithm(p ParamSet) (algorithm, paramset string) {
	if p.Size == 64 {
		return "gost2012_512", strings.TrimPrefix(p.Name, "512")
	}
	return "gost2012_256", p.Name
}

// TestKeysInteropWithOpenSSL: a key OpenSSL generates reads back in esign
// and esign writes it out byte for byte the same; OpenSSL derives from our
// key file the same public key we do.
func TestKeysInteropWithOpenSSL(t *testing.T) {
	o := requireOpenSSL(t)
	for _, p := range ParamSets() {
		t.Run(p.Name, func(t *testing.T) {
			alg, ps := opensslAlgorithm(p)
			o.must("genpkey", "-engine", "gost", "-algorithm", alg, "-pkeyopt", "paramset:"+ps, "-out", "theirs-"+p.Name+".pem")
			theirs := o.read("theirs-" + p.Name + ".pem")
			key, err := ParsePrivateKeyPEM(theirs)
			if err != nil {
				t.Fatal(err)
			}
			if key.ParamSet().Name != p.Name {
				t.Fatalf("param set %s, want %s", key.ParamSet().Name, p.Name)
			}
			ours, err := key.MarshalPEM()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ours, theirs) {
				t.Errorf("re-encoded key differs from OpenSSL's:\n%s\n%s", ours, theirs)
			}
			o.must("pkey", "-engine", "gost", "-in", "theirs-"+p.Name+".pem", "-pubout", "-out", "theirs-pub-"+p.Name+".pem")
			pub, err := ParsePublicKeyPEM(o.read("theirs-pub-" + p.Name + ".pem"))
			if err != nil {
				t.Fatal(err)
			}
			if !pub.Equal(key.Public()) {
				t.Fatal("OpenSSL's public key differs from the one esign derives")
			}

			own, err := GenerateKey(rand.Reader, p.Name)
			if err != nil {
				t.Fatal(err)
			}
			ownPEM, _ := own.MarshalPEM()
			o.write("ours-"+p.Name+".pem", ownPEM)
			o.must("pkey", "-engine", "gost", "-in", "ours-"+p.Name+".pem", "-pubout", "-out", "ours-pub-"+p.Name+".pem")
			ownPub, _ := own.Public().MarshalPEM()
			if got := o.read("ours-pub-" + p.Name + ".pem"); !bytes.Equal(got, ownPub) {
				t.Errorf("OpenSSL derives another public key from our private key:\n%s\n%s", got, ownPub)
			}
		})
	}
}

func TestParseKeyRejectsBadInput(t *testing.T) {
	good, err := GenerateKey(rand.Reader, "A")
	if err != nil {
		t.Fatal(err)
	}
	goodDER, _ := good.MarshalPKCS8()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPub, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	// 30 46 ... 04 20 <32 bytes> becomes 30 45 ... 04 1f <31 bytes>.
	shortScalar := bytes.Clone(goodDER[:len(goodDER)-1])
	shortScalar[1]--
	shortScalar[len(shortScalar)-32] = 31

	tests := []struct {
		name string
		pem  []byte
		want error
		msg  string
	}{
		{"not PEM", []byte("hello"), ErrMalformed, "no PEM data"},
		{"wrong block", pemOf("CERTIFICATE", goodDER), ErrMalformed, `want a "PRIVATE KEY" block`},
		{"truncated DER", pemOf("PRIVATE KEY", goodDER[:len(goodDER)-5]), ErrMalformed, "not a PKCS#8"},
		{"ECDSA key", pemOf("PRIVATE KEY", ecDER), ErrUnsupportedAlgorithm, "1.2.840.10045.2.1 is not GOST"},
		{"scalar too short", pemOf("PRIVATE KEY", shortScalar), ErrMalformed, "private key"},
		{"ECDSA public key as private", pemOf("PRIVATE KEY", ecPub), ErrMalformed, "not a PKCS#8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePrivateKeyPEM(tt.pem)
			if k != nil || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, %v; want %v mentioning %q", k, err, tt.want, tt.msg)
			}
		})
	}
	if _, err := ParsePublicKeyPEM(pemOf("PUBLIC KEY", ecPub)); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Errorf("ECDSA public key: got %v, want ErrUnsupportedAlgorithm", err)
	}
	if _, err := GenerateKey(rand.Reader, "Z"); err == nil || !strings.Contains(err.Error(), `unknown GOST R 34.10-2012 parameter set "Z"`) {
		t.Errorf("unknown param set: got %v", err)
	}
}

func TestSignatureOfWrongLengthIsMalformed(t *testing.T) {
	key, _ := GenerateKey(rand.Reader, "TCA")
	digest := make([]byte, 32)
	sig, _ := key.SignDigest(rand.Reader, digest)
	for _, s := range [][]byte{sig[:63], append(bytes.Clone(sig), 0), nil} {
		if err := key.Public().VerifyDigest(digest, s); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "want 64") {
			t.Errorf("signature of %d bytes: got %v", len(s), err)
		}
	}
}

// TestPrivateKeyForms: older tools wrap the scalar in an inner OCTET STRING
// (little-endian) or INTEGER (big-endian); all three read as the same key.
func TestPrivateKeyForms(t *testing.T) {
	key := newKey(t, "TCB")
	le := key.key.Raw()
	be := slices.Clone(le)
	slices.Reverse(be)
	intBody := append([]byte{0}, be...) // a leading zero keeps the INTEGER positive
	p := key.ParamSet()
	wrap := func(secret []byte) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(0)
			addKeyAlgorithm(b, p)
			b.AddASN1OctetString(secret)
		})
		return b.BytesOrPanic()
	}
	der := func(tag cbasn1.Tag, body []byte) []byte {
		var b cryptobyte.Builder
		b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes(body) })
		return b.BytesOrPanic()
	}
	tests := []struct {
		name   string
		secret []byte
		ok     bool
	}{
		{"raw little-endian (OpenSSL)", le, true},
		{"inner OCTET STRING", der(cbasn1.OCTET_STRING, le), true},
		{"inner INTEGER", der(cbasn1.INTEGER, intBody), true},
		{"negative INTEGER", der(cbasn1.INTEGER, []byte{0x80, 1}), false},
		{"inner OCTET STRING too short", der(cbasn1.OCTET_STRING, le[:31]), false},
		{"inner BOOLEAN", der(cbasn1.BOOLEAN, []byte{1}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePKCS8PrivateKey(wrap(tt.secret))
			if !tt.ok {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("got %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil || !got.Public().Equal(key.Public()) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestPrivateKeyDoesNotPrintItself(t *testing.T) {
	key := newKey(t, "512C")
	raw := key.key.Raw()
	s := &Signer{Key: key}
	out := fmt.Sprintf("%v %+v %#v %s %v %+v", key, key, key, key, s, *s)
	be := slices.Clone(raw)
	slices.Reverse(be)
	d := new(big.Int).SetBytes(be)
	for _, form := range []string{hex.EncodeToString(raw), hex.EncodeToString(be), d.String(), d.Text(16)} {
		if strings.Contains(out, form) {
			t.Fatalf("formatted key shows the secret: %s", out)
		}
	}
	if !strings.Contains(out, "GOST R 34.10-2012 512-bit private key (512C)") {
		t.Fatalf("formatted key: %s", out)
	}
}

func TestParamSetByName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"A", "A"},
		{"tca", "TCA"},
		{"id-tc26-gost-3410-2012-256-paramSetA", "TCA"},
		{"id-GostR3410-2001-CryptoPro-XchB-ParamSet", "XB"},
		{"1.2.643.7.1.2.1.2.3", "512C"},
		{"1.2.643.2.2.35.1", "A"},
	}
	for _, tt := range tests {
		p, err := ParamSetByName(tt.in)
		if err != nil || p.Name != tt.want {
			t.Errorf("%q: got %q, %v; want %q", tt.in, p.Name, err, tt.want)
		}
	}
	for _, bad := range []string{"", "D", "512D", "1.2.643.2.2.35.0"} {
		if _, err := ParamSetByName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
