package esign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

// document is a test document larger than any read buffer.
func document(n int) []byte {
	doc := make([]byte, n)
	for i := range doc {
		doc[i] = byte(i*7 + i/251)
	}
	return doc
}

// oneByteReader hands out the document a byte at a time, so a test fails if
// signing or verifying depended on reading it in one piece.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestSignVerifyDetached(t *testing.T) {
	root := newTestCA(t, certOptions{})
	for _, ps := range []string{"A", "XB", "TCA", "TCD", "512A", "512C"} {
		t.Run(ps, func(t *testing.T) {
			key, cert := root.issue(t, certOptions{paramSet: ps, subject: qualifiedSubject})
			doc := document(100_000)
			before := time.Now().Add(-time.Second)
			sig, err := SignDetached(oneByteReader{bytes.NewReader(doc)}, key, cert)
			if err != nil {
				t.Fatal(err)
			}
			info, err := VerifyDetached(oneByteReader{bytes.NewReader(doc)}, sig, VerifyOptions{Roots: NewPool(root.cert)})
			if err != nil {
				t.Fatal(err)
			}
			if !info.Certificate.Equal(cert) || len(info.Chain) != 2 || info.Certificate.Subject.Get(OIDSNILS) != "11223344595" {
				t.Fatalf("signer %v, chain %d", info.Certificate.Subject, len(info.Chain))
			}
			if info.SigningTime.Before(before.Truncate(time.Second)) || info.SigningTime.After(time.Now()) {
				t.Errorf("signing time %v", info.SigningTime)
			}
			h := key.ParamSet().NewHash()
			h.Write(doc)
			if !bytes.Equal(info.Digest, h.Sum(nil)) {
				t.Error("reported digest is not the document's")
			}
			doc[len(doc)/2] ^= 0x20
			if _, err := VerifyDetached(bytes.NewReader(doc), sig, VerifyOptions{}); !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("changed document: got %v, want ErrDigestMismatch", err)
			}
		})
	}
}

