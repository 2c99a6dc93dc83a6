// Package app is Okno's composition root: configuration in; the domain
// services, River's background work and the HTTP handler out. The server,
// the benchmarks and the web tests all build Okno here, so the wiring
// exists once and they cannot drift apart.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/blob"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/config"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/demo"
	"github.com/okno-oiv/okno/internal/drafts"
	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/internal/outbox"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/smevlink"
	"github.com/okno-oiv/okno/internal/web"
)

// Options is what Okno is built from. Only Config is required; the other
// fields are for the callers that are not the production server.
type Options struct {
	Config config.Config
	// Logger receives the application's logs; nothing is logged when nil.
	Logger *slog.Logger
	// Pool, when set, is an application-role pool on a database the caller
	// has already prepared (a test database, a traced pool); the caller
	// closes it. Otherwise Okno prepares Config.DatabaseURL and opens its own.
	Pool *pgxpool.Pool
	// Now is the clock of the cases service; time.Now when nil.
	Now func() time.Time
	// FetchPollInterval is how often idle River workers look for jobs;
	// DefaultFetchPollInterval when zero.
	FetchPollInterval time.Duration
	// InstrumentBlobs and InstrumentBuses, when set, wrap the blob store
	// and the bus connections before any service sees them (the benchmarks
	// time them).
	InstrumentBlobs func(blob.Store) blob.Store
	InstrumentBuses func(cases.Buses) cases.Buses
	// OutboxBackoff paces deliveries that cannot go; outbox.DefaultBackoff
	// when zero (tests shorten it).
	OutboxBackoff outbox.Backoff
}

// DefaultFetchPollInterval keeps a clerk's status change a fraction of a
// second from the bus without polling the database hard.
const DefaultFetchPollInterval = 200 * time.Millisecond

// App is one built Okno: its services and handler, and background work that
// Start runs and Stop ends.
type App struct {
	Config config.Config
	Logger *slog.Logger
	Pool   *pgxpool.Pool
	Blobs  blob.Store
	Buses  cases.Buses
	People *people.Service
	Cases  *cases.Service
	Intake *intake.Service
	Outbox *outbox.Service
	Audit  *audit.Log
	// Anchors sign the audit chains' heads; Metrics is what /metrics serves.
	Anchors *audit.Anchors
	Metrics *prometheus.Registry
	chain   *audit.ChainGauge
	// Jobs is the insert-only River client through which the services put
	// outbox jobs into their own transactions.
	Jobs *river.Client[pgx.Tx]

	handler  http.Handler
	workers  *river.Client[pgx.Tx] // nil when Config.Workers is false
	puller   *intake.Puller        // nil when Config.Workers is false
	pulling  pulling
	started  time.Time
	running  bool
	ownsPool bool
}

