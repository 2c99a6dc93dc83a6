package intake

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/esign"
)

// Config wires intake once, in cmd/server.
type Config struct {
	Pool  *pgxpool.Pool
	Jobs  *river.Client[pgx.Tx] // inserts RequestRejected answers inside the refusal's transaction
	Cases *cases.Service        // registers cases; its clock is intake's clock
	// Withdrawal is the portal's message type for an applicant withdrawing
	// an application; DefaultWithdrawalForm when zero.
	Withdrawal WithdrawalForm
	// Trust decides whether the applicants' certificates are trusted; nil
	// (no roots configured) checks signatures only.
	Trust *esign.TrustStore
	// MaxAttempts is how many times a message may fail before it becomes
	// a dead letter; DefaultMaxAttempts when zero.
	MaxAttempts int
	// Answers runs a dead portal answer again (the outbox); DeadLetterGauge
	// is okno_intake_dead_letters (NewDeadLetterGauge), optional.
	Answers         AnswerTaker
	DeadLetterGauge *prometheus.GaugeVec
}

// Service takes applications from the bus.
type Service struct {
	cfg Config
}

// NewService builds the service.
func NewService(cfg Config) *Service {
	if cfg.Withdrawal.Namespace == "" {
		cfg.Withdrawal = DefaultWithdrawalForm()
	}
	return &Service{cfg: cfg}
}

func (s *Service) inAgency(ctx context.Context, agencyID uuid.UUID, fn func(pgx.Tx) error) error {
	return database.InAgency(ctx, s.cfg.Pool, agencyID, fn)
}

func (s *Service) now() time.Time { return s.cfg.Cases.Now() }
