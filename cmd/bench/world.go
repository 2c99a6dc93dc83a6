package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/okno-oiv/okno/internal/blob"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/demo"
	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/internal/outbox"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevlink"
	"github.com/okno-oiv/okno/internal/smevstand"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
)

// busWorld is one installation on this machine for the intake and status
// benchmarks: a scratch database holding both Okno's schema and the SMEV 3
// stand's, the stand serving SOAP over loopback HTTP with real GOST
// signatures, and Okno's cases service wired to it exactly as cmd/server
// wires it (smevlink clients reading the stand's key directory, a local
// blob store, an insert-only River client for the outbox).
type busWorld struct {
	server, name, ownerURL string
	tempDir                string

	owner    *pgxpool.Pool // the database owner, for setup and inspection
	pool     *pgxpool.Pool // the application role, as the server connects
	stand    *smevstand.Stand
	standURL string
	http     *http.Server
	inserter *river.Client[pgx.Tx]
	blobs    blob.Store
	links    *smevlink.Links
	svc      *cases.Service
	intake   *intake.Service
	outbox   *outbox.Service
	clock    *phaseClock // what Okno's side of intake spends its time on
	quiet    *slog.Logger

	stopParticipants context.CancelFunc
	participants     sync.WaitGroup
}

// busWorldOptions tune the stand's participants.
type busWorldOptions struct {
	label string // the benchmark's name, for errors
	// portalPoll is the pause of the portal's loop after its queues ran
	// empty (it answers status messages).
	portalPoll time.Duration
	// participants runs the portal and the provider agencies; intake
	// needs only the bus.
	participants bool
}

// openBusWorld creates the scratch database and starts everything. The
// caller must close the world, which drops the database.
func openBusWorld(ctx context.Context, opts busWorldOptions) (_ *busWorld, err error) {
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return nil, fmt.Errorf("%s: %w", opts.label, err)
	}
	w := &busWorld{server: scratchServer(), name: "okno_bench_" + hex.EncodeToString(suffix),
		quiet: slog.New(slog.NewTextHandler(io.Discard, nil))}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	fail := func(what string, err error) error { return fmt.Errorf("%s: %s: %w", opts.label, what, err) }
	if w.ownerURL, err = databaseURL(w.server, w.name); err != nil {
		return w, fail("scratch database URL", err)
	}
	if w.tempDir, err = os.MkdirTemp("", "okno-bench-"); err != nil {
		return w, fail("temporary directory", err)
	}
	if err := database.Prepare(ctx, w.ownerURL, ""); err != nil {
		return w, fail("prepare scratch database", err)
	}
	if w.owner, err = pgxpool.New(ctx, w.ownerURL); err != nil {
		return w, fail("connect as owner", err)
	}
	w.clock = newPhaseClock()
	if w.pool, err = appPool(ctx, w.ownerURL, w.clock); err != nil {
		return w, fail("connect as application", err)
	}
	if err := demo.Seed(ctx, people.NewService(w.pool, people.DefaultPolicy()), w.pool); err != nil {
		return w, fail("seed the demo agencies", err)
	}

	keys := w.tempDir + "/keys"
	w.stand, err = smevstand.New(ctx, smevstand.Config{
		DatabaseURL: w.ownerURL, KeyDir: keys, PollInterval: opts.portalPoll, Log: w.quiet,
		// Long enough that no message is delivered twice while the queue
		// of thousands is drained.
		Redelivery: 10 * time.Minute,
	})
	if err != nil {
		return w, fail("start the SMEV stand", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return w, fail("listen for the stand", err)
	}
	w.standURL = "http://" + l.Addr().String()
	w.http = &http.Server{Handler: w.stand.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = w.http.Serve(l) }()
	if opts.participants {
		pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		w.stopParticipants = cancel
		w.participants.Go(func() { w.stand.RunParticipants(pctx) })
	}

	if w.blobs, err = blob.New(blob.Config{Backend: blob.BackendLocal, Dir: w.tempDir + "/blobs", MaxBytes: 100 << 20}); err != nil {
		return w, fail("blob store", err)
	}
	if w.inserter, err = river.NewClient(riverpgxv5.New(w.pool), &river.Config{Schema: database.RiverSchema, Logger: w.quiet}); err != nil {
		return w, fail("job inserter", err)
	}
	w.links = smevlink.New(smevlink.Config{Endpoint: w.standURL + "/smev", FilesURL: w.standURL + "/files/", KeysDir: keys})
	w.svc = cases.NewService(cases.Config{Pool: w.pool, Jobs: w.inserter, Blobs: timedBlobs{Store: w.blobs, clock: w.clock},
		Buses: timedBuses{links: w.links, clock: w.clock}})
	w.intake = intake.NewService(intake.Config{Pool: w.pool, Jobs: w.inserter, Cases: w.svc})
	w.outbox = outbox.NewService(outbox.Config{Pool: w.pool, Cases: w.svc, ELKEnv: "SVCDEV", SenderINN: "7700000000"})
	return w, nil
}

