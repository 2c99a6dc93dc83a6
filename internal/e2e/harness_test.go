package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/database/dbtest"
)

// binaries are built once for the whole package.
var binaries struct {
	once             sync.Once
	dir, okno, stand string
	err              error
}

func buildBinaries(t *testing.T) {
	t.Helper()
	binaries.once.Do(func() {
		dir, err := os.MkdirTemp("", "okno-e2e-bin-")
		if err != nil {
			binaries.err = err
			return
		}
		binaries.dir = dir
		binaries.okno, binaries.stand = filepath.Join(dir, "okno"), filepath.Join(dir, "smevstand")
		for out, pkg := range map[string]string{binaries.okno: "./cmd/server", binaries.stand: "./cmd/smevstand"} {
			cmd := exec.Command("go", "build", "-o", out, pkg)
			cmd.Dir = moduleRoot()
			if msg, err := cmd.CombinedOutput(); err != nil {
				binaries.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
				return
			}
		}
	})
	if binaries.err != nil {
		t.Fatal(binaries.err)
	}
}

func moduleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		panic(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// proc is a running binary whose output goes to a log kept for failures.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   *sync.Mutex
	done chan struct{}
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func start(t *testing.T, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, log: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout = lockedWriter{p.mu, p.log}
	p.cmd.Stderr = lockedWriter{p.mu, p.log}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("--- %s output ---\n%s", name, p.output())
		}
	})
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// kill ends the process at once, as a power cut would.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.kill()
	}
}

// world is one installation: a database, a stand, and Okno between them.
type world struct {
	t        *testing.T
	dbURL    string
	keys     string
	data     string
	stand    *proc
	standURL string
	okno     *proc
	oknoURL  string
	bus      *gate // between Okno and the stand, to hold calls at will
	db       *pgx.Conn
}

// newWorld starts the installation's database and stand; standEnv is added
// to the stand's environment. Each world has its own database, ports and
// directories, so tests run in parallel.
func newWorld(t *testing.T, standEnv ...string) *world {
	t.Helper()
	buildBinaries(t)
	w := &world{t: t, dbURL: dbtest.NewURL(t), keys: t.TempDir(), data: t.TempDir()}
	// The copy of the template is already migrated; the server's migrate
	// command must still find nothing to do and leave it ready for the stand.
	migrate := exec.Command(binaries.okno, "migrate")
	migrate.Env = append(os.Environ(), "DATABASE_URL="+w.dbURL)
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("okno migrate: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	w.standURL = "http://" + addr
	w.stand = start(t, "smevstand", binaries.stand, standEnv, "-listen", addr, "-database-url", w.dbURL, "-keys", w.keys,
		"-portal-rate", "0", "-redelivery", "2s", "-extra-docs-delay", "1s")
	waitHTTP(t, w.standURL+"/cabinet/", 30*time.Second)
	w.bus = newGate(t, w.standURL)
	return w
}

// startOkno starts (or restarts) the server against the same database.
func (w *world) startOkno() {
	w.t.Helper()
	w.okno, w.oknoURL = w.spawnOkno("okno")
}

// spawnOkno starts one more server process of the installation (same
// database, data directory and bus) and returns it with its address.
func (w *world) spawnOkno(name string) (*proc, string) {
	w.t.Helper()
	addr := freeAddr(w.t)
	p := start(w.t, name, binaries.okno, []string{
		"DATABASE_URL=" + w.dbURL, "OKNO_ADDR=" + addr, "OKNO_DATA_DIR=" + w.data, "OKNO_DEMO=true",
		"OKNO_SMEV_URL=" + w.bus.url + "/smev", "OKNO_SMEV_FILES_URL=" + w.standURL + "/files/",
		"OKNO_SMEV_KEYS_DIR=" + w.keys, "OKNO_SMEV_PULL_INTERVAL=300ms", "OKNO_LOG_FORMAT=json",
		// A killed server's running jobs come back soon, as they do in production after a minute.
		"OKNO_JOB_RESCUE_AFTER=20s",
	})
	waitHTTP(w.t, "http://"+addr+"/readyz", 60*time.Second)
	return p, "http://" + addr
}

func waitHTTP(t *testing.T, url string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within %s", url, limit)
}

// eventually polls cond until it holds or the limit passes.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", limit, what)
}

type filed struct {
	OrderNumber int64  `json:"orderNumber"`
	MessageID   string `json:"messageId"`
	Recipient   string `json:"recipient"`
}

// fileApplication makes the stand's portal send one application now.
func (w *world) fileApplication(service string) filed {
	w.t.Helper()
	resp, err := http.Post(w.standURL+"/portal/applications?service="+url.QueryEscape(service), "", nil)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var f filed
	if resp.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(resp.Body)
		w.t.Fatalf("file application: %d %s", resp.StatusCode, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
		w.t.Fatal(err)
	}
	return f
}

// cabinet is the text of the applicant's cabinet page.
func (w *world) cabinet() string {
	w.t.Helper()
	resp, err := http.Get(w.standURL + "/cabinet/")
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// query reads the database as its owner, over the world's one connection.
func (w *world) query(sql string, args ...any) pgx.Row {
	w.t.Helper()
	ctx := context.Background()
	if w.db == nil {
		conn, err := pgx.Connect(ctx, w.dbURL)
		if err != nil {
			w.t.Fatal(err)
		}
		w.db = conn
		w.t.Cleanup(func() { conn.Close(ctx) })
	}
	return w.db.QueryRow(ctx, sql, args...)
}

func (w *world) count(sql string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.query(sql, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// gate is a reverse proxy in front of the bus that can hold calls of one
// SOAP operation: the request is held before it reaches the stand
// (holdRequests) or after the stand answered (holdReplies), until released.
type gate struct {
	url   string
	mu    sync.Mutex
	rules map[string]string // SOAPAction → "request" or "reply"
	held  chan string
	open  chan struct{}
}

func newGate(t *testing.T, target string) *gate {
	t.Helper()
	u, _ := url.Parse(target)
	g := &gate{rules: map[string]string{}, held: make(chan string, 100), open: make(chan struct{})}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		action := strings.Trim(r.Header.Get("SOAPAction"), `"`)
		g.mu.Lock()
		rule, open := g.rules[action], g.open
		g.mu.Unlock()
		switch rule {
		case "request":
			g.held <- action
			<-open
			http.Error(rw, "held by the test", http.StatusBadGateway)
			return
		case "reply":
			rec := &discard{header: http.Header{}}
			proxy.ServeHTTP(rec, r)
			g.held <- action
			<-open
			http.Error(rw, "reply lost by the test", http.StatusBadGateway)
			return
		}
		proxy.ServeHTTP(rw, r)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { g.release(); srv.Close() })
	g.url = "http://" + l.Addr().String()
	return g
}

// hold makes calls of the operation wait; mode is "request" or "reply".
func (g *gate) hold(action, mode string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rules[action] = mode
}

// release lets held calls fail (their callers are usually dead by then) and
// stops holding new ones.
func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rules = map[string]string{}
	select {
	case <-g.open:
	default:
		close(g.open)
	}
	g.open = make(chan struct{})
}

type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
