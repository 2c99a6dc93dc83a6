package smevstand_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/testenv"
)

func newStand(t *testing.T, db, keys string) *smevstand.Stand {
	t.Helper()
	testenv.NeedFonts(t, portal.DefaultFontPath)
	st, err := smevstand.New(context.Background(), smevstand.Config{DatabaseURL: db, KeyDir: keys, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// An application filed through one stand process is delivered by another
// process sharing the database, and still after the first one restarts
// with the same keys.
func TestStateIsSharedAndSurvivesRestart(t *testing.T) {
	t.Parallel()
	db, keys := pgtest.NewDatabase(t), t.TempDir()
	first := newStand(t, db, keys)
	srv := httptest.NewServer(first.Handler())
	resp, err := http.Post(srv.URL+"/portal/applications?service=building-permit", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("filing: HTTP %d", resp.StatusCode)
	}
	cert := first.SMEVCertificate()
	srv.Close()
	first.Close()

	second := newStand(t, db, keys)
	defer second.Close()
	third := newStand(t, db, keys)
	defer third.Close()
	if string(second.SMEVCertificate()) != string(cert) {
		t.Fatal("the restarted stand made a new SMEV key instead of keeping its own")
	}
	ctx := context.Background()
	got, err := second.Bus().GetRequest(ctx, smevstand.MINSTROY, message.MessageTypeSelector{})
	if err != nil || got.RequestMessage == nil {
		t.Fatalf("after restart: %+v, %v", got, err)
	}
	if other, err := third.Bus().GetRequest(ctx, smevstand.MINSTROY, message.MessageTypeSelector{}); err != nil || other.RequestMessage != nil {
		t.Fatalf("a second process got the message the first holds: %+v, %v", other.RequestMessage, err)
	}
	if err := third.Bus().Ack(ctx, smevstand.MINSTROY, message.AckTargetMessage{MessageID: got.RequestMessage.Request.MessageMetadata.MessageID}); err != nil {
		t.Fatalf("ack through another process: %v", err)
	}
	page := httptest.NewRecorder()
	second.Handler().ServeHTTP(page, httptest.NewRequest(http.MethodGet, "/cabinet/", nil))
	if !strings.Contains(page.Body.String(), "Выдача разрешения на строительство") {
		t.Fatalf("cabinet after restart lacks the application:\n%s", page.Body.String())
	}
	front := httptest.NewRecorder()
	second.Handler().ServeHTTP(front, httptest.NewRequest(http.MethodGet, "/", nil))
	body := front.Body.String()
	for _, want := range []string{"<code>MINSTROY</code></td><td>REQUEST</td><td>0</td><td>1</td>", "FNSVipULRequest", "Министерство строительства (демо)"} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
}

func TestPortalServicesGoToConfiguredSystems(t *testing.T) {
	t.Parallel()
	db, keys := pgtest.NewDatabase(t), t.TempDir()
	testenv.NeedFonts(t, portal.DefaultFontPath)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, bad := range []map[string]string{{"no-such-service": "OKN"}, {"heritage-works": "NOBODY"}} {
		if st, err := smevstand.New(context.Background(), smevstand.Config{DatabaseURL: db, KeyDir: keys, PortalServices: bad, Log: quiet}); err == nil {
			st.Close()
			t.Errorf("portal services %v accepted", bad)
		}
	}
	st, err := smevstand.New(context.Background(), smevstand.Config{DatabaseURL: db, KeyDir: keys, PortalServices: map[string]string{"heritage-works": smevstand.MINSTROY}, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := httptest.NewRecorder()
	st.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/portal/applications", nil))
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"recipient":"MINSTROY"`) || !strings.Contains(rec.Body.String(), `"service":"heritage-works"`) {
		t.Fatalf("filing: %d %s", rec.Code, rec.Body.String())
	}
	got, err := st.Bus().GetRequest(context.Background(), smevstand.MINSTROY, message.MessageTypeSelector{})
	if err != nil || got.RequestMessage == nil {
		t.Fatalf("MINSTROY got %+v, %v", got, err)
	}
}