// close stops everything and drops the scratch database.
func (w *busWorld) close() {
	if w.stopParticipants != nil {
		w.stopParticipants()
		w.participants.Wait()
	}
	if w.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = w.http.Shutdown(ctx)
		cancel()
	}
	if w.stand != nil {
		w.stand.Close()
	}
	if w.pool != nil {
		w.pool.Close()
	}
	if w.owner != nil {
		w.owner.Close()
	}
	if w.ownerURL != "" {
		if err := dropScratch(w.server, w.name); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
	}
	if w.tempDir != "" {
		_ = os.RemoveAll(w.tempDir)
	}
}

// fileApplications makes the stand's portal file n applications through
// POST /portal/applications, as the e2e tests and the control example do,
// from several clients at once. Each is a real portal application: a form,
// PDF scans signed by the applicant (CMS) and the portal's XMLDSig.
func (w *busWorld) fileApplications(ctx context.Context, n, clients int) error {
	todo := make(chan struct{}, n)
	for range n {
		todo <- struct{}{}
	}
	close(todo)
	errs := make(chan error, clients)
	client := &http.Client{Timeout: time.Minute}
	for range clients {
		go func() {
			errs <- func() error {
				for range todo {
					if err := w.fileOne(ctx, client); err != nil {
						return err
					}
				}
				return nil
			}()
		}()
	}
	var all []error
	for range clients {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

func (w *busWorld) fileOne(ctx context.Context, client *http.Client) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.standURL+"/portal/applications", nil)
	if err != nil {
		return fmt.Errorf("file an application: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("file an application: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return fmt.Errorf("file an application: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("file an application: stand answered %s: %s", resp.Status, body)
	}
	var f portal.Filed
	if err := json.Unmarshal(body, &f); err != nil || f.MessageID == "" {
		return fmt.Errorf("file an application: unexpected answer %q: %v", body, err)
	}
	return nil
}

// busAgency is an agency connected to the stand, by its SMEV mnemonic.
type busAgency struct {
	id       uuid.UUID
	mnemonic string
}

// busAgencies lists the seeded agencies that have a bus connection.
func (w *busWorld) busAgencies(ctx context.Context) ([]busAgency, error) {
	rows, err := w.owner.Query(ctx, `SELECT id, smev_mnemonic FROM agencies WHERE smev_mnemonic IS NOT NULL ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list agencies: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (busAgency, error) {
		var a busAgency
		err := r.Scan(&a.id, &a.mnemonic)
		return a, err
	})
}

// unacked counts the stand's messages to Okno's agencies not acknowledged.
func (w *busWorld) unacked(ctx context.Context) (int, error) {
	var n int
	err := w.owner.QueryRow(ctx, `SELECT count(*) FROM smevstand.message
		WHERE acked_at IS NULL AND recipient IN (SELECT smev_mnemonic FROM agencies WHERE smev_mnemonic IS NOT NULL)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count unacknowledged messages: %w", err)
	}
	return n, nil
}

// phaseClock adds up the wall time spent in each phase of intake, from
// any number of goroutines: the bus calls, the blob store, the signature
// checks and every SQL statement of the application's pool.
type phaseClock struct {
	mu    sync.Mutex
	spent map[string]time.Duration
}

func newPhaseClock() *phaseClock { return &phaseClock{spent: map[string]time.Duration{}} }

func (c *phaseClock) add(phase string, since time.Time) {
	d := time.Since(since)
	c.mu.Lock()
	c.spent[phase] += d
	c.mu.Unlock()
}

// take returns the times so far and starts again from zero.
func (c *phaseClock) take() map[string]time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	spent := c.spent
	c.spent = map[string]time.Duration{}
	return spent
}

// Phases of intake as the clock names them.
const (
	phaseGetRequest = "GetRequest (sign, HTTP, the stand, check the reply)"
	phaseAck        = "Ack (sign, HTTP, the stand, check the reply)"
	phaseBlobPut    = "blob Put (stream, hash twice, write file)"
	phaseSignatures = "applicants' CMS signatures (read back, verify)"
	phaseSQL        = "SQL statements incl. commits (Okno's pool)"
)

// TraceQueryStart and TraceQueryEnd time the application pool's statements.
func (c *phaseClock) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, queryStartKey{}, time.Now())
}

