package outbox

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
}

// Service sends what Okno owes the bus: statuses to the applicant's
// cabinet and RequestRejected answers to refused messages.
type Service struct {
	cfg Config
}

// NewService builds the service.
func NewService(cfg Config) *Service {
	if cfg.ELKEnv == "" {
		cfg.ELKEnv = "SVCDEV"
	}
	return &Service{cfg: cfg}
}

func (s *Service) inAgency(ctx context.Context, agencyID uuid.UUID, fn func(pgx.Tx) error) error {
	return database.InAgency(ctx, s.cfg.Pool, agencyID, fn)
}
