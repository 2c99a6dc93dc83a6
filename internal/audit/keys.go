package audit

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
)

// FileKeys signs an agency's anchors with its information system's key
// (<SMEVDir>/<MNEMONIC>.key.pem and .cert.pem, the key that signs its SMEV
// calls) when it has one, and otherwise with the installation's anchor key,
// <Dir>/anchor.pem, made on first use. Both stay outside the database, so
// the database's owner cannot sign a rewritten chain.
type FileKeys struct {
	SMEVDir string // OKNO_SMEV_KEYS_DIR; "" when there is no bus
	Dir     string // e.g. OKNO_DATA_DIR/audit

	mu       sync.Mutex
	platform *esign.Signer
}

// AnchorSigner returns the key that signs the agency's anchors now.
func (k *FileKeys) AnchorSigner(a Agency) (*esign.Signer, error) {
	if s, err := k.agencySigner(a); s != nil || err != nil {
		return s, err
	}
	return k.platformSigner()
}

// AnchorCertificates trusts the agency's own certificate and the
// installation's, so anchors made before the agency had a key still check.
func (k *FileKeys) AnchorCertificates(a Agency) ([]*esign.Certificate, error) {
	var out []*esign.Certificate
	s, err := k.agencySigner(a)
	if err != nil {
		return nil, err
	}
	if s != nil {
		out = append(out, s.Cert)
	}
	p, err := k.platformSigner()
	if err != nil {
		return nil, err
	}
	return append(out, p.Cert), nil
}

// agencySigner returns the agency's own key, or nil when it has none.
func (k *FileKeys) agencySigner(a Agency) (*esign.Signer, error) {
	if a.Mnemonic == "" || k.SMEVDir == "" {
		return nil, nil
	}
	keyPEM, err := os.ReadFile(filepath.Join(k.SMEVDir, a.Mnemonic+".key.pem"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	certPEM, err := os.ReadFile(filepath.Join(k.SMEVDir, a.Mnemonic+".cert.pem"))
	if err != nil {
		return nil, err
	}
	return esign.ParseSignerPEM(keyPEM, certPEM)
}

// platformSigner reads the installation's anchor key, making it first if
// there is none. Processes starting together agree on one: the file is
// linked into place only if no other is there.
func (k *FileKeys) platformSigner() (*esign.Signer, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.platform != nil {
		return k.platform, nil
	}
	path := filepath.Join(k.Dir, "anchor.pem")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := makePlatformKey(path); err != nil {
			return nil, err
		}
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("anchor key: %w", err)
	}
	s, err := esign.ParseSignerPEM(raw, raw)
	if err != nil {
		return nil, fmt.Errorf("anchor key %s: %w", path, err)
	}
	k.platform = s
	return s, nil
}

func makePlatformKey(path string) error {
	key, err := esign.GenerateKey(rand.Reader, "A")
	if err != nil {
		return err
	}
	name, err := esign.ParseName("CN=Окно: подпись журнала аудита")
	if err != nil {
		return err
	}
	now := time.Now()
	cert, err := esign.CreateCertificate(rand.Reader, &esign.Template{
		Subject: name, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(20, 0, 0),
	}, key.Public(), nil, key)
	if err != nil {
		return err
	}
	keyPEM, err := key.MarshalPEM()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "anchor-*.pem")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(keyPEM, cert.MarshalPEM()...)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("anchor key: %w", err)
	}
	return nil
}
