// Package opensslref drives OpenSSL with the gost engine as the independent
// reference that the GOST code in Okno is checked and measured against.
//
// It owns nothing of production: tests use it to compare digests, keys and
// signatures with OpenSSL, and cmd/bench uses it to time OpenSSL in the same
// run. The openssl command and the gost engine are external tools: Require
// skips a test when they are absent and the CI variable is empty, and fails
// it when CI is set, so a CI machine without the engine cannot pass silently.
package opensslref

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/okno-oiv/okno/internal/testenv"
)

// ErrUnavailable reports that openssl or its gost engine cannot be used.
var ErrUnavailable = errors.New("opensslref: openssl with the gost engine is not available")

// Tool runs the openssl command with the gost engine loaded.
type Tool struct {
	path string
}

// Find locates openssl on PATH and checks that the gost engine loads.
func Find() (*Tool, error) {
	path, err := exec.LookPath("openssl")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	t := &Tool{path: path}
	if _, err := t.run(nil, "dgst", "-engine", "gost", "-md_gost12_256"); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return t, nil
}

// Require returns the tool, skipping tb when it is missing and CI is empty
// and failing tb when CI is set.
func Require(tb testing.TB) *Tool {
	tb.Helper()
	t, err := Find()
	if err == nil {
		return t
	}
	testenv.Unavailable(tb, err.Error()+" (apt-get install libengine-gost-openssl)")
	return nil
}

