// Package smevlink connects agencies to SMEV 3: for an agency's mnemonic it
// builds, once, a client that signs every call with the agency's
// information-system key (ЭП-ОВ) and checks SMEV's signature on replies.
//
// Keys live as files, never in the database: <dir>/<MNEMONIC>.key.pem and
// <dir>/<MNEMONIC>.cert.pem for each agency, and <dir>/SMEV.cert.pem, the
// bus's certificate. The SMEV 3 stand writes exactly this layout for the
// demo agencies, so `make run` needs no setup.
package smevlink

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// Config says where the bus is and where the keys are.
type Config struct {
	Endpoint   string // SOAP endpoint, e.g. http://127.0.0.1:8075/smev
	FilesURL   string // file storage for large attachments, e.g. http://127.0.0.1:8075/files/
	KeysDir    string
	JournalDir string // OKNO_SMEV_JOURNAL_DIR: every envelope, when set
}

// Links caches one client per agency mnemonic.
type Links struct {
	cfg     Config
	http    *http.Client
	mu      sync.Mutex
	clients map[string]*smevclient.Client
}

// New prepares the links; clients are built on first use.
func New(cfg Config) *Links {
	return &Links{cfg: cfg, http: &http.Client{Timeout: 2 * time.Minute}, clients: map[string]*smevclient.Client{}}
}

// For returns the client of the agency's information system.
func (l *Links) For(mnemonic string) (cases.Bus, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.clients[mnemonic]; ok {
		return c, nil
	}
	if l.cfg.Endpoint == "" {
		return nil, cases.ErrNoBus
	}
	keyPEM, err := os.ReadFile(filepath.Join(l.cfg.KeysDir, mnemonic+".key.pem"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no key for %s in %s", cases.ErrNoBus, mnemonic, l.cfg.KeysDir)
	}
	if err != nil {
		return nil, fmt.Errorf("smevlink: key of %s: %w", mnemonic, err)
	}
	certPEM, err := os.ReadFile(filepath.Join(l.cfg.KeysDir, mnemonic+".cert.pem"))
	if err != nil {
		return nil, fmt.Errorf("smevlink: certificate of %s: %w", mnemonic, err)
	}
	signer, err := esign.ParseSignerPEM(keyPEM, certPEM)
	if err != nil {
		return nil, fmt.Errorf("smevlink: key pair of %s: %w", mnemonic, err)
	}
	smevPEM, err := os.ReadFile(filepath.Join(l.cfg.KeysDir, "SMEV.cert.pem"))
	if err != nil {
		return nil, fmt.Errorf("smevlink: the bus's certificate: %w", err)
	}
	smevCert, err := esign.ParseCertificatePEM(smevPEM)
	if err != nil {
		return nil, fmt.Errorf("smevlink: the bus's certificate: %w", err)
	}
	cfg := smevclient.Config{
		Endpoint: l.cfg.Endpoint, HTTPClient: l.http,
		Signer:   smevclient.XMLDSigSigner{Key: signer, Certificate: signer.Cert.Raw},
		Verifier: smevclient.XMLDSigVerifier{}, SMEVCertificates: [][]byte{smevCert.Raw},
		JournalDir: l.cfg.JournalDir,
		// A delivered message is larger and deeper than what the bus accepts
		// from a sender (files come back inline as base64, wrapped in the
		// delivery's own elements), so our limits must exceed the bus's.
		Limits: message.Limits{MaxBytes: 16 << 20, MaxDepth: 72},
	}
	if l.cfg.FilesURL != "" {
		cfg.Storage = smevclient.NewHTTPFileStorage(strings.TrimSuffix(l.cfg.FilesURL, "/")+"/", l.http)
	}
	c, err := smevclient.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("smevlink: client of %s: %w", mnemonic, err)
	}
	l.clients[mnemonic] = c
	return c, nil
}