func (c *phaseClock) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if start, ok := ctx.Value(queryStartKey{}).(time.Time); ok {
		c.add(phaseSQL, start)
	}
}

type queryStartKey struct{}

// timedBuses hands out the agencies' bus clients with their calls timed.
type timedBuses struct {
	links *smevlink.Links
	clock *phaseClock
}

func (b timedBuses) For(mnemonic string) (cases.Bus, error) {
	bus, err := b.links.For(mnemonic)
	if err != nil {
		return nil, err
	}
	return timedBus{Bus: bus, clock: b.clock}, nil
}

type timedBus struct {
	cases.Bus
	clock *phaseClock
}

func (b timedBus) GetRequest(ctx context.Context, sel smevclient.Selector) (*smevclient.Delivery, error) {
	defer b.clock.add(phaseGetRequest, time.Now())
	return b.Bus.GetRequest(ctx, sel)
}

func (b timedBus) Ack(ctx context.Context, messageID string, accepted bool) error {
	defer b.clock.add(phaseAck, time.Now())
	return b.Bus.Ack(ctx, messageID, accepted)
}

// timedBlobs times writes, and reads from open to close: in intake a read
// is the check of an applicant's signature over the stored file.
type timedBlobs struct {
	blob.Store
	clock *phaseClock
}

func (s timedBlobs) Put(ctx context.Context, key string, r io.Reader, opts ...blob.PutOption) (blob.Info, error) {
	defer s.clock.add(phaseBlobPut, time.Now())
	return s.Store.Put(ctx, key, r, opts...)
}

func (s timedBlobs) Open(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	start := time.Now()
	rc, info, err := s.Store.Open(ctx, key)
	if err != nil {
		s.clock.add(phaseSignatures, start)
		return nil, info, err
	}
	return &timedReader{ReadCloser: rc, clock: s.clock, start: start}, info, nil
}

type timedReader struct {
	io.ReadCloser
	clock *phaseClock
	start time.Time
}

func (r *timedReader) Close() error {
	defer r.clock.add(phaseSignatures, r.start)
	return r.ReadCloser.Close()
}

// scratchServer is the PostgreSQL server the tests use.
func scratchServer() string {
	for _, name := range []string{"OKNO_TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// databaseURL is the server's URL naming another database.
func databaseURL(server, name string) (string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", server, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func dropScratch(server, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	return nil
}

// appPool connects as the application role, as the server does, with the
// tracer timing every statement.
func appPool(ctx context.Context, ownerURL string, tracer pgx.QueryTracer) (*pgxpool.Pool, error) {
	appURL, err := database.AppURL(ownerURL, "")
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(appURL)
	if err != nil {
		return nil, fmt.Errorf("parse application URL: %w", err)
	}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect as %s: %w", database.AppRole, err)
	}
	return pool, nil
}

// quantile is the nearest-rank percentile p (0..100] of v.
func quantile(v []float64, p int) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}