// run executes openssl with args, feeding stdin, and returns stdout.
func (t *Tool) run(stdin []byte, args ...string) ([]byte, error) {
	out, err := t.runOutput(stdin, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// runOutput is run that also returns stdout when openssl exits non-zero.
func (t *Tool) runOutput(stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command(t.path, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("openssl %v: %w: %s", args, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}

// Digest hashes data with Streebog of the given size in bits (256 or 512).
func (t *Tool) Digest(bits int, data []byte) ([]byte, error) {
	md, err := digestName(bits)
	if err != nil {
		return nil, err
	}
	return t.run(data, "dgst", "-engine", "gost", "-"+md, "-binary")
}

func digestName(bits int) (string, error) {
	switch bits {
	case 256:
		return "md_gost12_256", nil
	case 512:
		return "md_gost12_512", nil
	}
	return "", fmt.Errorf("opensslref: no Streebog of %d bits", bits)
}

// Key is a GOST R 34.10-2012 key pair as OpenSSL holds it.
type Key struct {
	// PrivatePEM is the PKCS#8 "PRIVATE KEY" block.
	PrivatePEM []byte
	// PublicPEM is the SubjectPublicKeyInfo "PUBLIC KEY" block.
	PublicPEM []byte
	// PrivateRaw is the content of the PKCS#8 privateKey (d little-endian).
	PrivateRaw []byte
	// PublicRaw is the OCTET STRING inside the SubjectPublicKeyInfo BIT STRING (X||Y little-endian).
	PublicRaw []byte
}

// GenerateKey asks OpenSSL for a new key: bits is 256 or 512, paramset the
// engine's name ("A", "B", "C", "XA", "XB", "TCA".."TCD"; "A".."C" for 512).
func (t *Tool) GenerateKey(bits int, paramset string) (*Key, error) {
	priv, err := t.run(nil, "genpkey", "-engine", "gost", "-algorithm", fmt.Sprintf("gost2012_%d", bits),
		"-pkeyopt", "paramset:"+paramset)
	if err != nil {
		return nil, err
	}
	return t.completeKey(priv)
}

// KeyFromRaw wraps a raw private key (d little-endian) in PKCS#8 the way the
// gost engine writes it and lets OpenSSL derive the public key.
func (t *Tool) KeyFromRaw(bits int, curve asn1.ObjectIdentifier, raw []byte) (*Key, error) {
	alg := asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
	digest := asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	if bits == 512 {
		alg = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}
		digest = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}
	}
	params := []asn1.ObjectIdentifier{curve}
	// The CryptoPro (1.2.643.2.2.x) sets name the digest too; tc26 sets do not.
	if curve[4] == 2 {
		params = append(params, digest)
	}
	paramsDER, err := asn1.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("opensslref: marshal key parameters: %w", err)
	}
	der, err := asn1.Marshal(privateKeyInfo{
		Algorithm:  algorithmIdentifier{Algorithm: alg, Parameters: asn1.RawValue{FullBytes: paramsDER}},
		PrivateKey: raw,
	})
	if err != nil {
		return nil, fmt.Errorf("opensslref: marshal PKCS#8: %w", err)
	}
	return t.completeKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type privateKeyInfo struct {
	Version    int
	Algorithm  algorithmIdentifier
	PrivateKey []byte
}

type subjectPublicKeyInfo struct {
	Algorithm algorithmIdentifier
	PublicKey asn1.BitString
}

// completeKey fills a Key from its private PEM.
func (t *Tool) completeKey(privPEM []byte) (*Key, error) {
	pub, err := t.run(privPEM, "pkey", "-engine", "gost", "-pubout")
	if err != nil {
		return nil, err
	}
	k := &Key{PrivatePEM: privPEM, PublicPEM: pub}
	block, _ := pem.Decode(privPEM)
	if block == nil {
		return nil, errors.New("opensslref: openssl wrote no private key PEM")
	}
	var pki privateKeyInfo
	if _, err := asn1.Unmarshal(block.Bytes, &pki); err != nil {
		return nil, fmt.Errorf("opensslref: parse PKCS#8: %w", err)
	}
	k.PrivateRaw = pki.PrivateKey
	block, _ = pem.Decode(pub)
	if block == nil {
		return nil, errors.New("opensslref: openssl wrote no public key PEM")
	}
	var spki subjectPublicKeyInfo
	if _, err := asn1.Unmarshal(block.Bytes, &spki); err != nil {
		return nil, fmt.Errorf("opensslref: parse SubjectPublicKeyInfo: %w", err)
	}
	if _, err := asn1.Unmarshal(spki.PublicKey.Bytes, &k.PublicRaw); err != nil {
		return nil, fmt.Errorf("opensslref: parse public key OCTET STRING: %w", err)
	}
	return k, nil
}

// Sign signs a digest with OpenSSL and returns its signature bytes.
func (t *Tool) Sign(k *Key, digest []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "opensslref")
	if err != nil {
		return nil, fmt.Errorf("opensslref: %w", err)
	}
	defer os.RemoveAll(dir)
	keyFile := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, k.PrivatePEM, 0o600); err != nil {
		return nil, fmt.Errorf("opensslref: %w", err)
	}
	return t.run(digest, "pkeyutl", "-engine", "gost", "-sign", "-inkey", keyFile)
}

// Verify checks a signature over digest with OpenSSL; a rejected signature
// is false with no error.
func (t *Tool) Verify(k *Key, digest, sig []byte) (bool, error) {
	dir, err := os.MkdirTemp("", "opensslref")
	if err != nil {
		return false, fmt.Errorf("opensslref: %w", err)
	}
	defer os.RemoveAll(dir)
	keyFile, sigFile := filepath.Join(dir, "pub.pem"), filepath.Join(dir, "sig")
	if err := os.WriteFile(keyFile, k.PublicPEM, 0o600); err != nil {
		return false, fmt.Errorf("opensslref: %w", err)
	}
	if err := os.WriteFile(sigFile, sig, 0o600); err != nil {
		return false, fmt.Errorf("opensslref: %w", err)
	}
	out, err := t.runOutput(digest, "pkeyutl", "-engine", "gost", "-verify", "-pubin", "-inkey", keyFile, "-sigfile", sigFile)
	if bytes.Contains(out, []byte("Signature Verification Failure")) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return bytes.Contains(out, []byte("Signature Verified Successfully")), nil
}
