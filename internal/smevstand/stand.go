// Package smevstand assembles the SMEV 3 stand: the message exchange bus
// (SOAP endpoint, queues, signatures, access matrix), the file storage, the
// portal (ЕПГУ) with its applicant's cabinet, the provider agencies and the
// fault injector, over one PostgreSQL schema and one HTTP listener.
//
// With the zero-value options it is the demo `make run` starts: the stand
// makes its own keys on first start, registers the agency systems of the two
// demo agencies (MINSTROY, OKN) and the control example's system (CONTROL),
// and leaves their keys where Okno can read them. The key directory
// (default .data/stand) holds, per system, <MNEMONIC>.key.pem (PKCS#8,
// GOST R 34.10-2012 256, parameter set A) and <MNEMONIC>.cert.pem
// (self-signed X.509): MINSTROY and OKN for Okno's agencies, SMEV for
// checking the stand's SMEVSignature, EPGU and the providers (FNS,
// ROSREESTR, SFR, MVD) for checking their senders' signatures.
//
// Routes: GET / (overview: systems, queues, access matrix), POST /smev
// (SOAP 1.1), /files/ (file storage), /cabinet/ (the applicant's cabinet),
// POST /portal/applications (file one application now),
// POST /portal/applications/{order}/cancel (withdraw it), GET /healthz.
package smevstand

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/faultinject"
	"github.com/okno-oiv/okno/internal/smevstand/filestore"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/smevstand/providers"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// Mnemonics of the systems the stand registers by default.
const (
	SMEV     = "SMEV" // the stand's own key (SMEVSignature)
	EPGU     = "EPGU"
	MINSTROY = "MINSTROY"
	OKN      = "OKN"
	CONTROL  = "CONTROL"
)

// ExternalSystem is an agency information system registered by
// certificate: it talks to the stand over SOAP.
type ExternalSystem struct {
	Mnemonic string
	Name     string
	CertFile string // PEM; empty for a demo system: the stand makes its key in KeyDir
}

// Config configures a stand; zero values take the demo defaults.
type Config struct {
	DatabaseURL string
	// KeyDir holds the stand's key and the demo systems' keys and
	// certificates (<MNEMONIC>.key.pem, <MNEMONIC>.cert.pem).
	KeyDir string
	// Systems are the external systems; nil registers MINSTROY, OKN and
	// CONTROL with keys made in KeyDir.
	Systems []ExternalSystem
	// Matrix replaces the default access matrix when set.
	Matrix *bus.AccessMatrix

	Redelivery       time.Duration
	RedeliveryPerMiB time.Duration
	MaxEnvelopeBytes int64
	MaxFileBytes     int64

	PortalRate float64
	// PortalServices picks the portal's services and their recipient
	// systems by service code (building-permit, heritage-works); nil is
	// the demo: building permits to MINSTROY, heritage works to OKN.
	PortalServices   map[string]string
	ExtraDocsDelay   time.Duration
	ProviderMinDelay time.Duration
	ProviderMaxDelay time.Duration
	NoDataRate       float64
	PollInterval     time.Duration
	// QueueCapacity caps each recipient's unacknowledged messages
	// (DestinationOverflow beyond); bus.DefaultQueueCapacity when zero.
	QueueCapacity int

	Faults   faultinject.Config
	FontPath string
	Seed     uint64
	Log      *slog.Logger
}

// Stand is an assembled stand.
type Stand struct {
	cfg       Config
	store     *store.Store
	bus       *bus.Bus
	portal    *portal.Portal
	providers *providers.Providers
	handler   http.Handler
	smevCert  []byte
}

// DemoSystems are the external systems of the zero-config demo.
func DemoSystems() []ExternalSystem {
	return []ExternalSystem{
		{Mnemonic: MINSTROY, Name: "Министерство строительства (демо)"},
		{Mnemonic: OKN, Name: "Комитет по охране объектов культурного наследия (демо)"},
		{Mnemonic: CONTROL, Name: "Контрольный пример стенда СМЭВ"},
	}
}

