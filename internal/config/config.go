// Package config reads Okno's settings from the environment and checks them,
// so that a bad value stops the server at start with a message naming the
// variable, instead of failing later.
package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything the server is told from outside.
type Config struct {
	Addr          string        // OKNO_ADDR: listen address
	DatabaseURL   string        // DATABASE_URL: owner connection, runs migrations
	AppDBPassword string        // OKNO_APP_DB_PASSWORD: password of role okno_app, if the server needs one
	DataDir       string        // OKNO_DATA_DIR: local state (session key, files)
	SessionKey    []byte        // OKNO_SESSION_KEY: 64 hex digits; else kept in DataDir/session.key
	SecretsKey    []byte        // OKNO_SECRETS_KEY: 64 hex digits sealing TOTP secrets; else kept in DataDir/secrets.key
	Demo          bool          // OKNO_DEMO: create the demo agencies and users
	LogFormat     string        // OKNO_LOG_FORMAT: json, text or auto (text on a terminal)
	LogLevel      string        // OKNO_LOG_LEVEL: debug, info, warn, error
	TrustProxy    bool          // OKNO_TRUST_PROXY: take the client address from X-Forwarded-For
	MaxFormBytes  int64         // OKNO_MAX_FORM_BYTES: largest accepted form body
	SessionIdle   time.Duration // OKNO_SESSION_IDLE: idle timeout of a login session
	ShutdownGrace time.Duration // OKNO_SHUTDOWN_GRACE: time for requests in flight at shutdown
	Storage       Storage
	SMEV          SMEV
	Trust         Trust
	// Workers runs background work (bus intake, the status outbox) in this
	// process (OKNO_WORKERS); a web-only replica sets it to false.
	Workers bool
	// JobRescueAfter (OKNO_JOB_RESCUE_AFTER) is when a job still marked
	// running — its node died — is given to another worker.
	JobRescueAfter time.Duration
}

// Trust is what the applicants' signatures are checked against.
type Trust struct {
	// RootsFile (OKNO_TRUST_ROOTS) is a PEM bundle of trusted certification
	// authorities; empty checks signatures but never calls a certificate
	// trusted.
	RootsFile string
	// CRLs (OKNO_TRUST_CRLS, comma-separated) are files or http(s) URLs of
	// the authorities' revocation lists.
	CRLs []string
}

// SMEV configures the bus connection of the installation's agencies.
type SMEV struct {
	Endpoint     string        // OKNO_SMEV_URL: SOAP endpoint; empty disables the bus
	FilesURL     string        // OKNO_SMEV_FILES_URL: file storage for large attachments
	KeysDir      string        // OKNO_SMEV_KEYS_DIR: <MNEMONIC>.key.pem/.cert.pem and SMEV.cert.pem
	JournalDir   string        // OKNO_SMEV_JOURNAL_DIR: every envelope sent and received
	PullInterval time.Duration // OKNO_SMEV_PULL_INTERVAL: how often queues are polled
	// MaxAttempts (OKNO_SMEV_MAX_ATTEMPTS): how often a message may fail
	// before it is answered and kept as a dead letter.
	MaxAttempts int
	ELKEnv      string // OKNO_ELK_ENV: env of status messages, SVCDEV or EPGU
	SenderINN   string // OKNO_SENDER_INN: senderInn of status messages
}

// Storage selects and configures the blob store.
type Storage struct {
	Kind          string // OKNO_STORAGE: local or s3
	Dir           string // OKNO_STORAGE_DIR (local)
	S3Endpoint    string // OKNO_S3_ENDPOINT: host:port
	S3Bucket      string // OKNO_S3_BUCKET
	S3AccessKey   string // OKNO_S3_ACCESS_KEY
	S3SecretKey   string // OKNO_S3_SECRET_KEY
	S3UseTLS      bool   // OKNO_S3_USE_TLS
	MaxUploadSize int64  // OKNO_MAX_UPLOAD_BYTES
}

