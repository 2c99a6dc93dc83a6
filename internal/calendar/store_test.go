package calendar_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/calendar"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/database/dbtest"
)

func newAgency(t *testing.T, pool *pgxpool.Pool, code string, platform bool) uuid.UUID {
	t.Helper()
	id := uuid.New()
	err := database.Unscoped(context.Background(), pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO agencies (id, code, name, short_name, is_platform)
			VALUES ($1, $2, $2, $2, $3)`, id, code, platform)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func load(t *testing.T, pool *pgxpool.Pool, agency uuid.UUID, from, to string) *calendar.Calendar {
	t.Helper()
	var c *calendar.Calendar
	err := database.InAgency(context.Background(), pool, agency, func(tx pgx.Tx) (err error) {
		c, err = calendar.Load(context.Background(), tx, date(from), date(to))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCalendarIsPerAgency(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	a := newAgency(t, db.App, "AGENCY_A", false)
	b := newAgency(t, db.App, "AGENCY_B", false)
	err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		if err := calendar.SetDay(ctx, tx, calendar.Day{Date: date("2026-11-18"), Kind: calendar.Holiday, Note: "День города"}); err != nil {
			return err
		}
		return calendar.SetDay(ctx, tx, calendar.Day{Date: date("2026-11-21"), Kind: calendar.Workday, Note: "Рабочая суббота"})
	})
	if err != nil {
		t.Fatal(err)
	}
	ca := load(t, db.App, a, "2026-11-01", "2026-11-30")
	if got, _ := ca.AddWorkingDays(date("2026-11-17"), 3); !got.Equal(date("2026-11-21")) {
		t.Fatalf("agency A: 3 working days after 17 November end %s, want the working Saturday 21st", got)
	}
	cb := load(t, db.App, b, "2026-11-01", "2026-11-30")
	if len(cb.Exceptions()) != 0 {
		t.Fatalf("agency B sees A's days: %+v", cb.Exceptions())
	}
	if got, _ := cb.AddWorkingDays(date("2026-11-17"), 3); !got.Equal(date("2026-11-20")) {
		t.Fatalf("agency B: 3 working days after 17 November end %s, want Friday 20th", got)
	}
	// B cannot remove A's day: row-level security hides it.
	err = database.InAgency(ctx, db.App, b, func(tx pgx.Tx) error { return calendar.RemoveDay(ctx, tx, date("2026-11-18")) })
	if !errors.Is(err, calendar.ErrNoException) {
		t.Fatalf("B removing A's day: %v", err)
	}
	err = database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		if err := calendar.SetDay(ctx, tx, calendar.Day{Date: date("2026-11-18"), Kind: calendar.Holiday, Note: "День города (перенесён)"}); err != nil {
			return err
		}
		return calendar.RemoveDay(ctx, tx, date("2026-11-21"))
	})
	if err != nil {
		t.Fatal(err)
	}
	days := load(t, db.App, a, "2026-11-01", "2026-11-30").Exceptions()
	if len(days) != 1 || days[0].Note != "День города (перенесён)" || !days[0].Date.Equal(date("2026-11-18")) {
		t.Fatalf("after replace and remove: %+v", days)
	}
}

func TestSetDayRefusesBadDaysAndUnscopedWrites(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	a := newAgency(t, db.App, "AGENCY_A", false)
	err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		return calendar.SetDay(ctx, tx, calendar.Day{Date: date("2026-11-18"), Kind: calendar.Workday})
	})
	if err == nil {
		t.Fatal("a Wednesday stored as a working-day exception")
	}
	err = database.Unscoped(ctx, db.App, func(tx pgx.Tx) error {
		return calendar.SetDay(ctx, tx, calendar.Day{Date: date("2026-11-18"), Kind: calendar.Holiday})
	})
	if err == nil {
		t.Fatal("a day stored without an agency scope")
	}
}

func TestSeedDemoGivesAgenciesTheFederalCalendarOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	a := newAgency(t, db.App, "AGENCY_A", false)
	platform := newAgency(t, db.App, "PLATFORM", true)
	if err := calendar.SeedDemo(ctx, db.App); err != nil {
		t.Fatal(err)
	}
	// An administrator's edit survives a second seeding.
	err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		return calendar.RemoveDay(ctx, tx, date("2026-12-31"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := calendar.SeedDemo(ctx, db.App); err != nil {
		t.Fatal(err)
	}
	c := load(t, db.App, a, "2025-12-31", "2027-12-31")
	want26, _ := calendar.FederalDays(2026)
	want27, _ := calendar.FederalDays(2027)
	if got, want := len(c.Exceptions()), len(want26)+len(want27)-1; got != want {
		t.Fatalf("%d exceptions, want %d (the federal ones but the removed 31 December)", got, want)
	}
	if n, _ := c.WorkingDaysBetween(date("2025-12-31"), date("2026-12-31")); n != 248 {
		t.Fatalf("2026 has %d working days with 31 December worked, want 248", n)
	}
	if days := load(t, db.App, platform, "2026-01-01", "2027-12-31").Exceptions(); len(days) != 0 {
		t.Fatalf("the platform operator got a calendar: %d days", len(days))
	}
}

func TestDueDateFollowsTheAgencyCalendar(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	a := newAgency(t, db.App, "AGENCY_A", false)
	if err := calendar.SeedDemo(ctx, db.App); err != nil {
		t.Fatal(err)
	}
	moscow := time.FixedZone("MSK", 3*3600)
	tests := []struct {
		registered time.Time
		n          int
		want       string
	}{
		{time.Date(2026, 12, 25, 17, 30, 0, 0, moscow), 5, "2027-01-12"},
		{time.Date(2026, 12, 30, 23, 30, 0, 0, moscow), 1, "2027-01-11"},
		{time.Date(2026, 11, 20, 0, 30, 0, 0, moscow), 0, "2026-11-20"},    // still Thursday in UTC
		{time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC), 120, "2027-05-21"}, // counted by hand over the 2026-2027 holidays
	}
	err := database.InAgency(ctx, db.App, a, func(tx pgx.Tx) error {
		for _, tt := range tests {
			due, err := calendar.DueDate(ctx, tx, tt.registered, tt.n)
			if err != nil || !due.Equal(date(tt.want)) {
				t.Errorf("DueDate(%s, %d) = %s, %v; want %s", tt.registered, tt.n, due.Format(time.DateOnly), err, tt.want)
			}
		}
		if _, err := calendar.DueDate(ctx, tx, date("2026-11-19"), -1); err == nil {
			t.Error("negative term accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
