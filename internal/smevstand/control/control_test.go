package control_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevstand"
	"github.com/okno-oiv/okno/internal/smevstand/control"
	"github.com/okno-oiv/okno/internal/smevstand/faultinject"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
)

// runControl starts a stand in-process and runs the control example on it.
func runControl(t *testing.T, faults faultinject.Config) (control.Result, string) {
	t.Helper()
	if _, err := os.Stat(portal.DefaultFontPath); err != nil && os.Getenv("CI") == "" {
		t.Skipf("DejaVu font missing (apt-get install fonts-dejavu-core): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys := t.TempDir()
	st, err := smevstand.New(ctx, smevstand.Config{
		DatabaseURL: pgtest.NewDatabase(t), KeyDir: keys, Redelivery: time.Second,
		ProviderMaxDelay: 300 * time.Millisecond, PollInterval: 50 * time.Millisecond,
		Faults: faults, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(st.Handler())
	defer srv.Close()
	done := make(chan struct{})
	go func() { st.RunParticipants(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	var out bytes.Buffer
	res, err := control.Run(ctx, control.Config{BaseURL: srv.URL, KeyDir: keys, Wait: 30 * time.Second, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	return res, out.String()
}

func TestControlExamplePasses(t *testing.T) {
	res, out := runControl(t, faultinject.Config{})
	if !res.OK() || strings.Contains(out, "FAIL") || res.Passed < 10 {
		t.Fatalf("control example: %d passed, %d failed\n%s", res.Passed, res.Failed, out)
	}
	t.Log("\n" + out)
}

// Okno's client rides out a misbehaving bus: its retries meet
// MessageIsAlreadySent and TargetMessageIsNotFound where the stand
// processed a call whose reply was lost, and duplicates are acknowledged.
func TestControlExampleSurvivesInjectedFaults(t *testing.T) {
	res, out := runControl(t, faultinject.Config{SMEVFailureRate: 0.15, HTTPErrorRate: 0.1, DropRate: 0.1, DuplicateRate: 0.3, Seed: 3})
	if !res.OK() {
		t.Fatalf("control example under faults: %d passed, %d failed\n%s", res.Passed, res.Failed, out)
	}
}
