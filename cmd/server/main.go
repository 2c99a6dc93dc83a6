// Command server is Okno: the web application for agencies, with its own
// migrations, and the administrators' tools as subcommands.
//
//	server            start the web application (same as `server serve`)
//	server esign ...  keys, certificates and signatures by hand (see `server esign -h`)
//	server audit ...  verify the audit chains against their signed anchors, or anchor now
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/blob"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/config"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/demo"
	"github.com/okno-oiv/okno/internal/esign/esigncli"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/smevlink"
	"github.com/okno-oiv/okno/internal/web"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "esign":
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return esigncli.Run(ctx, args[1:], os.Stdin, stdout, stderr)
		case "audit":
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return auditCommand(ctx, args[1:], stdout, stderr)
		case "migrate":
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if err := migrate(ctx); err != nil {
				fmt.Fprintln(stderr, "okno:", err)
				return 1
			}
			return 0
		case "serve":
		case "-h", "-help", "--help", "help":
			fmt.Fprintln(stdout, "usage: server [serve]     start Okno (configuration from the environment; see README.md)")
			fmt.Fprintln(stdout, "       server migrate    create or upgrade the database and exit")
			fmt.Fprintln(stdout, "       server esign ...  keys, certificates and signatures by hand (server esign -h)")
			fmt.Fprintln(stdout, "       server audit verify|anchor [-agency CODE]  check or anchor the audit chains")
			return 0
		default:
			fmt.Fprintf(stderr, "server: unknown command %q (try -h)\n", args[0])
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, stderr); err != nil {
		fmt.Fprintln(stderr, "okno:", err)
		return 1
	}
	return 0
}

// migrate prepares the database (it is also done at every start).
func migrate(ctx context.Context) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	return database.Prepare(ctx, cfg.DatabaseURL, cfg.AppDBPassword)
}

// auditCommand runs `server audit` against the configured database, keys
// and anchor file (see audit.Command for its exit codes).
func auditCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintln(stderr, "okno:", err)
		return 2
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fail(err)
	}
	appURL, err := database.AppURL(cfg.DatabaseURL, cfg.AppDBPassword)
	if err != nil {
		return fail(err)
	}
	pool, err := database.Open(ctx, appURL)
	if err != nil {
		return fail(fmt.Errorf("open database: %w", err))
	}
	defer pool.Close()
	return audit.Command(ctx, auditAnchors(cfg, pool), args, stdout, stderr)
}

// auditAnchors keeps the anchor key and the anchors' file in the data
// directory, beside the session key and away from the database.
func auditAnchors(cfg config.Config, pool *pgxpool.Pool) *audit.Anchors {
	dir := filepath.Join(cfg.DataDir, "audit")
	return &audit.Anchors{Pool: pool, Keys: &audit.FileKeys{SMEVDir: cfg.SMEV.KeysDir, Dir: dir}, File: filepath.Join(dir, "anchors.jsonl")}
}