// TestCMSInteropWithOpenSSL: OpenSSL verifies what Okno signs, Okno verifies
// what OpenSSL signs, and neither accepts a document with one byte changed.
func TestCMSInteropWithOpenSSL(t *testing.T) {
	o := requireOpenSSL(t)
	for _, ps := range []string{"A", "TCA", "512A"} {
		t.Run(ps, func(t *testing.T) {
			root := newTestCA(t, certOptions{paramSet: ps})
			key, cert := root.issue(t, certOptions{paramSet: ps, subject: qualifiedSubject})
			doc := document(70_000)
			o.write("doc", doc)
			changed := slices.Clone(doc)
			changed[12345] ^= 1
			o.write("changed", changed)
			o.write("ca.pem", root.cert.MarshalPEM())
			o.write("cert.pem", cert.MarshalPEM())
			keyPEM, _ := key.MarshalPEM()
			o.write("key.pem", keyPEM)

			ours, err := SignDetached(bytes.NewReader(doc), key, cert)
			if err != nil {
				t.Fatal(err)
			}
			o.write("ours.sig", ours)
			out := o.must("cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER", "-in", "ours.sig", "-content", "doc", "-CAfile", "ca.pem", "-out", "/dev/null")
			if !strings.Contains(out, "Verification successful") {
				t.Fatalf("openssl: %s", out)
			}
			if out, ok := o.run("cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER", "-in", "ours.sig", "-content", "changed", "-CAfile", "ca.pem", "-out", "/dev/null"); ok {
				t.Fatalf("openssl accepted our signature over a changed document: %s", out)
			}

			o.must("cms", "-sign", "-engine", "gost", "-binary", "-outform", "DER", "-in", "doc", "-signer", "cert.pem", "-inkey", "key.pem", "-out", "theirs.sig")
			theirs := o.read("theirs.sig")
			info, err := VerifyDetached(bytes.NewReader(doc), theirs, VerifyOptions{Roots: NewPool(root.cert)})
			if err != nil {
				t.Fatal(err)
			}
			if !info.Certificate.Equal(cert) {
				t.Fatal("wrong signer reported")
			}
			if _, err := VerifyDetached(bytes.NewReader(changed), theirs, VerifyOptions{Roots: NewPool(root.cert)}); !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("OpenSSL's signature over a changed document: got %v", err)
			}
			// Without signed attributes the signature covers the document digest itself.
			o.must("cms", "-sign", "-engine", "gost", "-binary", "-noattr", "-outform", "DER", "-in", "doc", "-signer", "cert.pem", "-inkey", "key.pem", "-out", "noattr.sig")
			if _, err := VerifyDetached(bytes.NewReader(doc), o.read("noattr.sig"), VerifyOptions{}); err != nil {
				t.Fatalf("no signed attributes: %v", err)
			}
			if _, err := VerifyDetached(bytes.NewReader(changed), o.read("noattr.sig"), VerifyOptions{}); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("no signed attributes, changed document: got %v", err)
			}
			o.must("cms", "-sign", "-engine", "gost", "-binary", "-nodetach", "-outform", "DER", "-in", "doc", "-signer", "cert.pem", "-inkey", "key.pem", "-out", "attached.sig")
			if _, err := VerifyDetached(bytes.NewReader(doc), o.read("attached.sig"), VerifyOptions{}); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "contains the document") {
				t.Fatalf("attached signature: got %v", err)
			}
			// A co-signature: OpenSSL adds a second signer to our signature.
			key2, cert2 := root.issue(t, certOptions{paramSet: ps, subject: "CN=Второй подписант"})
			key2PEM, _ := key2.MarshalPEM()
			o.write("key2.pem", key2PEM)
			o.write("cert2.pem", cert2.MarshalPEM())
			o.must("cms", "-resign", "-engine", "gost", "-binary", "-inform", "DER", "-in", "ours.sig", "-content", "doc",
				"-signer", "cert2.pem", "-inkey", "key2.pem", "-outform", "DER", "-out", "cosigned.sig")
			cosigned := o.read("cosigned.sig")
			if _, err := VerifyDetached(bytes.NewReader(doc), cosigned, VerifyOptions{}); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "2 signers") {
				t.Fatalf("co-signed without a named signer: got %v", err)
			}
			for _, c := range []*Certificate{cert, cert2} {
				info, err := VerifyUploaded(bytes.NewReader(doc), cosigned, c, VerifyOptions{Roots: NewPool(root.cert)})
				if err != nil || !info.Certificate.Equal(c) {
					t.Fatalf("co-signer %q: %v", c.Subject.FullName(), err)
				}
			}
			if _, err := VerifyUploaded(bytes.NewReader(changed), cosigned, cert2, VerifyOptions{}); !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("co-signed, changed document: got %v", err)
			}
			// PEM and bare base64, as signing tools also save signatures.
			o.must("cms", "-sign", "-engine", "gost", "-binary", "-outform", "PEM", "-in", "doc", "-signer", "cert.pem", "-inkey", "key.pem", "-out", "theirs.pem")
			if _, err := VerifyDetached(bytes.NewReader(doc), o.read("theirs.pem"), VerifyOptions{}); err != nil {
				t.Fatalf("PEM signature: %v", err)
			}
			b64 := base64.StdEncoding.EncodeToString(theirs)
			if _, err := VerifyDetached(bytes.NewReader(doc), []byte(b64[:60]+"\r\n"+b64[60:]), VerifyOptions{}); err != nil {
				t.Fatalf("base64 signature: %v", err)
			}
		})
	}
}

