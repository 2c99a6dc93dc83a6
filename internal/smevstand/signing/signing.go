// Package signing gives the stand its keys and its XMLDSig: GOST R
// 34.10-2012 keys and self-signed certificates for the stand itself (the
// SMEVSignature) and for each demo information system, generated into a
// directory on first start and read back afterwards, and the adapters that
// let the bus sign and verify with internal/esign/xmlsig.
package signing

import (
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/esign/xmlsig"
)

// Identity is one system's signing key with its certificate.
type Identity struct {
	Mnemonic string
	Signer   *esign.Signer
}

// KeyPath and CertPath are where an identity lives inside the key directory.
func KeyPath(dir, mnemonic string) string  { return filepath.Join(dir, mnemonic+".key.pem") }
func CertPath(dir, mnemonic string) string { return filepath.Join(dir, mnemonic+".cert.pem") }

// validity of generated demo certificates.
const validity = 3 * 365 * 24 * time.Hour

// LoadOrCreate reads mnemonic's key and certificate from dir, generating
// both (a 256-bit key on parameter set A and a self-signed certificate
// named after humanName) when they are missing. Files are written 0600 and
// atomically, so two stands starting at once never read half a key.
func LoadOrCreate(dir, mnemonic, humanName string) (*Identity, error) {
	keyPEM, kerr := os.ReadFile(KeyPath(dir, mnemonic))
	certPEM, cerr := os.ReadFile(CertPath(dir, mnemonic))
	if kerr == nil && cerr == nil {
		s, err := esign.ParseSignerPEM(keyPEM, certPEM)
		if err != nil {
			return nil, fmt.Errorf("load identity %s from %s: %w", mnemonic, dir, err)
		}
		return &Identity{Mnemonic: mnemonic, Signer: s}, nil
	}
	if !errors.Is(kerr, fs.ErrNotExist) && kerr != nil {
		return nil, fmt.Errorf("load identity %s: %w", mnemonic, kerr)
	}
	if !errors.Is(cerr, fs.ErrNotExist) && cerr != nil {
		return nil, fmt.Errorf("load identity %s: %w", mnemonic, cerr)
	}
	id, err := Generate(mnemonic, humanName, time.Now())
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key directory %s: %w", dir, err)
	}
	keyPEM, err = id.Signer.Key.MarshalPEM()
	if err != nil {
		return nil, fmt.Errorf("encode key of %s: %w", mnemonic, err)
	}
	if err := writeAtomic(KeyPath(dir, mnemonic), keyPEM); err != nil {
		return nil, err
	}
	if err := writeAtomic(CertPath(dir, mnemonic), id.Signer.Cert.MarshalPEM()); err != nil {
		return nil, err
	}
	return id, nil
}

// Generate makes a fresh identity valid from now.
func Generate(mnemonic, humanName string, now time.Time) (*Identity, error) {
	key, err := esign.GenerateKey(rand.Reader, "A")
	if err != nil {
		return nil, fmt.Errorf("generate key of %s: %w", mnemonic, err)
	}
	var name esign.Name
	for _, a := range []struct {
		oid   asn1.ObjectIdentifier
		value string
	}{{esign.OIDCommonName, humanName}, {esign.OIDOrganizationalUnit, mnemonic}, {esign.OIDCountry, "RU"}} {
		if err := name.Add(a.oid, a.value); err != nil {
			return nil, fmt.Errorf("certificate name of %s: %w", mnemonic, err)
		}
	}
	cert, err := esign.CreateCertificate(rand.Reader, &esign.Template{
		Subject: name, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(validity),
	}, key.Public(), nil, key)
	if err != nil {
		return nil, fmt.Errorf("issue certificate of %s: %w", mnemonic, err)
	}
	s, err := esign.NewSigner(key, cert)
	if err != nil {
		return nil, fmt.Errorf("pair key of %s: %w", mnemonic, err)
	}
	return &Identity{Mnemonic: mnemonic, Signer: s}, nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// LoadCertificate reads a PEM certificate file (a registered system's).
func LoadCertificate(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	c, err := esign.ParseCertificatePEM(b)
	if err != nil {
		return nil, fmt.Errorf("parse certificate %s: %w", path, err)
	}
	return c.Raw, nil
}

// CertificateDER is the identity's certificate as KeyInfo carries it.
func (id *Identity) CertificateDER() []byte { return id.Signer.Cert.Raw }

// Sign makes a detached XMLDSig signature over the element of doc with Id id.
func (id *Identity) Sign(doc []byte, elementID string) ([]byte, error) {
	return xmlsig.Sign(doc, elementID, id.Signer, id.Signer.Cert.Raw)
}

// Verifier checks XMLDSig signatures with xmlsig and esign certificates.
type Verifier struct{}

// Verify checks the signature in doc over the element with Id id, made
// with the DER certificate cert.
func (Verifier) Verify(doc []byte, id string, cert []byte) error {
	c, err := esign.ParseCertificate(cert)
	if err != nil {
		return fmt.Errorf("verify signature over #%s: %w", id, err)
	}
	_, err = xmlsig.Verify(doc, id, xmlsig.VerifyOptions{Certificate: c})
	return err
}

// Validity returns a DER certificate's validity period.
func Validity(der []byte) (time.Time, time.Time, error) {
	c, err := esign.ParseCertificate(der)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return c.NotBefore, c.NotAfter, nil
}

// Person makes a key and a self-signed certificate for a citizen: the
// ЭП-СП an applicant signs scans with on the portal. The subject carries
// the full name and СНИЛС as a qualified certificate would.
func Person(surname, givenNames, snils string, now time.Time) (*esign.Signer, error) {
	key, err := esign.GenerateKey(rand.Reader, "A")
	if err != nil {
		return nil, fmt.Errorf("generate key of %s: %w", surname, err)
	}
	var name esign.Name
	for _, a := range []struct {
		oid   asn1.ObjectIdentifier
		value string
	}{{esign.OIDCommonName, surname + " " + givenNames}, {esign.OIDSurname, surname}, {esign.OIDGivenName, givenNames}, {esign.OIDSNILS, snils}, {esign.OIDCountry, "RU"}} {
		if err := name.Add(a.oid, a.value); err != nil {
			return nil, fmt.Errorf("certificate name of %s: %w", surname, err)
		}
	}
	cert, err := esign.CreateCertificate(rand.Reader, &esign.Template{Subject: name, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(validity)}, key.Public(), nil, key)
	if err != nil {
		return nil, fmt.Errorf("issue certificate of %s: %w", surname, err)
	}
	return esign.NewSigner(key, cert)
}

// VerifyElement checks the signature in doc over the element with Id id and
// returns the certificate it was made with (smevclient.Verifier).
func VerifyElement(doc []byte, id string) ([]byte, error) {
	c, err := xmlsig.Verify(doc, id, xmlsig.VerifyOptions{})
	if err != nil {
		return nil, err
	}
	return c.Raw, nil
}