func serve(ctx context.Context, stderr io.Writer) error {
	started := time.Now()
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)

	if err := database.Prepare(ctx, cfg.DatabaseURL, cfg.AppDBPassword); err != nil {
		return fmt.Errorf("prepare database: %w", err)
	}
	appURL, err := database.AppURL(cfg.DatabaseURL, cfg.AppDBPassword)
	if err != nil {
		return err
	}
	pool, err := database.Open(ctx, appURL)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer pool.Close()

	store, err := blob.New(blob.Config{Backend: cfg.Storage.Kind, Dir: cfg.Storage.Dir, MaxBytes: cfg.Storage.MaxUploadSize,
		S3: blob.S3Config{Endpoint: cfg.Storage.S3Endpoint, Bucket: cfg.Storage.S3Bucket, AccessKey: cfg.Storage.S3AccessKey,
			SecretKey: cfg.Storage.S3SecretKey, UseTLS: cfg.Storage.S3UseTLS}})
	if err != nil {
		return fmt.Errorf("file storage: %w", err)
	}
	if err := store.Check(ctx); err != nil {
		return fmt.Errorf("file storage: %w", err)
	}

	policy := people.DefaultPolicy()
	policy.SessionIdle = cfg.SessionIdle
	peopleSvc := people.NewService(pool, policy)
	if cfg.Demo {
		if err := demo.Seed(ctx, peopleSvc, pool); err != nil {
			return err
		}
	}

	// The service inserts outbox jobs through an insert-only River client;
	// the worker client below runs them (and pulls the bus) when this
	// process does background work.
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Schema: database.RiverSchema, Logger: quiet(logger)})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	casesSvc := cases.NewService(cases.Config{
		Pool: pool, Jobs: inserter, Blobs: store,
		Buses:  smevlink.New(smevlink.Config{Endpoint: cfg.SMEV.Endpoint, FilesURL: cfg.SMEV.FilesURL, KeysDir: cfg.SMEV.KeysDir, JournalDir: cfg.SMEV.JournalDir}),
		ELKEnv: cfg.SMEV.ELKEnv, SenderINN: cfg.SMEV.SenderINN,
	})
	if cfg.Workers {
		jobs, err := startWorkers(ctx, pool, casesSvc, cfg, logger)
		if err != nil {
			return err
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
			defer cancel()
			if err := jobs.Stop(stopCtx); err != nil {
				logger.Error("stop background work", "error", err)
			}
		}()
	}

	sessionKey, err := cfg.LoadOrCreateSessionKey(func(b []byte) error { _, err := rand.Read(b); return err })
	if err != nil {
		return err
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	site, err := web.New(web.Deps{
		People: peopleSvc, Cases: casesSvc, Blobs: store, AuditLog: audit.NewLog(pool), Pool: pool, Logger: logger, Metrics: registry,
		SessionKey: sessionKey, TrustProxy: cfg.TrustProxy, MaxFormBytes: cfg.MaxFormBytes,
		// A paper application carries several scans, each capped by the store.
		MaxUploadBytes: 8 * cfg.Storage.MaxUploadSize,
	})
	if err != nil {
		return err
	}

	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           site.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ListenAndServe() }()
	logger.Info("okno is ready", "addr", cfg.Addr, "storage", cfg.Storage.Kind, "demo", cfg.Demo,
		"startup", time.Since(started).Round(time.Millisecond).String())

	select {
	case err := <-serveErr:
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", cfg.ShutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// startWorkers runs the background work: the periodic bus pull (one node at
// a time: River's leader schedules it and the job is unique) and the outbox.
func startWorkers(ctx context.Context, pool *pgxpool.Pool, svc *cases.Service, cfg config.Config, logger *slog.Logger) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &cases.StatusDeliveryWorker{Service: svc})
	river.AddWorker(workers, &cases.RejectionWorker{Service: svc})
	river.AddWorker(workers, &cases.PullWorker{Service: svc, Logger: logger, Budget: config.JobTimeout - 5*time.Second, Takers: cases.DefaultTakers})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema:  database.RiverSchema,
		Logger:  quiet(logger),
		Workers: workers,
		Queues: map[string]river.QueueConfig{
			cases.QueueIntake: {MaxWorkers: 1},
			cases.QueueOutbox: {MaxWorkers: 8},
		},
		FetchPollInterval: 200 * time.Millisecond,
		// Jobs are idempotent (intake by message id, deliveries by a fixed
		// message id), so a job of a dead node may be rescued early.
		JobTimeout:           config.JobTimeout,
		RescueStuckJobsAfter: cfg.JobRescueAfter,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cfg.SMEV.PullInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				// At most one pull per second (River's finest unique period)
				// even when the interval is shorter.
				return cases.PullArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: max(cfg.SMEV.PullInterval, time.Second)}}
			}, &river.PeriodicJobOpts{RunOnStart: true})},
	})
	if err != nil {
		return nil, fmt.Errorf("background work: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("start background work: %w", err)
	}
	return client, nil
}

// quiet keeps River's own chatter to warnings.
func quiet(logger *slog.Logger) *slog.Logger {
	return slog.New(levelAtLeast{logger.Handler(), slog.LevelWarn})
}

type levelAtLeast struct {
	slog.Handler
	min slog.Level
}

func (h levelAtLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// newLogger writes JSON for log collectors and readable text on a terminal.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && isTerminal(f) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
