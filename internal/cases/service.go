package cases

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/okno-oiv/okno/internal/blob"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// Bus is what intake and the outbox need of an agency's SMEV 3 connection;
// *smevclient.Client is one. The case knows which bus is its agency's
// (BusOf); it never talks to it.
type Bus interface {
	GetRequest(ctx context.Context, sel smevclient.Selector) (*smevclient.Delivery, error)
	GetResponse(ctx context.Context, sel smevclient.Selector) (*smevclient.Delivery, error)
	Ack(ctx context.Context, messageID string, accepted bool) error
	OpenAttachment(ctx context.Context, a smevclient.ReceivedAttachment) (io.ReadCloser, error)
	SendRequest(ctx context.Context, r smevclient.Request) (smevclient.Sent, error)
	SendResponse(ctx context.Context, r smevclient.Response) (smevclient.Sent, error)
}

// Buses gives the bus connection of an agency by its SMEV mnemonic, or
// ErrNoBus when the agency has none configured.
type Buses interface {
	For(mnemonic string) (Bus, error)
}

// Config wires the service once, in cmd/server.
type Config struct {
	Pool  *pgxpool.Pool
	Jobs  *river.Client[pgx.Tx] // inserts outbox jobs inside business transactions
	Blobs blob.Store
	Buses Buses
	// Now is the service's clock, and intake's and the outbox's; tests
	// inject it. Days are read from it in each agency's zone (agencyNow).
	Now func() time.Time
}

// Service is the cases domain's entry point.
type Service struct {
	cfg Config
}

// NewService builds the service.
func NewService(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}
}

func (s *Service) inAgency(ctx context.Context, agencyID uuid.UUID, fn func(pgx.Tx) error) error {
	return database.InAgency(ctx, s.cfg.Pool, agencyID, fn)
}

// ErrNoBus says the agency has no SMEV 3 connection configured.
var ErrNoBus = errors.New("cases: the agency has no SMEV connection")

// BusOf returns the agency's bus connection, or ErrNoBus.
func (s *Service) BusOf(ctx context.Context, agencyID uuid.UUID) (Bus, error) {
	var mnemonic string
	var ok bool
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) (err error) {
		mnemonic, ok, err = people.AgencyBusMnemonic(ctx, tx, agencyID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("agency %s: %w", agencyID, err)
	}
	if !ok || s.cfg.Buses == nil {
		return nil, ErrNoBus
	}
	return s.cfg.Buses.For(mnemonic)
}
