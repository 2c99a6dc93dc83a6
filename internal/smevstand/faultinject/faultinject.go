// Package faultinject makes the stand misbehave on purpose, so Okno's
// reliability can be tested against the failures a real SMEV shows: slow
// answers, HTTP 5xx from a proxy, connections that break after the call was
// processed (the client must retry and meet MessageIsAlreadySent),
// SMEVFailure faults, messages delivered twice, and messages whose SMEV
// signature does not verify (a forged delivery).
package faultinject

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// Config sets how often each failure happens; zero disables it.
type Config struct {
	// Latency is the upper bound of a random delay added to every call.
	Latency time.Duration
	// HTTPErrorRate is the share of calls answered 503 before processing.
	HTTPErrorRate float64
	// DropRate is the share of calls processed, then cut off without a reply.
	DropRate float64
	// SMEVFailureRate is the share of calls refused with SMEVFailure.
	SMEVFailureRate float64
	// DuplicateRate is the share of deliveries handed out again at once.
	DuplicateRate float64
	// ForgeSignatures are message ids whose every delivery (GetRequest,
	// GetResponse) is changed after SMEV signed it, so that its SMEV
	// signature does not verify: what a forged message in the queue looks
	// like to the recipient.
	ForgeSignatures []string
	Seed            uint64
}

// Validate checks that every rate is a share.
func (c Config) Validate() error {
	for name, v := range map[string]float64{"HTTP error": c.HTTPErrorRate, "drop": c.DropRate, "SMEVFailure": c.SMEVFailureRate, "duplicate": c.DuplicateRate} {
		if v < 0 || v > 1 {
			return fmt.Errorf("fault injection: %s rate %v outside [0, 1]", name, v)
		}
	}
	if c.Latency < 0 {
		return fmt.Errorf("fault injection: negative latency %s", c.Latency)
	}
	for _, id := range c.ForgeSignatures {
		if u, err := uuid.Parse(id); err != nil || u.String() != id {
			return fmt.Errorf("fault injection: message id %q to forge is not a lowercase UUID", id)
		}
	}
	return nil
}

// Injector applies a Config.
type Injector struct {
	cfg Config
	mu  sync.Mutex
	r   *rand.Rand
}

// New returns an injector for a valid cfg.
func New(cfg Config) (*Injector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Injector{cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed))}, nil
}

func (i *Injector) chance(rate float64) bool {
	if rate <= 0 {
		return false
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.r.Float64() < rate
}

func (i *Injector) delay() time.Duration {
	if i.cfg.Latency <= 0 {
		return 0
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	return time.Duration(i.r.Int64N(int64(i.cfg.Latency)))
}

// Forged says whether the delivery of the message is to go out with a
// broken SMEV signature.
func (i *Injector) Forged(messageID string) bool {
	return slices.Contains(i.cfg.ForgeSignatures, messageID)
}

// Duplicate says whether a delivered message should be delivered again.
func (i *Injector) Duplicate() bool { return i.chance(i.cfg.DuplicateRate) }

// Wrap returns h with the configured failures in front of it.
func (i *Injector) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := i.delay(); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case i.chance(i.cfg.HTTPErrorRate):
			http.Error(w, "injected failure: service temporarily unavailable", http.StatusServiceUnavailable)
			return
		case i.chance(i.cfg.SMEVFailureRate):
			body, err := message.MarshalFault(&message.Fault{Kind: message.FaultSMEVFailure, FaultString: "injected SMEVFailure; retry"})
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", message.ContentType)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write(body)
			return
		case i.chance(i.cfg.DropRate):
			// Process the call, then break the connection: the caller cannot
			// know its message arrived.
			h.ServeHTTP(&discard{header: http.Header{}}, r)
			hj, ok := w.(http.Hijacker)
			if !ok {
				http.Error(w, "injected drop", http.StatusBadGateway)
				return
			}
			conn, _, err := hj.Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		h.ServeHTTP(w, r)
	})
}

// discard is a ResponseWriter that keeps nothing.
type discard struct {
	header http.Header
	body   bytes.Buffer
}

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(b []byte) (int, error) { return d.body.Write(b) }
func (d *discard) WriteHeader(int)             {}