// DefaultRoutes is the demo access matrix: the portal's forms to their
// agencies, ELK statuses from any system to the portal, the providers'
// types open to every system.
func DefaultRoutes(services []portal.Service, agencies []providers.Agency) []bus.Route {
	var routes []bus.Route
	for _, s := range services {
		routes = append(routes, bus.Route{Type: bus.MessageType{Namespace: s.Namespace(), RootElement: portal.FormRoot}, Provider: s.Recipient, Consumers: []string{EPGU}})
	}
	for _, ns := range []string{portal.ELKStatusNS, "http://epgu.gosuslugi.ru/elk/order/3.1.0", "http://epgu.gosuslugi.ru/elk/order/3.2.0"} {
		routes = append(routes, bus.Route{Type: bus.MessageType{Namespace: ns, RootElement: portal.ELKRoot}, Provider: EPGU, Consumers: []string{"*"}})
	}
	// Withdrawals: the bus routes a type to one system, so the demo's go to
	// MINSTROY; OKN would need the routing block of schema 1.3 (or a type of
	// its own).
	routes = append(routes, bus.Route{Type: bus.MessageType{Namespace: portal.CancelNS, RootElement: portal.CancelRoot}, Provider: MINSTROY, Consumers: []string{EPGU}})
	return append(routes, providers.Routes(agencies, []string{"*"})...)
}

// portalServices applies the configured choice of services and recipients
// to the demo services; the control example's service is always there.
func portalServices(chosen map[string]string) ([]portal.Service, error) {
	demo := portal.DemoServices(MINSTROY, OKN)
	if chosen == nil {
		return append(demo, portal.ControlService(CONTROL)), nil
	}
	var out []portal.Service
	for code, recipient := range chosen {
		found := false
		for _, s := range demo {
			if s.Code == code {
				s.Recipient, found = recipient, true
				out = append(out, s)
			}
		}
		if !found {
			return nil, fmt.Errorf("portal service %q: the portal offers %s and %s", code, demo[0].Code, demo[1].Code)
		}
	}
	slices.SortFunc(out, func(a, b portal.Service) int { return strings.Compare(a.Code, b.Code) })
	return append(out, portal.ControlService(CONTROL)), nil
}

