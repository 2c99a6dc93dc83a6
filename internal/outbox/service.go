package outbox

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
)

// Config wires the outbox once, in cmd/server.
type Config struct {
	Pool  *pgxpool.Pool
	Cases *cases.Service // the cases whose statuses go out, and their agencies' buses
	// ELKEnv is the env attribute of status messages: SVCDEV on test
	// environments, EPGU in production; SVCDEV when empty.
	ELKEnv string
	// SenderINN identifies the agency in status messages (per agency in a
	// later version; one installation-wide value is enough for the stand).
	SenderINN string
	// Jobs wakes and cancels delivery jobs when an administrator retries or
	// cancels a delivery.
	Jobs *river.Client[pgx.Tx]
	// Backoff paces deliveries that cannot go now; DefaultBackoff when zero.
	Backoff Backoff
	// Metrics, when set, counts attempts and stuck deliveries.
	Metrics *Metrics
}

// Backoff paces a delivery that cannot go now: First doubled after each try
// up to Cap; a delivery still not gone StuckAfter after its first try is
// stuck (shown on the card and in the metric) and retried at Cap.
type Backoff struct {
	First, Cap, StuckAfter time.Duration
}

// DefaultBackoff: half a second doubling to five minutes; stuck after a
// quarter of an hour.
var DefaultBackoff = Backoff{First: 500 * time.Millisecond, Cap: 5 * time.Minute, StuckAfter: 15 * time.Minute}

// delay is the wait after the nth try (n from 1).
func (b Backoff) delay(n int) time.Duration {
	d := b.First
	for i := 1; i < n && d < b.Cap; i++ {
		d *= 2
	}
	return min(d, b.Cap)
}

// Service sends what Okno owes the bus: statuses to the applicant's
// cabinet and RequestRejected answers to refused messages.
type Service struct {
	cfg     Config
	metrics *Metrics

	mu       sync.Mutex
	overflow map[uuid.UUID]time.Time // agency → until when its destination queue is taken as full
}

// NewService builds the service.
func NewService(cfg Config) *Service {
	if cfg.ELKEnv == "" {
		cfg.ELKEnv = "SVCDEV"
	}
	if cfg.Backoff == (Backoff{}) {
		cfg.Backoff = DefaultBackoff
	}
	return &Service{cfg: cfg, metrics: cfg.Metrics, overflow: map[uuid.UUID]time.Time{}}
}

// holdOverflow keeps the agency's deliveries off the bus for d after its
// destination queue was full.
func (s *Service) holdOverflow(agencyID uuid.UUID, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if until := time.Now().Add(d); until.After(s.overflow[agencyID]) {
		s.overflow[agencyID] = until
	}
}

// overflowHeld reports whether the agency's deliveries are held, and until when.
func (s *Service) overflowHeld(agencyID uuid.UUID) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.overflow[agencyID]
	if ok && !time.Now().Before(until) {
		delete(s.overflow, agencyID)
		return until, false
	}
	return until, ok
}

func (s *Service) inAgency(ctx context.Context, agencyID uuid.UUID, fn func(pgx.Tx) error) error {
	return database.InAgency(ctx, s.cfg.Pool, agencyID, fn)
}
