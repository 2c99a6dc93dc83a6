package esign

import (
	"bytes"
	"testing"
)

// The fuzz targets feed arbitrary bytes to every parser that reads outside
// input. Besides not panicking, whatever is accepted must re-encode
// consistently.

func FuzzParseCertificate(f *testing.F) {
	f.Add(readFixture(f, "user.pem"))
	f.Add(readFixture(f, "ca.pem"))
	f.Add(readFixture(f, "rsa.pem"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCertificatePEM(data)
		if err != nil {
			c, err = ParseCertificate(data)
		}
		if err != nil {
			return
		}
		again, err := ParseCertificate(c.Raw)
		if err != nil || !again.Equal(c) || again.Subject.String() != c.Subject.String() {
			t.Fatalf("accepted certificate does not parse again: %v", err)
		}
	})
}

func FuzzVerifyDetached(f *testing.F) {
	doc := readFixture(f, "document.txt")
	f.Add(readFixture(f, "document.txt.sig"))
	f.Add(readFixture(f, "document.txt.rsa.sig"))
	ca, err := ParseCertificatePEM(readFixture(f, "ca.pem"))
	if err != nil {
		f.Fatal(err)
	}
	user, err := ParseCertificatePEM(readFixture(f, "user.pem"))
	if err != nil {
		f.Fatal(err)
	}
	opts := VerifyOptions{Roots: NewPool(ca), At: user.NotBefore.Add(1)}
	f.Fuzz(func(t *testing.T, sig []byte) {
		info, err := VerifyDetached(bytes.NewReader(doc), sig, opts)
		if err == nil && !info.Certificate.Equal(user) {
			t.Fatalf("verified a signature by %q, not the fixture's signer", info.Certificate.Subject.String())
		}
	})
}

func FuzzParsePrivateKey(f *testing.F) {
	f.Add(readFixture(f, "user.key"))
	f.Add(readFixture(f, "ca.key"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePrivateKeyPEM(data)
		if err != nil {
			k, err = ParsePKCS8PrivateKey(data)
		}
		if err != nil {
			return
		}
		der, err := k.MarshalPKCS8()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParsePKCS8PrivateKey(der)
		if err != nil || !back.Public().Equal(k.Public()) {
			t.Fatalf("accepted key does not round-trip: %v", err)
		}
	})
}

func FuzzOpenSealedKey(f *testing.F) {
	key, err := ParsePrivateKeyPEM(readFixture(f, "ca.key"))
	if err != nil {
		f.Fatal(err)
	}
	sealed, err := SealKey(nil, key, "735921", testKDF)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(sealed))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := SealedKey(data).Open("735921")
		// Without the sealing key nobody forges a GCM tag, so whatever opens
		// must be the key that was sealed.
		if err == nil && !k.Public().Equal(key.Public()) {
			t.Fatal("opened a forged record")
		}
	})
}

func FuzzParseCRL(f *testing.F) {
	ca := newTestCA(f, certOptions{})
	_, revoked := ca.issue(f, certOptions{})
	crl := ca.crl(f, 1, revoked)
	f.Add(crl.Raw)
	f.Add(crl.MarshalPEM())
	f.Add(ca.crl(f, 2).Raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseCRL(data)
		if err != nil {
			return
		}
		again, err := ParseCRL(l.Raw)
		if err != nil || !bytes.Equal(again.RawTBS, l.RawTBS) || len(again.Revoked) != len(l.Revoked) {
			t.Fatalf("accepted CRL does not parse again: %v", err)
		}
		for _, r := range l.Revoked {
			if _, ok := l.Lookup(r.SerialNumber); !ok {
				t.Fatalf("entry %X not found by Lookup", r.SerialNumber)
			}
		}
		l.CheckSignatureFrom(ca.cert) // must not panic, whatever it says
	})
}
