package esign

import (
	"bytes"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
)

// testKDF keeps argon2id cheap in tests; the format stores the costs, so
// this exercises the same code as DefaultKDFParams.
var testKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

func TestSealedKeyOpensOnlyWithItsPIN(t *testing.T) {
	root := newTestCA(t, certOptions{})
	key, cert := root.issue(t, certOptions{subject: qualifiedSubject})
	sealed, err := SealKey(rand.Reader, key, "735921", testKDF)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := key.MarshalPKCS8()
	if bytes.Contains(sealed, plain) || bytes.Contains(sealed, key.key.Raw()) {
		t.Fatal("sealed record contains the key in the clear")
	}
	back, err := sealed.Open("735921")
	if err != nil {
		t.Fatal(err)
	}
	if !back.Public().Equal(key.Public()) {
		t.Fatal("opened another key")
	}
	for _, pin := range []string{"735922", "", "7359210"} {
		if k, err := sealed.Open(pin); k != nil || !errors.Is(err, ErrWrongPIN) {
			t.Errorf("PIN %q: got %v, want ErrWrongPIN", pin, err)
		}
	}
	doc := []byte("решение о предоставлении услуги")
	sig, err := sealed.SignDetached(bytes.NewReader(doc), "735921", cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDetached(bytes.NewReader(doc), sig, VerifyOptions{Roots: NewPool(root.cert)}); err != nil {
		t.Fatal(err)
	}
	if _, err := sealed.SignDetached(bytes.NewReader(doc), "000000", cert); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("signing with a wrong PIN: got %v", err)
	}
	again, _ := SealKey(rand.Reader, key, "735921", testKDF)
	if bytes.Equal(again, sealed) {
		t.Fatal("two sealings share salt and nonce")
	}
}

func TestSealedKeyRejectsBadInput(t *testing.T) {
	key := newKey(t, "TCA")
	if _, err := SealKey(rand.Reader, key, "12345", testKDF); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "PIN shorter than 6") {
		t.Fatalf("short PIN: got %v", err)
	}
	if _, err := SealKey(rand.Reader, key, "123456", KDFParams{}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("zero KDF: got %v", err)
	}
	sealed, err := SealKey(rand.Reader, key, "123456", testKDF)
	if err != nil {
		t.Fatal(err)
	}
	flipped := func(i int) SealedKey {
		s := slices.Clone(sealed)
		s[i] ^= 1
		return s
	}
	// The record starts 30 LL | 02 01 01 | 04 10 <salt> | 02 01 <time> | 02 01 <mem> | 02 01 <threads>.
	h := 2
	if sealed[1] == 0x81 {
		h = 3
	}
	versionAt, saltAt, timeAt, memAt := h+2, h+7, h+23, h+26
	if sealed[versionAt] != 1 || sealed[timeAt] != 1 || sealed[memAt] != 64 {
		t.Fatalf("record layout changed: % x", sealed[:32])
	}
	tests := []struct {
		name   string
		sealed SealedKey
		want   error
	}{
		{"truncated", sealed[:len(sealed)-3], ErrMalformed},
		{"empty", nil, ErrMalformed},
		{"version", flipped(versionAt), ErrMalformed},
		{"salt changed", flipped(saltAt), ErrWrongPIN},
		{"costs changed", flipped(memAt), ErrWrongPIN},
		{"ciphertext changed", flipped(len(sealed) - 1), ErrWrongPIN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k, err := tt.sealed.Open("123456"); k != nil || !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	huge := slices.Clone(sealed)
	// Raise the stored time cost past the bound: a tampered record must not make Open spin.
	huge[timeAt] = 0x7f
	if _, err := huge.Open("123456"); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("tampered costs: got %v", err)
	}
}

func TestVerifyUploadedNeedsTheRegisteredCertificate(t *testing.T) {
	root := newTestCA(t, certOptions{})
	key, cert := root.issue(t, certOptions{subject: qualifiedSubject})
	_, other := root.issue(t, certOptions{subject: "CN=Другой руководитель"})
	doc := []byte("приказ № 17")
	sig, err := SignDetached(bytes.NewReader(doc), key, cert)
	if err != nil {
		t.Fatal(err)
	}
	info, err := VerifyUploaded(bytes.NewReader(doc), sig, cert, VerifyOptions{Roots: NewPool(root.cert)})
	if err != nil || !info.Certificate.Equal(cert) {
		t.Fatalf("own signature: %v", err)
	}
	if _, err := VerifyUploaded(bytes.NewReader(doc), sig, other, VerifyOptions{}); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("someone else's signature: got %v", err)
	}
	if _, err := VerifyUploaded(bytes.NewReader([]byte("приказ № 18")), sig, cert, VerifyOptions{}); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("another document: got %v", err)
	}
}

func TestSignerForXMLDSig(t *testing.T) {
	root := newTestCA(t, certOptions{})
	key, cert := root.issue(t, certOptions{paramSet: "512B", subject: "CN=ИС Окно,O=Министерство,INNLE=7707083893"})
	keyPEM, _ := key.MarshalPEM()
	s, err := ParseSignerPEM(keyPEM, cert.MarshalPEM())
	if err != nil {
		t.Fatal(err)
	}
	h := s.Hash()
	h.Write([]byte("<ns1:SenderProvidedRequestData/>"))
	digest := h.Sum(nil)
	if len(digest) != 64 {
		t.Fatalf("512-bit key hashes to %d bytes", len(digest))
	}
	sig, err := s.SignDigest(digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.VerifyDigest(digest, sig); err != nil {
		t.Fatal(err)
	}
	if err := root.cert.VerifyDigest(digest, sig); err == nil {
		t.Fatal("another certificate verified the signature")
	}
	otherKeyPEM, _ := newKey(t, "512B").MarshalPEM()
	if _, err := ParseSignerPEM(otherKeyPEM, cert.MarshalPEM()); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("key of another certificate: got %v", err)
	}
	both := slices.Concat(keyPEM, cert.MarshalPEM())
	if _, err := ParseSignerPEM(both, both); err != nil {
		t.Fatalf("key and certificate in one file: %v", err)
	}
}