// Load reads the configuration from getenv (os.Getenv in production). All
// problems are reported together, one line per variable.
func Load(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{
		Addr:          p.str("OKNO_ADDR", ":8080"),
		DatabaseURL:   p.str("DATABASE_URL", ""),
		AppDBPassword: p.str("OKNO_APP_DB_PASSWORD", ""),
		DataDir:       p.str("OKNO_DATA_DIR", ".data"),
		Demo:          p.boolean("OKNO_DEMO", false),
		LogFormat:     p.oneOf("OKNO_LOG_FORMAT", "auto", "auto", "json", "text"),
		LogLevel:      p.oneOf("OKNO_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		TrustProxy:    p.boolean("OKNO_TRUST_PROXY", false),
		MaxFormBytes:  p.bytes("OKNO_MAX_FORM_BYTES", 1<<20),
		SessionIdle:   p.duration("OKNO_SESSION_IDLE", 8*time.Hour),
		ShutdownGrace: p.duration("OKNO_SHUTDOWN_GRACE", 15*time.Second),
	}
	c.Storage = Storage{
		Kind:          p.oneOf("OKNO_STORAGE", "local", "local", "s3"),
		Dir:           p.str("OKNO_STORAGE_DIR", filepath.Join(c.DataDir, "files")),
		S3Endpoint:    p.str("OKNO_S3_ENDPOINT", ""),
		S3Bucket:      p.str("OKNO_S3_BUCKET", ""),
		S3AccessKey:   p.str("OKNO_S3_ACCESS_KEY", ""),
		S3SecretKey:   p.str("OKNO_S3_SECRET_KEY", ""),
		S3UseTLS:      p.boolean("OKNO_S3_USE_TLS", true),
		MaxUploadSize: p.bytes("OKNO_MAX_UPLOAD_BYTES", 100<<20),
	}
	c.SMEV = SMEV{
		Endpoint:     p.str("OKNO_SMEV_URL", ""),
		FilesURL:     p.str("OKNO_SMEV_FILES_URL", ""),
		KeysDir:      p.str("OKNO_SMEV_KEYS_DIR", filepath.Join(c.DataDir, "stand")),
		JournalDir:   p.str("OKNO_SMEV_JOURNAL_DIR", ""),
		PullInterval: p.duration("OKNO_SMEV_PULL_INTERVAL", 2*time.Second),
		MaxAttempts:  p.positive("OKNO_SMEV_MAX_ATTEMPTS", 5),
		ELKEnv:       strings.ToUpper(p.oneOf("OKNO_ELK_ENV", "svcdev", "svcdev", "epgu")),
		SenderINN:    p.str("OKNO_SENDER_INN", "7700000000"),
	}
	c.Trust = Trust{RootsFile: p.str("OKNO_TRUST_ROOTS", "")}
	for _, loc := range strings.Split(p.str("OKNO_TRUST_CRLS", ""), ",") {
		if loc = strings.TrimSpace(loc); loc != "" {
			c.Trust.CRLs = append(c.Trust.CRLs, loc)
		}
	}
	if len(c.Trust.CRLs) > 0 && c.Trust.RootsFile == "" {
		p.fail("OKNO_TRUST_CRLS", "needs OKNO_TRUST_ROOTS: revocation lists are checked only for certificates of trusted roots")
	}
	c.Workers = p.boolean("OKNO_WORKERS", true)
	c.JobRescueAfter = p.duration("OKNO_JOB_RESCUE_AFTER", time.Minute)
	if c.JobRescueAfter < JobTimeout {
		p.fail("OKNO_JOB_RESCUE_AFTER", "must be at least "+JobTimeout.String()+", the longest a background job may run")
	}
	if c.SMEV.Endpoint != "" {
		if u, err := url.Parse(c.SMEV.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.fail("OKNO_SMEV_URL", "must be an http(s) URL of the SMEV SOAP endpoint, e.g. http://127.0.0.1:8075/smev")
		}
	}
	c.SessionKey = p.key("OKNO_SESSION_KEY")
	c.SecretsKey = p.key("OKNO_SECRETS_KEY")
	if c.DatabaseURL == "" {
		p.fail("DATABASE_URL", "is required, e.g. postgres://okno@127.0.0.1:5432/okno (`make run` sets it)")
	} else if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || len(u.Path) < 2 {
		p.fail("DATABASE_URL", "must be a postgres:// URL that names a database")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		p.fail("OKNO_ADDR", "must be host:port or :port, e.g. :8080")
	}
	if c.Storage.Kind == "s3" {
		for name, v := range map[string]string{"OKNO_S3_ENDPOINT": c.Storage.S3Endpoint, "OKNO_S3_BUCKET": c.Storage.S3Bucket,
			"OKNO_S3_ACCESS_KEY": c.Storage.S3AccessKey, "OKNO_S3_SECRET_KEY": c.Storage.S3SecretKey} {
			if v == "" {
				p.fail(name, "is required when OKNO_STORAGE=s3")
			}
		}
	}
	if c.SessionIdle < time.Minute {
		p.fail("OKNO_SESSION_IDLE", "must be at least 1m")
	}
	if len(p.problems) > 0 {
		return Config{}, errors.New("configuration:\n  " + strings.Join(p.problems, "\n  "))
	}
	return c, nil
}

// JobTimeout bounds one run of a background job; a job cut short is retried.
const JobTimeout = 20 * time.Second

// SessionKeyFile is where a generated session key is kept between restarts.
func (c Config) SessionKeyFile() string { return filepath.Join(c.DataDir, "session.key") }

// SecretsKeyFile is where a generated key sealing TOTP secrets is kept.
func (c Config) SecretsKeyFile() string { return filepath.Join(c.DataDir, "secrets.key") }

type parser struct {
	getenv   func(string) string
	problems []string
}

func (p *parser) fail(name, msg string) { p.problems = append(p.problems, name+" "+msg) }

func (p *parser) str(name, def string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	return def
}

// key reads 32 random bytes given as 64 hex digits; nil when unset.
func (p *parser) key(name string) []byte {
	v := p.str(name, "")
	if v == "" {
		return nil
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != 32 {
		p.fail(name, "must be 64 hexadecimal digits (32 random bytes), e.g. from `openssl rand -hex 32`")
	}
	return b
}

func (p *parser) boolean(name string, def bool) bool {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(name, fmt.Sprintf("must be true or false, got %q", v))
	}
	return b
}

func (p *parser) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(p.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, fmt.Sprintf("must be one of %s, got %q", strings.Join(allowed, ", "), v))
	return def
}

