package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/calendar"
	"github.com/okno-oiv/okno/internal/people"
)

// Now is the instant of the service's clock (Config.Now, injected in tests).
// Intake and the outbox take their time from it too.
func (s *Service) Now() time.Time { return s.cfg.Now() }

// agencyNow is the one clock of an agency's day: the service's instant read
// in the agency's time zone. The registry number's year, due dates, "today",
// the registry's date filters and the overdue check all take their day from
// it, never from the server's zone.
func (s *Service) agencyNow(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID) (time.Time, error) {
	zone, err := people.AgencyTimeZone(ctx, tx, agencyID)
	if err != nil {
		return time.Time{}, fmt.Errorf("agency's clock: %w", err)
	}
	return s.cfg.Now().In(zone), nil
}

// today is the agency's calendar date now, as midnight UTC (calendar.Date).
func (s *Service) today(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID) (time.Time, error) {
	now, err := s.agencyNow(ctx, tx, agencyID)
	return calendar.Date(now), err
}
