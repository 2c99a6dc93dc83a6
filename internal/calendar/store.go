package calendar

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Every function here takes a transaction scoped to one agency by
// database.InAgency; row-level security limits it to that agency's days.

// Load reads the agency's calendar for the dates from..to (inclusive).
func Load(ctx context.Context, tx pgx.Tx, from, to time.Time) (*Calendar, error) {
	rows, err := tx.Query(ctx, `SELECT day AS date, kind, note FROM business_days WHERE day BETWEEN @from AND @to ORDER BY day`,
		pgx.NamedArgs{"from": Date(from), "to": Date(to)})
	if err != nil {
		return nil, fmt.Errorf("load business calendar: %w", err)
	}
	days, err := pgx.CollectRows(rows, pgx.RowToStructByName[Day])
	if err != nil {
		return nil, fmt.Errorf("load business calendar: %w", err)
	}
	return New(from, to, days)
}

// SetDay records an exception, replacing the one the date had.
func SetDay(ctx context.Context, tx pgx.Tx, d Day) error {
	if err := d.validate(); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO business_days (agency_id, day, kind, note)
		VALUES (current_agency_id(), @day, @kind, @note)
		ON CONFLICT (agency_id, day) DO UPDATE SET kind = EXCLUDED.kind, note = EXCLUDED.note`,
		pgx.NamedArgs{"day": Date(d.Date), "kind": d.Kind, "note": d.Note})
	if err != nil {
		return fmt.Errorf("set business day %s: %w", d.Date.Format(time.DateOnly), err)
	}
	return nil
}

// ErrNoException: RemoveDay was given a date the calendar has no exception for.
var ErrNoException = errors.New("the date has no calendar exception")

// RemoveDay returns a date to the Monday-to-Friday rule.
func RemoveDay(ctx context.Context, tx pgx.Tx, date time.Time) error {
	tag, err := tx.Exec(ctx, `DELETE FROM business_days WHERE day = @day`, pgx.NamedArgs{"day": Date(date)})
	if err != nil {
		return fmt.Errorf("remove business day %s: %w", date.Format(time.DateOnly), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("remove business day %s: %w", date.Format(time.DateOnly), ErrNoException)
	}
	return nil
}

// DueDate is the last day of a term of n working days counted from the day
// of registered, by the agency's calendar: the one due-date rule, used for a
// case's due date and for the registry's "due within n working days".
// registered's date is read in its own location, so pass the agency's local
// time (the registration's date, not the server's). It loads just enough of
// the calendar: weekends and holidays never stretch a term past three times
// its length plus a month; an agency calendar with more days off gets
// ErrOutsideRange, never a wrong date.
func DueDate(ctx context.Context, tx pgx.Tx, registered time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("calendar: a term cannot be %d working days", n)
	}
	from := Date(registered)
	c, err := Load(ctx, tx, from, from.AddDate(0, 0, 3*n+31))
	if err != nil {
		return time.Time{}, err
	}
	return c.AddWorkingDays(from, n)
}
