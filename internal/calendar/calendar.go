package calendar

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// DayKind is what an exception makes of a day.
type DayKind string

// Day kinds.
const (
	Holiday DayKind = "holiday" // not worked although Monday to Friday
	Workday DayKind = "workday" // worked although Saturday or Sunday
)

// Day is one exception to the Monday-to-Friday week.
type Day struct {
	Date time.Time `db:"date"` // midnight UTC
	Kind DayKind   `db:"kind"`
	Note string    `db:"note"` // e.g. "Новогодние каникулы", "Перенос с 3 января"
}

// ErrOutsideRange: a date beyond the range the calendar was loaded for.
var ErrOutsideRange = errors.New("date outside the loaded business calendar")

// Calendar answers questions about working days within [from, to].
type Calendar struct {
	from, to   time.Time
	exceptions map[time.Time]Day
}

// Date returns t's calendar date as midnight UTC, read in t's location.
func Date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// New builds a calendar for the dates from..to (inclusive) with these
// exceptions; exceptions outside the range are ignored.
func New(from, to time.Time, days []Day) (*Calendar, error) {
	from, to = Date(from), Date(to)
	if to.Before(from) {
		return nil, fmt.Errorf("calendar range ends %s before it starts %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	c := &Calendar{from: from, to: to, exceptions: map[time.Time]Day{}}
	for _, d := range days {
		if err := d.validate(); err != nil {
			return nil, err
		}
		d.Date = Date(d.Date)
		if c.contains(d.Date) {
			c.exceptions[d.Date] = d
		}
	}
	return c, nil
}

func (d Day) validate() error {
	switch d.Kind {
	case Holiday:
	case Workday:
		if !weekend(Date(d.Date)) {
			return fmt.Errorf("calendar: %s is a %s: only a Saturday or Sunday can be made a working day",
				d.Date.Format(time.DateOnly), d.Date.Weekday())
		}
	default:
		return fmt.Errorf("calendar: day %s has unknown kind %q", d.Date.Format(time.DateOnly), d.Kind)
	}
	if len([]rune(d.Note)) > 300 {
		return fmt.Errorf("calendar: note of %s is longer than 300 characters", d.Date.Format(time.DateOnly))
	}
	return nil
}

func weekend(d time.Time) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

func (c *Calendar) contains(d time.Time) bool { return !d.Before(c.from) && !d.After(c.to) }

func (c *Calendar) inRange(d time.Time) error {
	if !c.contains(d) {
		return fmt.Errorf("%w: %s is not within %s..%s", ErrOutsideRange, d.Format(time.DateOnly),
			c.from.Format(time.DateOnly), c.to.Format(time.DateOnly))
	}
	return nil
}

// working says whether an in-range date is a working day.
func (c *Calendar) working(d time.Time) bool {
	if ex, ok := c.exceptions[d]; ok {
		return ex.Kind == Workday
	}
	return !weekend(d)
}

// IsWorkingDay says whether t's date is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) (bool, error) {
	d := Date(t)
	if err := c.inRange(d); err != nil {
		return false, err
	}
	return c.working(d), nil
}

// AddWorkingDays returns the last day of a term of n working days that
// starts on the day after from (the day of registration does not count).
// A term of 0 days ends on from itself, or on the next working day if from
// is not one.
func (c *Calendar) AddWorkingDays(from time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("calendar: a term cannot be %d working days", n)
	}
	d := Date(from)
	if n == 0 {
		return c.nextWorkingDay(d)
	}
	for counted := 0; counted < n; {
		d = d.AddDate(0, 0, 1)
		if err := c.inRange(d); err != nil {
			return time.Time{}, err
		}
		if c.working(d) {
			counted++
		}
	}
	return d, nil
}

// AddCalendarDays returns the last day of a term of n calendar days that
// starts on the day after from; when that day is not a working day, the term
// ends on the next working day (Civil Code art. 193).
func (c *Calendar) AddCalendarDays(from time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("calendar: a term cannot be %d days", n)
	}
	return c.nextWorkingDay(Date(from).AddDate(0, 0, n))
}

// nextWorkingDay returns d when it is a working day, else the first after it.
func (c *Calendar) nextWorkingDay(d time.Time) (time.Time, error) {
	for {
		if err := c.inRange(d); err != nil {
			return time.Time{}, err
		}
		if c.working(d) {
			return d, nil
		}
		d = d.AddDate(0, 0, 1)
	}
}

// WorkingDaysBetween counts the working days after a up to and including b,
// so that WorkingDaysBetween(a, AddWorkingDays(a, n)) is n. It is negative
// when b is before a.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) (int, error) {
	a, b = Date(a), Date(b)
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	if err := c.inRange(a); err != nil {
		return 0, err
	}
	if err := c.inRange(b); err != nil {
		return 0, err
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.working(d) {
			n++
		}
	}
	return sign * n, nil
}

// Exceptions lists the calendar's exceptions in date order, for the
// administrator's calendar screen.
func (c *Calendar) Exceptions() []Day {
	days := make([]Day, 0, len(c.exceptions))
	for _, d := range c.exceptions {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Date.Before(days[j].Date) })
	return days
}