// New opens the database, makes or reads keys and wires the stand.
func New(ctx context.Context, cfg Config) (*Stand, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.KeyDir == "" {
		cfg.KeyDir = ".data/stand"
	}
	if cfg.Systems == nil {
		cfg.Systems = DemoSystems()
	}
	if cfg.FontPath == "" {
		cfg.FontPath = portal.DefaultFontPath
	}
	if cfg.MaxEnvelopeBytes <= 0 {
		cfg.MaxEnvelopeBytes = message.DefaultLimits().MaxBytes
	}
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = 512 << 20
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	inj, err := faultinject.New(cfg.Faults)
	if err != nil {
		return nil, err
	}
	smev, err := signing.LoadOrCreate(cfg.KeyDir, SMEV, "СМЭВ 3 (стенд)")
	if err != nil {
		return nil, err
	}
	// The stand's own participants sign what they send, as real systems
	// do; their certificates are in KeyDir for Okno to check.
	agencies := providers.DemoAgencies()
	epgu, err := signing.LoadOrCreate(cfg.KeyDir, EPGU, "ЕПГУ (стенд)")
	if err != nil {
		return nil, err
	}
	systems := []bus.System{{Mnemonic: EPGU, Name: "ЕПГУ (стенд)", Certificate: epgu.CertificateDER()}}
	agencySigners := map[string]bus.SignatureMaker{}
	for _, a := range agencies {
		id, err := signing.LoadOrCreate(cfg.KeyDir, a.Mnemonic, a.Name+" (стенд)")
		if err != nil {
			return nil, err
		}
		agencySigners[a.Mnemonic] = id
		systems = append(systems, bus.System{Mnemonic: a.Mnemonic, Name: a.Name + " (стенд)", Certificate: id.CertificateDER()})
	}
	for _, s := range cfg.Systems {
		sys := bus.System{Mnemonic: s.Mnemonic, Name: s.Name}
		if s.CertFile != "" {
			sys.Certificate, err = signing.LoadCertificate(s.CertFile)
		} else {
			var id *signing.Identity
			id, err = signing.LoadOrCreate(cfg.KeyDir, s.Mnemonic, s.Name)
			if id != nil {
				sys.Certificate = id.CertificateDER()
			}
		}
		if err != nil {
			return nil, fmt.Errorf("register %s: %w", s.Mnemonic, err)
		}
		systems = append(systems, sys)
	}
	reg, err := bus.NewRegistry(systems...)
	if err != nil {
		return nil, err
	}
	services, err := portalServices(cfg.PortalServices)
	if err != nil {
		return nil, err
	}
	matrix := cfg.Matrix
	if matrix == nil {
		if matrix, err = bus.NewAccessMatrix(DefaultRoutes(services, agencies)...); err != nil {
			return nil, err
		}
	}
	var known []portal.Service
	for _, s := range services {
		if _, ok := reg.ByMnemonic(s.Recipient); ok {
			known = append(known, s)
		}
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	s := &Stand{cfg: cfg, store: st, smevCert: smev.CertificateDER()}
	fail := func(err error) (*Stand, error) { st.Close(); return nil, err }
	s.bus, err = bus.New(bus.Config{
		Store: st, Systems: reg, Matrix: matrix, Verifier: signing.Verifier{}, Signer: smev, ParseCertificate: signing.Validity,
		Redelivery: cfg.Redelivery, RedeliveryPerMiB: cfg.RedeliveryPerMiB, DuplicateDelivery: inj.Duplicate,
		QueueCapacity:  cfg.QueueCapacity,
		ForgeSignature: inj.Forged,
	})
	if err != nil {
		return fail(err)
	}
	scanner, err := portal.NewScanner(cfg.FontPath)
	if err != nil {
		return fail(err)
	}
	s.portal, err = portal.New(portal.Config{
		Bus: s.bus, Store: st, Mnemonic: EPGU, Services: known, Rate: cfg.PortalRate, ExtraDocsDelay: cfg.ExtraDocsDelay,
		PollInterval: cfg.PollInterval, Scanner: scanner, Signer: epgu, Seed: cfg.Seed, Log: cfg.Log,
	})
	if err != nil {
		return fail(err)
	}
	s.providers, err = providers.New(providers.Config{
		Bus: s.bus, Store: st, Agencies: agencies, Signers: agencySigners, MinDelay: cfg.ProviderMinDelay, MaxDelay: max(cfg.ProviderMaxDelay, cfg.ProviderMinDelay),
		NoDataRate: cfg.NoDataRate, PollInterval: cfg.PollInterval, Seed: cfg.Seed, Log: cfg.Log,
	})
	if err != nil {
		return fail(err)
	}
	cabinet, err := portal.NewCabinet(st, cfg.Log)
	if err != nil {
		return fail(err)
	}
	front, err := newOverview(s.bus, cfg.KeyDir, cfg.Log)
	if err != nil {
		return fail(err)
	}
	limits := message.DefaultLimits()
	limits.MaxBytes = cfg.MaxEnvelopeBytes
	mux := http.NewServeMux()
	mux.Handle("/smev", inj.Wrap(bus.NewEndpoint(s.bus, limits, cfg.Log)))
	mux.Handle("/files/", filestore.NewHandler(st, "/files/", cfg.MaxFileBytes, cfg.Log))
	mux.Handle("/cabinet/", http.StripPrefix("/cabinet", cabinet))
	mux.Handle("/portal/applications", s.portal.FilingHandler())
	mux.Handle("POST /portal/applications/{order}/cancel", s.portal.CancelHandler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.Handle("GET /{$}", front)
	s.handler = mux
	return s, nil
}

// Handler serves all of the stand's routes.
func (s *Stand) Handler() http.Handler { return s.handler }

// Bus returns the stand's bus.
func (s *Stand) Bus() *bus.Bus { return s.bus }

// SMEVCertificate is the DER certificate of the stand's SMEVSignature.
func (s *Stand) SMEVCertificate() []byte { return s.smevCert }

// KeyDir is where the stand keeps keys.
func (s *Stand) KeyDir() string { return s.cfg.KeyDir }

// RunParticipants runs the portal and the provider agencies until ctx ends.
func (s *Stand) RunParticipants(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.portal.Run(ctx) })
	wg.Go(func() { s.providers.Run(ctx) })
	wg.Wait()
}

// Serve listens on addr and runs the participants until ctx ends.
func (s *Stand) Serve(ctx context.Context, addr string) error {
	srv := &http.Server{Addr: addr, Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { s.RunParticipants(ctx) })
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	s.cfg.Log.Info("smev stand listening", "addr", addr, "keys", s.cfg.KeyDir)
	var err error
	select {
	case <-ctx.Done():
		shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		err = srv.Shutdown(shutdown)
	case err = <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	}
	cancel()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("smev stand on %s: %w", addr, err)
	}
	return nil
}

// Close releases the database.
func (s *Stand) Close() { s.store.Close() }