// New builds Okno: it prepares the database (unless given a pool), checks
// the file storage, seeds the demo agencies when configured and wires every
// service. Background work waits for Start.
func New(ctx context.Context, opts Options) (_ *App, err error) {
	cfg := opts.Config
	a := &App{Config: cfg, Logger: opts.Logger, Pool: opts.Pool, started: time.Now()}
	if a.Logger == nil {
		a.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	defer func() {
		if err != nil && a.ownsPool {
			a.Pool.Close()
		}
	}()
	if a.Pool == nil {
		if a.Pool, err = openDatabase(ctx, cfg); err != nil {
			return nil, err
		}
		a.ownsPool = true
	}

	store, err := blob.New(blob.Config{Backend: cfg.Storage.Kind, Dir: cfg.Storage.Dir, MaxBytes: cfg.Storage.MaxUploadSize,
		S3: blob.S3Config{Endpoint: cfg.Storage.S3Endpoint, Bucket: cfg.Storage.S3Bucket, AccessKey: cfg.Storage.S3AccessKey,
			SecretKey: cfg.Storage.S3SecretKey, UseTLS: cfg.Storage.S3UseTLS}})
	if err != nil {
		return nil, fmt.Errorf("file storage: %w", err)
	}
	if err := store.Check(ctx); err != nil {
		return nil, fmt.Errorf("file storage: %w", err)
	}
	a.Blobs = store
	if opts.InstrumentBlobs != nil {
		a.Blobs = opts.InstrumentBlobs(store)
	}
	a.Buses = smevlink.New(smevlink.Config{Endpoint: cfg.SMEV.Endpoint, FilesURL: cfg.SMEV.FilesURL,
		KeysDir: cfg.SMEV.KeysDir, JournalDir: cfg.SMEV.JournalDir})
	if opts.InstrumentBuses != nil {
		a.Buses = opts.InstrumentBuses(a.Buses)
	}

	policy := people.DefaultPolicy()
	policy.SessionIdle = cfg.SessionIdle
	secretsKey, err := cfg.LoadOrCreateSecretsKey(func(b []byte) error { _, err := rand.Read(b); return err })
	if err != nil {
		return nil, err
	}
	if a.People, err = people.NewService(a.Pool, policy, secretsKey); err != nil {
		return nil, err
	}
	if cfg.Demo {
		if err := demo.Seed(ctx, a.People, a.Pool); err != nil {
			return nil, err
		}
	}
	a.Audit = audit.NewLog(a.Pool)
	a.Anchors = AuditAnchors(cfg, a.Pool)
	a.Metrics = prometheus.NewRegistry()
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if a.chain, err = audit.NewChainGauge(a.Metrics); err != nil {
		return nil, err
	}

	// The services insert outbox jobs through an insert-only River client;
	// the worker client runs them (and pulls the bus) when this process
	// does background work.
	if a.Jobs, err = river.NewClient(riverpgxv5.New(a.Pool), &river.Config{Schema: database.RiverSchema, Logger: quiet(a.Logger)}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	a.Cases = cases.NewService(cases.Config{Pool: a.Pool, Jobs: a.Jobs, Blobs: a.Blobs, Buses: a.Buses, Now: opts.Now})
	trust, err := trustStore(cfg.Trust)
	if err != nil {
		return nil, err
	}
	outboxMetrics, err := outbox.NewMetrics(a.Metrics)
	if err != nil {
		return nil, err
	}
	a.Outbox = outbox.NewService(outbox.Config{Pool: a.Pool, Cases: a.Cases, ELKEnv: cfg.SMEV.ELKEnv, SenderINN: cfg.SMEV.SenderINN,
		Jobs: a.Jobs, Metrics: outboxMetrics, Backoff: opts.OutboxBackoff})
	deadLetters, err := intake.NewDeadLetterGauge(a.Metrics)
	if err != nil {
		return nil, err
	}
	a.Intake = intake.NewService(intake.Config{Pool: a.Pool, Jobs: a.Jobs, Cases: a.Cases,
		Trust: trust, MaxAttempts: cfg.SMEV.MaxAttempts, Answers: a.Outbox, DeadLetterGauge: deadLetters})
	if cfg.Workers {
		fetchPoll := opts.FetchPollInterval
		if fetchPoll == 0 {
			fetchPoll = DefaultFetchPollInterval
		}
		if a.workers, err = newWorkerClient(a.Pool, a, cfg, fetchPoll, a.Logger); err != nil {
			return nil, err
		}
		a.puller = newPuller(a, cfg, a.Logger)
	}

	if a.handler, err = newHandler(a, cfg); err != nil {
		return nil, err
	}
	return a, nil
}

func openDatabase(ctx context.Context, cfg config.Config) (*pgxpool.Pool, error) {
	if err := database.Prepare(ctx, cfg.DatabaseURL, cfg.AppDBPassword); err != nil {
		return nil, fmt.Errorf("prepare database: %w", err)
	}
	appURL, err := database.AppURL(cfg.DatabaseURL, cfg.AppDBPassword)
	if err != nil {
		return nil, err
	}
	pool, err := database.Open(ctx, appURL)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return pool, nil
}

func newHandler(a *App, cfg config.Config) (http.Handler, error) {
	sessionKey, err := cfg.LoadOrCreateSessionKey(func(b []byte) error { _, err := rand.Read(b); return err })
	if err != nil {
		return nil, err
	}
	site, err := web.New(web.Deps{
		People: a.People, Cases: a.Cases, Intake: a.Intake, Outbox: a.Outbox, Drafts: drafts.New(a.Pool), Blobs: a.Blobs, AuditLog: a.Audit, Pool: a.Pool, Logger: a.Logger, Metrics: a.Metrics,
		SessionKey: sessionKey, TrustProxy: cfg.TrustProxy, MaxFormBytes: cfg.MaxFormBytes,
		// A paper application carries several scans, each capped by the store.
		MaxUploadBytes: 8 * cfg.Storage.MaxUploadSize,
	})
	if err != nil {
		return nil, err
	}
	return site.Handler(), nil
}

// Handler is Okno's complete HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// Start runs the background work (the bus pull loop, River's outbox and
// audit jobs) when the configuration asks for it; a web-only replica
// starts nothing.
func (a *App) Start(ctx context.Context) error {
	if a.workers == nil || a.running {
		return nil
	}
	if err := a.workers.Start(ctx); err != nil {
		return fmt.Errorf("start background work: %w", err)
	}
	a.pulling = startPulling(ctx, a.puller)
	a.running = true
	return nil
}

// pulling is the running bus intake loop.
type pulling struct {
	stop  chan struct{}      // closed: finish the messages in hand, then end
	abort context.CancelFunc // cuts the messages in hand short
	done  chan struct{}
}

func startPulling(ctx context.Context, p *intake.Puller) pulling {
	// The loop outlives Start's context: Stop ends it.
	work, abort := context.WithCancel(context.WithoutCancel(ctx))
	r := pulling{stop: make(chan struct{}), abort: abort, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		p.Run(work, r.stop)
	}()
	return r
}

// end lets the messages in hand finish within ctx, then cuts them short
// (unacknowledged, the bus delivers them again).
func (r pulling) end(ctx context.Context) error {
	close(r.stop)
	defer r.abort()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		r.abort()
		<-r.done
		return fmt.Errorf("stop the bus pull: %w", ctx.Err())
	}
}

// Stop ends the background work, letting running jobs finish within ctx,
// and closes the database pool if Okno opened it.
func (a *App) Stop(ctx context.Context) error {
	var err error
	if a.running {
		err = a.pulling.end(ctx)
		if stopErr := a.workers.Stop(ctx); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stop background work: %w", stopErr))
		}
		a.running = false
	}
	if a.ownsPool {
		a.Pool.Close()
		a.ownsPool = false
	}
	return err
}

