// Command smevstand runs the SMEV 3 stand: the message exchange with the
// portal (ЕПГУ) and provider agencies behind it, for Okno to talk to when
// no real SMEV is reachable. With -control-example it drives one
// application through every operation instead and exits 0 only when every
// step passes.
//
// Every flag has an environment fallback (SMEVSTAND_<FLAG>, dashes as
// underscores); the database also falls back to DATABASE_URL.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/okno-oiv/okno/internal/smevstand"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/control"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "smevstand:", err)
	}
	os.Exit(code)
}

// options are the parsed flags.
type options struct {
	listen, keys, matrixFile, endpoint string
	control                            bool
	wait                               time.Duration
	systems                            []string
	cfg                                smevstand.Config
}

func run(ctx context.Context, args []string, out io.Writer) (int, error) {
	opts, err := parse(args)
	if err != nil {
		return 2, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts.cfg.Log = log
	if opts.control {
		if opts.endpoint != "" {
			return controlExample(ctx, opts.endpoint, opts.keys, opts.wait, out)
		}
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
		opts.cfg.Log = log
		opts.cfg.ProviderMinDelay, opts.cfg.ProviderMaxDelay = 0, 500*time.Millisecond
		opts.cfg.PollInterval = 100 * time.Millisecond
		opts.cfg.PortalRate = 0
		return inProcessControl(ctx, opts, out)
	}
	st, err := smevstand.New(ctx, opts.cfg)
	if err != nil {
		return 1, err
	}
	defer st.Close()
	fmt.Fprintf(out, "SMEV 3 stand on http://%s (SOAP: /smev, cabinet: /cabinet/); agency keys in %s\n", opts.listen, opts.cfg.KeyDir)
	if err := st.Serve(ctx, opts.listen); err != nil {
		return 1, err
	}
	return 0, nil
}

func inProcessControl(ctx context.Context, opts options, out io.Writer) (int, error) {
	st, err := smevstand.New(ctx, opts.cfg)
	if err != nil {
		return 1, err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 1, fmt.Errorf("listen for the in-process stand: %w", err)
	}
	srv := &http.Server{Handler: st.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go st.RunParticipants(ctx)
	return controlExample(ctx, "http://"+ln.Addr().String(), opts.cfg.KeyDir, opts.wait, out)
}

func controlExample(ctx context.Context, base, keys string, wait time.Duration, out io.Writer) (int, error) {
	res, err := control.Run(ctx, control.Config{BaseURL: base, KeyDir: keys, Wait: wait, Out: out})
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", res.Passed, res.Failed)
	if !res.OK() {
		return 1, nil
	}
	return 0, nil
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("smevstand", flag.ContinueOnError)
	env := func(name, def string) string {
		if v := os.Getenv("SMEVSTAND_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); v != "" {
			return v
		}
		return def
	}
	str := func(p *string, name, def, usage string) { fs.StringVar(p, name, env(name, def), usage) }
	var rate, services, redelivery, perMiB, extraDelay, minDelay, maxDelay, noData, latency, httpErr, drop, failure, dup, forge, seed, wait, maxEnv string
	dbDefault := os.Getenv("DATABASE_URL")
	if dbDefault == "" {
		dbDefault = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	str(&o.listen, "listen", "127.0.0.1:8075", "address to listen on")
	str(&o.cfg.DatabaseURL, "database-url", dbDefault, "PostgreSQL URL; the stand keeps its state in schema smevstand")
	str(&o.keys, "keys", ".data/stand", "directory of the stand's and demo systems' keys and certificates")
	str(&o.matrixFile, "access-matrix", "", "access matrix file (lines: namespace root-element provider consumers); default: the demo matrix")
	str(&o.cfg.FontPath, "font", "", "TrueType font with Cyrillic for the PDF scans (default DejaVu Sans)")
	str(&rate, "portal-rate", "0.05/s", "applications the portal files, e.g. 0.2/s or 6/m; 0 for none")
	str(&services, "portal-services", "building-permit=MINSTROY,heritage-works=OKN", "the portal's services and the systems they go to, code=MNEMONIC,...")
	str(&redelivery, "redelivery", "30s", "time after which an unacknowledged message is delivered again")
	str(&perMiB, "redelivery-per-mib", "5s", "extra redelivery time per MiB of a message's attachments")
	str(&extraDelay, "extra-docs-delay", "20s", "how long the applicant takes to send requested documents")
	str(&minDelay, "provider-min-delay", "2s", "shortest time a provider agency takes to answer")
	str(&maxDelay, "provider-max-delay", "10s", "longest time a provider agency takes to answer")
	str(&noData, "no-data-rate", "0.1", "share of interagency requests answered NO_DATA")
	str(&maxEnv, "max-envelope-bytes", "8388608", "size limit of a SOAP envelope")
	str(&latency, "fault-latency", "0s", "upper bound of a random delay added to every SOAP call")
	str(&httpErr, "fault-http-error-rate", "0", "share of SOAP calls answered HTTP 503")
	str(&drop, "fault-drop-rate", "0", "share of SOAP calls processed and then cut off without a reply")
	str(&failure, "fault-smev-failure-rate", "0", "share of SOAP calls refused with SMEVFailure")
	str(&dup, "fault-duplicate-rate", "0", "share of deliveries handed out twice")
	str(&forge, "fault-forge-signature", "", "message ids (comma-separated) delivered with a broken SMEV signature, as a forged message")
	str(&seed, "seed", "1", "seed of the invented applicants and answers")
	str(&o.endpoint, "endpoint", "", "with -control-example: base URL of a running stand instead of one in-process")
	str(&wait, "wait", "60s", "with -control-example: how long a step waits for the stand")
	fs.BoolVar(&o.control, "control-example", env("control-example", "") == "true", "run the control example and exit")
	fs.Func("system", "register an external system: MNEMONIC=cert.pem[=Human name] (repeatable; env SMEVSTAND_SYSTEMS, comma-separated)", func(v string) error {
		o.systems = append(o.systems, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if v := os.Getenv("SMEVSTAND_SYSTEMS"); v != "" && len(o.systems) == 0 {
		o.systems = strings.Split(v, ",")
	}
	var err error
	o.cfg.KeyDir = o.keys
	if o.cfg.PortalRate, err = parseRate(rate); err != nil {
		return o, err
	}
	o.cfg.PortalServices = map[string]string{}
	for _, pair := range strings.Split(services, ",") {
		code, recipient, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || code == "" || recipient == "" {
			return o, fmt.Errorf("-portal-services: %q is not code=MNEMONIC", pair)
		}
		o.cfg.PortalServices[code] = recipient
	}
	durations := []struct {
		dst  *time.Duration
		name string
		val  string
	}{{&o.cfg.Redelivery, "redelivery", redelivery}, {&o.cfg.RedeliveryPerMiB, "redelivery-per-mib", perMiB}, {&o.cfg.ExtraDocsDelay, "extra-docs-delay", extraDelay},
		{&o.cfg.ProviderMinDelay, "provider-min-delay", minDelay}, {&o.cfg.ProviderMaxDelay, "provider-max-delay", maxDelay},
		{&o.cfg.Faults.Latency, "fault-latency", latency}, {&o.wait, "wait", wait}}
	for _, d := range durations {
		if *d.dst, err = time.ParseDuration(d.val); err != nil {
			return o, fmt.Errorf("-%s: %w", d.name, err)
		}
	}
	shares := []struct {
		dst  *float64
		name string
		val  string
	}{{&o.cfg.NoDataRate, "no-data-rate", noData}, {&o.cfg.Faults.HTTPErrorRate, "fault-http-error-rate", httpErr},
		{&o.cfg.Faults.DropRate, "fault-drop-rate", drop}, {&o.cfg.Faults.SMEVFailureRate, "fault-smev-failure-rate", failure},
		{&o.cfg.Faults.DuplicateRate, "fault-duplicate-rate", dup}}
	for _, s := range shares {
		if *s.dst, err = strconv.ParseFloat(s.val, 64); err != nil || *s.dst < 0 || *s.dst > 1 {
			return o, fmt.Errorf("-%s: %q is not a share between 0 and 1", s.name, s.val)
		}
	}
	if forge != "" {
		o.cfg.Faults.ForgeSignatures = strings.Split(forge, ",")
	}
	if o.cfg.Seed, err = strconv.ParseUint(seed, 10, 64); err != nil {
		return o, fmt.Errorf("-seed: %w", err)
	}
	o.cfg.Faults.Seed = o.cfg.Seed
	if o.cfg.MaxEnvelopeBytes, err = strconv.ParseInt(maxEnv, 10, 64); err != nil || o.cfg.MaxEnvelopeBytes <= 0 {
		return o, fmt.Errorf("-max-envelope-bytes: %q is not a positive size", maxEnv)
	}
	if o.cfg.Systems, err = systems(o.systems); err != nil {
		return o, err
	}
	if o.matrixFile != "" {
		f, err := os.Open(o.matrixFile)
		if err != nil {
			return o, fmt.Errorf("-access-matrix: %w", err)
		}
		defer f.Close()
		if o.cfg.Matrix, err = bus.ParseAccessMatrix(f); err != nil {
			return o, fmt.Errorf("-access-matrix %s: %w", o.matrixFile, err)
		}
	}
	return o, nil
}

// parseRate reads "0.2/s", "6/m", "100/h" or a bare number per second.
func parseRate(s string) (float64, error) {
	num, unit, found := strings.Cut(strings.TrimSpace(s), "/")
	per := 1.0
	if found {
		switch unit {
		case "s":
		case "m":
			per = 60
		case "h":
			per = 3600
		default:
			return 0, fmt.Errorf("-portal-rate %q: unit must be s, m or h", s)
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("-portal-rate %q: not a non-negative number", s)
	}
	return v / per, nil
}

// systems merges -system entries over the demo systems: an entry with a
// demo mnemonic replaces its generated key by the given certificate.
func systems(entries []string) ([]smevstand.ExternalSystem, error) {
	out := smevstand.DemoSystems()
	for _, e := range entries {
		parts := strings.SplitN(strings.TrimSpace(e), "=", 3)
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("-system %q: want MNEMONIC=cert.pem[=Name]", e)
		}
		sys := smevstand.ExternalSystem{Mnemonic: parts[0], CertFile: parts[1], Name: parts[0]}
		if len(parts) == 3 {
			sys.Name = parts[2]
		}
		replaced := false
		for i := range out {
			if out[i].Mnemonic == sys.Mnemonic {
				if len(parts) < 3 {
					sys.Name = out[i].Name
				}
				out[i], replaced = sys, true
			}
		}
		if !replaced {
			out = append(out, sys)
		}
	}
	return out, nil
}