func (p *parser) duration(name string, def time.Duration) time.Duration {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(name, fmt.Sprintf("must be a positive duration like 30s or 8h, got %q", v))
		return def
	}
	return d
}

func (p *parser) positive(name string, def int) int {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		p.fail(name, fmt.Sprintf("must be a positive whole number, got %q", v))
		return def
	}
	return n
}

// bytes accepts a plain number or one with a KiB/MiB/GiB suffix.
func (p *parser) bytes(name string, def int64) int64 {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(v, suffix) {
			v, mult = strings.TrimSuffix(v, suffix), m
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		p.fail(name, fmt.Sprintf("must be a positive size in bytes, optionally with KiB, MiB or GiB, got %q", p.getenv(name)))
		return def
	}
	return n * mult
}

// LoadOrCreateSessionKey returns the configured key or one kept in a file,
// creating the file with a random key on first start.
func (c Config) LoadOrCreateSessionKey(random func([]byte) error) ([]byte, error) {
	return c.loadOrCreateKey(c.SessionKey, c.SessionKeyFile(), "session key", "logs everybody out", random)
}

// LoadOrCreateSecretsKey is LoadOrCreateSessionKey for the key that seals
// TOTP secrets. Losing it loses every second factor, so keep the file (or
// OKNO_SECRETS_KEY) with the database backups, but apart from them.
func (c Config) LoadOrCreateSecretsKey(random func([]byte) error) ([]byte, error) {
	return c.loadOrCreateKey(c.SecretsKey, c.SecretsKeyFile(), "secrets key", "every second factor must then be reset by an administrator", random)
}

func (c Config) loadOrCreateKey(configured []byte, path, what, loss string, random func([]byte) error) ([]byte, error) {
	if configured != nil {
		return configured, nil
	}
	if raw, err := os.ReadFile(path); err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("%s file %s is damaged: delete it to make a new one (%s)", what, path, loss)
		}
		return key, nil
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	key := make([]byte, 32)
	if err := random(key); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", what, err)
	}
	return key, nil
}
