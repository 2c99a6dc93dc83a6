// Command server is Okno: the web application for agencies, with its own
// migrations, and the administrators' tools as subcommands.
//
//	server            start the web application (same as `server serve`)
//	server esign ...  keys, certificates and signatures by hand (see `server esign -h`)
//	server audit ...  verify the audit chains against their signed anchors, or anchor now
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/okno-oiv/okno/internal/app"
	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/config"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/esign/esigncli"
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
	return audit.Command(ctx, app.AuditAnchors(cfg, pool), args, stdout, stderr)
}

// serve builds Okno from the environment and runs it until ctx ends.
func serve(ctx context.Context, stderr io.Writer) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	logger := app.NewLogger(cfg, stderr)
	okno, err := app.New(ctx, app.Options{Config: cfg, Logger: logger})
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
		defer cancel()
		if err := okno.Stop(stopCtx); err != nil {
			logger.Error("stop", "error", err)
		}
	}()
	if err := okno.Start(ctx); err != nil {
		return err
	}
	return okno.Serve(ctx)
}
