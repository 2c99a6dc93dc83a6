package calendar

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/database"
)

// federalDay is one line of the federal production calendar.
type federalDay struct {
	month time.Month
	day   int
	kind  DayKind
	note  string
}

// Notes of the federal holidays (Labour Code art. 112).
const (
	newYear     = "Новогодние каникулы"
	christmas   = "Рождество Христово"
	defender    = "День защитника Отечества"
	womensDay   = "Международный женский день"
	springDay   = "Праздник Весны и Труда"
	victoryDay  = "День Победы"
	russiaDay   = "День России"
	unityDay    = "День народного единства"
	transferred = "Перенесённый выходной день: "
)

// federalCalendars are data to keep up to date, not rules: each year's
// transfers are set by a government decree published the autumn before.
//
// 2026 follows the decree of 24 September 2025: the days off of Saturday 3
// and Sunday 4 January move to Friday 9 January and Thursday 31 December;
// 8 March, 9 May fall on weekends and move to the next Monday (art. 112).
//
// 2027 holds the holidays and the transfers art. 112 makes by itself (1 and
// 9 May, 12 June fall on weekends). The decree moving the days off of
// Saturday 2 and Sunday 3 January was not known when this was written: add
// its two days (and any working Saturday it sets) when it is published.
var federalCalendars = map[int][]federalDay{
	2026: {
		{time.January, 1, Holiday, newYear}, {time.January, 2, Holiday, newYear},
		{time.January, 3, Holiday, newYear}, {time.January, 4, Holiday, newYear},
		{time.January, 5, Holiday, newYear}, {time.January, 6, Holiday, newYear},
		{time.January, 7, Holiday, christmas}, {time.January, 8, Holiday, newYear},
		{time.January, 9, Holiday, transferred + "с 3 января"},
		{time.February, 23, Holiday, defender},
		{time.March, 8, Holiday, womensDay}, {time.March, 9, Holiday, transferred + "с 8 марта"},
		{time.May, 1, Holiday, springDay},
		{time.May, 9, Holiday, victoryDay}, {time.May, 11, Holiday, transferred + "с 9 мая"},
		{time.June, 12, Holiday, russiaDay},
		{time.November, 4, Holiday, unityDay},
		{time.December, 31, Holiday, transferred + "с 4 января"},
	},
	2027: {
		{time.January, 1, Holiday, newYear}, {time.January, 2, Holiday, newYear},
		{time.January, 3, Holiday, newYear}, {time.January, 4, Holiday, newYear},
		{time.January, 5, Holiday, newYear}, {time.January, 6, Holiday, newYear},
		{time.January, 7, Holiday, christmas}, {time.January, 8, Holiday, newYear},
		{time.February, 23, Holiday, defender},
		{time.March, 8, Holiday, womensDay},
		{time.May, 1, Holiday, springDay}, {time.May, 3, Holiday, transferred + "с 1 мая"},
		{time.May, 9, Holiday, victoryDay}, {time.May, 10, Holiday, transferred + "с 9 мая"},
		{time.June, 12, Holiday, russiaDay}, {time.June, 14, Holiday, transferred + "с 12 июня"},
		{time.November, 4, Holiday, unityDay},
	},
}

// FederalDays returns the federal calendar's exceptions for a year Okno
// knows (2026 and 2027).
func FederalDays(year int) ([]Day, error) {
	lines, ok := federalCalendars[year]
	if !ok {
		return nil, fmt.Errorf("calendar: the federal calendar of %d is not known; enter its days by hand", year)
	}
	days := make([]Day, 0, len(lines))
	for _, l := range lines {
		days = append(days, Day{Date: time.Date(year, l.month, l.day, 0, 0, 0, 0, time.UTC), Kind: l.kind, Note: l.note})
	}
	return days, nil
}

// SeedDemo gives every agency except the platform operator the federal
// calendar of 2026 and 2027. A year in which an agency already has any day
// is left as it is, so seeding twice, or after an administrator's edits
// (a removed day included), changes nothing.
func SeedDemo(ctx context.Context, pool *pgxpool.Pool) error {
	var agencies []uuid.UUID
	err := database.Unscoped(ctx, pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM agencies WHERE NOT is_platform ORDER BY code`)
		if err != nil {
			return err
		}
		agencies, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	if err != nil {
		return fmt.Errorf("calendar: seed demo: list agencies: %w", err)
	}
	for _, id := range agencies {
		err := database.InAgency(ctx, pool, id, func(tx pgx.Tx) error {
			for _, year := range []int{2026, 2027} {
				if err := seedYear(ctx, tx, year); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("calendar: seed demo calendar of agency %s: %w", id, err)
		}
	}
	return nil
}

// seedYear stores the federal days of a year the agency has no days of.
func seedYear(ctx context.Context, tx pgx.Tx, year int) error {
	var has bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM business_days WHERE day BETWEEN @first AND @last)`,
		pgx.NamedArgs{"first": time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC), "last": time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC)}).Scan(&has); err != nil {
		return fmt.Errorf("look for days of %d: %w", year, err)
	}
	if has {
		return nil
	}
	days, err := FederalDays(year)
	if err != nil {
		return err
	}
	for _, d := range days {
		if err := SetDay(ctx, tx, d); err != nil {
			return err
		}
	}
	return nil
}
