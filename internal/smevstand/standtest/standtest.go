// Package standtest starts a complete SMEV 3 stand for a test: its own
// fresh database, keys in a temporary directory, an HTTP server and the
// portal and provider agencies running, all stopped at cleanup. Tests of
// Okno's SMEV code drive it from outside exactly as they would drive a
// stand started by `make run`.
package standtest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevstand"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/testenv"
)

// Stand is a running stand.
type Stand struct {
	*smevstand.Stand
	// URL is the stand's root; the SOAP endpoint is URL+"/smev" and the
	// file storage URL+"/files/".
	URL string
	// KeyDir holds <MNEMONIC>.key.pem and .cert.pem of MINSTROY, OKN,
	// CONTROL, the stand's participants and SMEV.
	KeyDir string
}

// Endpoint is the SOAP endpoint.
func (s *Stand) Endpoint() string { return s.URL + "/smev" }

// FilesURL is the file storage.
func (s *Stand) FilesURL() string { return s.URL + "/files/" }

// KeyPath and CertPath locate a system's key and certificate.
func (s *Stand) KeyPath(mnemonic string) string  { return signing.KeyPath(s.KeyDir, mnemonic) }
func (s *Stand) CertPath(mnemonic string) string { return signing.CertPath(s.KeyDir, mnemonic) }

// Start runs a stand tuned for tests (answers within a fraction of a
// second, no applications unless asked for); tune adjusts the config. It
// skips when the scan font is missing and CI is empty.
func Start(t testing.TB, tune ...func(*smevstand.Config)) *Stand {
	t.Helper()
	testenv.NeedFonts(t, portal.DefaultFontPath)
	cfg := smevstand.Config{
		DatabaseURL: pgtest.NewDatabase(t), KeyDir: t.TempDir(),
		Redelivery: time.Second, ProviderMaxDelay: 300 * time.Millisecond, ExtraDocsDelay: time.Second,
		PollInterval: 50 * time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, f := range tune {
		f(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := smevstand.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("start stand: %v", err)
	}
	srv := httptest.NewServer(st.Handler())
	done := make(chan struct{})
	go func() { st.RunParticipants(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
		st.Close()
	})
	return &Stand{Stand: st, URL: srv.URL, KeyDir: cfg.KeyDir}
}
