package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/app"
	"github.com/okno-oiv/okno/internal/config"
	"github.com/okno-oiv/okno/internal/database/dbtest"
	"github.com/okno-oiv/okno/internal/demo"
)

// site is Okno's real handler over a fresh, migrated database with the demo
// agencies, served on a loopback port.
type site struct {
	t       *testing.T
	db      dbtest.DB
	url     string
	handler http.Handler  // Okno's real handler, for tests that read its routes
	owner   *pgxpool.Pool // the database owner's few connections, outside the application's rules
	log     *syncBuffer
	blobs   string   // the local blob store's directory
	okno    *app.App // what the handler serves, for tests that deliver from the bus
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newSite(t *testing.T) *site {
	t.Helper()
	db := dbtest.New(t)
	blobDir := t.TempDir()
	env := map[string]string{
		"DATABASE_URL": db.OwnerURL, "OKNO_DATA_DIR": t.TempDir(), "OKNO_STORAGE_DIR": blobDir, "OKNO_DEMO": "true",
		"OKNO_WORKERS": "false", "OKNO_SESSION_KEY": strings.Repeat("07", 32), "OKNO_SECRETS_KEY": strings.Repeat("09", 32),
		"OKNO_MAX_FORM_BYTES": "64KiB", "OKNO_MAX_UPLOAD_BYTES": "1MiB",
	}
	cfg, err := config.Load(func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	okno, err := app.New(context.Background(), app.Options{Config: cfg, Pool: db.App, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(okno.Handler())
	t.Cleanup(ts.Close)
	// Two connections at most: tests run in parallel on a shared server.
	ownerCfg, err := pgxpool.ParseConfig(db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	ownerCfg.MaxConns = 2
	owner, err := pgxpool.NewWithConfig(context.Background(), ownerCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(owner.Close)
	return &site{t: t, db: db, url: ts.URL, handler: ts.Config.Handler, owner: owner, log: logs, blobs: blobDir, okno: okno}
}

// browser is a cookie-keeping client that, like a browser, sends
// Sec-Fetch-Site with every request and does not follow redirects.
type browser struct {
	s      *site
	client *http.Client
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(method, path string, form url.Values, headers map[string]string) response {
	b.s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.s.url+path, body)
	if err != nil {
		b.s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) response { return b.do(http.MethodGet, path, nil, nil) }

func (b *browser) post(path string, form url.Values) response {
	return b.do(http.MethodPost, path, form, nil)
}

func (b *browser) login(login string) *browser {
	b.s.t.Helper()
	r := b.post("/login", url.Values{"login": {login}, "password": {demo.Password}})
	if r.status != http.StatusSeeOther || r.location != "/" {
		b.s.t.Fatalf("login %s: status %d location %q body %s", login, r.status, r.location, r.body)
	}
	return b
}

// ownerQuery runs SQL as the database owner, outside the application's rules.
func (s *site) ownerQuery(sql string, args ...any) pgx.Row {
	s.t.Helper()
	return s.owner.QueryRow(context.Background(), sql, args...)
}

func (s *site) ownerExec(sql string, args ...any) {
	s.t.Helper()
	if _, err := s.owner.Exec(context.Background(), sql, args...); err != nil {
		s.t.Fatal(err)
	}
}

func (s *site) userID(login string) uuid.UUID {
	s.t.Helper()
	var id uuid.UUID
	if err := s.ownerQuery(`SELECT id FROM users WHERE login = $1`, login).Scan(&id); err != nil {
		s.t.Fatalf("user %s: %v", login, err)
	}
	return id
}

func (s *site) count(sql string, args ...any) int {
	s.t.Helper()
	var n int
	if err := s.ownerQuery(sql, args...).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

func mustContain(t *testing.T, r response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.body, p) {
			t.Fatalf("status %d: body lacks %q:\n%s", r.status, p, r.body)
		}
	}
}