func TestVerifyDetachedRejects(t *testing.T) {
	root := newTestCA(t, certOptions{})
	other := newTestCA(t, certOptions{subject: "CN=Чужой УЦ"})
	key, cert := root.issue(t, certOptions{})
	_, stranger := root.issue(t, certOptions{subject: "CN=Посторонний"})
	doc := document(1000)
	sig, err := SignDetached(bytes.NewReader(doc), key, cert)
	if err != nil {
		t.Fatal(err)
	}
	expiredKey, expiredCert := root.issue(t, certOptions{notBefore: time.Now().Add(-10 * time.Hour), notAfter: time.Now().Add(-time.Hour)})
	expiredSig, err := signDetached(bytes.NewReader(doc), expiredKey, expiredCert, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	encKey, encCert := root.issue(t, certOptions{subject: "CN=Только шифрование", keyUsage: KeyUsageKeyEncipherment})
	encSig, err := SignDetached(bytes.NewReader(doc), encKey, encCert)
	if err != nil {
		t.Fatal(err)
	}
	// The signature value is the last 64 bytes.
	value := sig[len(sig)-64:]
	shortSig := reassemble(t, sig, cert, cert.Raw, value[:63])
	badValue := reassemble(t, sig, cert, cert.Raw, slices.Concat(value[:60], []byte{1, 2, 3, 4}))
	if !bytes.Equal(reassemble(t, sig, cert, cert.Raw, value), sig) {
		t.Fatal("reassembling an unchanged signature changes it")
	}
	ecdsaSig := reassemble(t, sig, cert, ecdsaCertificate(t), value)
	otherCertSig := reassemble(t, sig, cert, stranger.Raw, value)

	tests := []struct {
		name string
		sig  []byte
		opts VerifyOptions
		want error
		msg  string
	}{
		{"truncated", sig[:len(sig)-20], VerifyOptions{}, ErrMalformed, "not a CMS ContentInfo"},
		{"empty", nil, VerifyOptions{}, ErrMalformed, "neither DER, PEM nor base64"},
		{"garbage", []byte("not a signature at all"), VerifyOptions{}, ErrMalformed, "neither DER, PEM nor base64"},
		{"certificate instead", cert.Raw, VerifyOptions{}, ErrMalformed, "not a CMS ContentInfo"},
		{"signature of wrong length", shortSig, VerifyOptions{}, ErrMalformed, "signature is 63 bytes, want 64"},
		{"signature altered", badValue, VerifyOptions{}, ErrBadSignature, ""},
		{"untrusted root", sig, VerifyOptions{Roots: NewPool(other.cert)}, ErrUntrusted, "no issuer"},
		{"expired certificate", expiredSig, VerifyOptions{}, ErrCertificateExpired, "expired at"},
		{"expired certificate, roots", expiredSig, VerifyOptions{Roots: NewPool(root.cert)}, ErrCertificateExpired, "expired at"},
		{"ECDSA signer certificate", ecdsaSig, VerifyOptions{}, ErrUnsupportedAlgorithm, "signer certificate"},
		{"signer certificate swapped", otherCertSig, VerifyOptions{}, ErrUntrusted, "not in the signature"},
		{"certificate not for signing", encSig, VerifyOptions{}, ErrKeyUsage, `"Только шифрование" may not sign documents`},
		{"not the expected signer", sig, VerifyOptions{Signer: stranger}, ErrWrongSigner, `not by "Посторонний"`},
		{"PEM of another type", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sig}), VerifyOptions{}, ErrMalformed, `PEM block "CERTIFICATE"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := VerifyDetached(bytes.NewReader(doc), tt.sig, tt.opts)
			if info != nil || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, %v; want %v with %q", info, err, tt.want, tt.msg)
			}
			if n := strings.Count(err.Error(), "esign:"); n != 1 {
				t.Errorf("message names the package %d times: %v", n, err)
			}
		})
	}
	if _, err := SignDetached(bytes.NewReader(doc), key, stranger); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("signing with another's certificate: got %v", err)
	}
}

func ecdsaCertificate(t *testing.T) []byte {
	t.Helper()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "ECDSA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &ec.PublicKey, ec)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// reassemble rebuilds a signature esign made, changing the carried
// certificate and the signature value, to forge the cases a verifier must catch.
func reassemble(t *testing.T, sig []byte, cert *Certificate, certDER, value []byte) []byte {
	t.Helper()
	sd, err := parseSignedData(sig)
	if err != nil {
		t.Fatal(err)
	}
	out, err := encodeSignedData(cert.PublicKey.ParamSet(), certDER, cert.RawIssuer, cert.SerialNumber, sd.signers[0].signedAttrs, value)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