// Serve answers HTTP on Config.Addr until ctx ends, then lets requests in
// flight finish within Config.ShutdownGrace.
func (a *App) Serve(ctx context.Context) error {
	srv := &http.Server{
		Addr:              a.Config.Addr,
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ListenAndServe() }()
	a.Logger.Info("okno is ready", "addr", a.Config.Addr, "storage", a.Config.Storage.Kind, "demo", a.Config.Demo,
		"startup", time.Since(a.started).Round(time.Millisecond).String())

	select {
	case err := <-serveErr:
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down", "grace", a.Config.ShutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// AuditAnchors keeps the anchor key and the anchors' file in the data
// directory, beside the session key and away from the database; agencies on
// the bus sign with their own SMEV key.
func AuditAnchors(cfg config.Config, pool *pgxpool.Pool) *audit.Anchors {
	dir := filepath.Join(cfg.DataDir, "audit")
	return &audit.Anchors{Pool: pool, Keys: &audit.FileKeys{SMEVDir: cfg.SMEV.KeysDir, Dir: dir}, File: filepath.Join(dir, "anchors.jsonl")}
}

// trustStore is what applicants' certificates are checked against; nil
// without configured roots (signatures are then checked, certificates not).
func trustStore(cfg config.Trust) (*esign.TrustStore, error) {
	if cfg.RootsFile == "" {
		return nil, nil
	}
	roots, err := esign.ReadPoolFile(cfg.RootsFile)
	if err != nil {
		return nil, fmt.Errorf("OKNO_TRUST_ROOTS: %w", err)
	}
	return esign.NewTrustStore(esign.TrustConfig{Roots: roots, CRLs: cfg.CRLs})
}
