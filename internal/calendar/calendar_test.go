package calendar_test

import (
	"errors"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/calendar"
)

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// federal is the federal calendar of 2026-2027 as the demo seeds it.
func federal(t testing.TB) *calendar.Calendar {
	t.Helper()
	var days []calendar.Day
	for _, y := range []int{2026, 2027} {
		d, err := calendar.FederalDays(y)
		if err != nil {
			t.Fatal(err)
		}
		days = append(days, d...)
	}
	c, err := calendar.New(date("2025-12-01"), date("2027-12-31"), days)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAddWorkingDays(t *testing.T) {
	c := federal(t)
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"ordinary week", "2026-11-19", 5, "2026-11-26"},
		{"the registration day does not count", "2026-11-20", 1, "2026-11-23"},
		{"weekday holiday skipped", "2026-11-03", 1, "2026-11-05"},
		{"into the next month over 1 May", "2026-04-30", 1, "2026-05-04"},
		{"9 May on Saturday moves the day off to Monday", "2026-05-08", 1, "2026-05-12"},
		{"registered on Saturday before 8 March (Sunday)", "2026-03-07", 1, "2026-03-10"},
		{"over 23 February at the end of the month", "2026-02-20", 2, "2026-02-25"},
		{"over the new year and its holidays", "2026-12-25", 5, "2027-01-12"},
		{"31 December 2026 is a transferred day off", "2026-12-30", 1, "2027-01-11"},
		{"a term of 0 ending on a holiday moves to the next working day", "2026-01-01", 0, "2026-01-12"},
		{"a term of 0 on a working day is that day", "2026-11-19", 0, "2026-11-19"},
		{"Labour Code transfer of 12 June 2027 (Saturday)", "2027-06-11", 1, "2027-06-15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AddWorkingDays(date(tt.from), tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(date(tt.want)) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got.Format(time.DateOnly), tt.want)
			}
			if tt.n > 0 {
				back, err := c.WorkingDaysBetween(date(tt.from), got)
				if err != nil || back != tt.n {
					t.Fatalf("WorkingDaysBetween(%s, %s) = %d, %v; want %d", tt.from, tt.want, back, err, tt.n)
				}
			}
		})
	}
}

func TestWorkingSaturdayCounts(t *testing.T) {
	c, err := calendar.New(date("2026-11-01"), date("2026-11-30"), []calendar.Day{
		{Date: date("2026-11-13"), Kind: calendar.Holiday, Note: "Перенос с 14 ноября"},
		{Date: date("2026-11-14"), Kind: calendar.Workday, Note: "Рабочая суббота"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.AddWorkingDays(date("2026-11-12"), 1)
	if err != nil || !got.Equal(date("2026-11-14")) {
		t.Fatalf("after Thursday 12 November: %s, %v; want the working Saturday 14th", got, err)
	}
	got, err = c.AddWorkingDays(date("2026-11-14"), 1)
	if err != nil || !got.Equal(date("2026-11-16")) {
		t.Fatalf("after the working Saturday: %s, %v; want Monday 16th", got, err)
	}
	if ok, err := c.IsWorkingDay(date("2026-11-13")); ok || err != nil {
		t.Fatalf("the transferred Friday is working: %v, %v", ok, err)
	}
}

func TestAddCalendarDays(t *testing.T) {
	c := federal(t)
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-06-01", 10, "2026-06-11"},
		{"2026-11-20", 1, "2026-11-23"},  // Saturday → Monday
		{"2026-04-01", 30, "2026-05-04"}, // 1 May, then the weekend
		{"2026-12-01", 30, "2027-01-11"}, // 31 December off, then the new year holidays
	}
	for _, tt := range tests {
		got, err := c.AddCalendarDays(date(tt.from), tt.n)
		if err != nil || !got.Equal(date(tt.want)) {
			t.Errorf("AddCalendarDays(%s, %d) = %s, %v; want %s", tt.from, tt.n, got.Format(time.DateOnly), err, tt.want)
		}
	}
}

func TestWorkingDaysBetweenMatchesTheProductionCalendar(t *testing.T) {
	c := federal(t)
	tests := []struct {
		a, b string
		want int
	}{
		{"2025-12-31", "2026-12-31", 247}, // the year 2026
		{"2025-12-31", "2026-01-31", 15},  // January 2026
		{"2026-04-30", "2026-05-31", 19},  // May 2026
		{"2026-11-20", "2026-11-20", 0},
		{"2026-11-27", "2026-11-20", -5},
	}
	for _, tt := range tests {
		got, err := c.WorkingDaysBetween(date(tt.a), date(tt.b))
		if err != nil || got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
	}
}

func TestTermsAgreeWithCounting(t *testing.T) {
	c := federal(t)
	for from := date("2026-01-01"); from.Before(date("2027-10-01")); from = from.AddDate(0, 0, 1) {
		for n := 1; n <= 30; n += 7 {
			due, err := c.AddWorkingDays(from, n)
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := c.IsWorkingDay(due); !ok {
				t.Fatalf("term of %d from %s ends on a day off %s", n, from.Format(time.DateOnly), due.Format(time.DateOnly))
			}
			if got, _ := c.WorkingDaysBetween(from, due); got != n {
				t.Fatalf("%d working days from %s end %s, but %d lie between", n, from.Format(time.DateOnly), due.Format(time.DateOnly), got)
			}
			if got, _ := c.WorkingDaysBetween(from, due.AddDate(0, 0, -1)); got != n-1 {
				t.Fatalf("the day before the end of %d days from %s has %d working days", n, from.Format(time.DateOnly), got)
			}
		}
	}
}

func TestDateIsReadInItsOwnZone(t *testing.T) {
	c := federal(t)
	moscow := time.FixedZone("MSK", 3*60*60)
	// 01:00 on Friday 20 November in Moscow is still Thursday in UTC.
	got, err := c.AddWorkingDays(time.Date(2026, 11, 20, 1, 0, 0, 0, moscow), 1)
	if err != nil || !got.Equal(date("2026-11-23")) {
		t.Fatalf("got %s, %v; want 2026-11-23", got, err)
	}
}

func TestRefusals(t *testing.T) {
	c := federal(t)
	if _, err := c.AddWorkingDays(date("2027-12-28"), 5); !errors.Is(err, calendar.ErrOutsideRange) {
		t.Errorf("term past the loaded range: %v", err)
	}
	if _, err := c.WorkingDaysBetween(date("2025-11-30"), date("2026-01-10")); !errors.Is(err, calendar.ErrOutsideRange) {
		t.Errorf("count from before the range: %v", err)
	}
	if _, err := c.IsWorkingDay(date("2028-01-01")); !errors.Is(err, calendar.ErrOutsideRange) {
		t.Errorf("day after the range: %v", err)
	}
	if _, err := c.AddWorkingDays(date("2026-11-20"), -1); err == nil {
		t.Error("negative term accepted")
	}
	if _, err := calendar.New(date("2026-02-01"), date("2026-01-01"), nil); err == nil {
		t.Error("reversed range accepted")
	}
	if _, err := calendar.New(date("2026-01-01"), date("2026-12-31"), []calendar.Day{{Date: date("2026-11-18"), Kind: calendar.Workday}}); err == nil {
		t.Error("a Wednesday made a working day accepted")
	}
	if _, err := calendar.New(date("2026-01-01"), date("2026-12-31"), []calendar.Day{{Date: date("2026-11-18"), Kind: "day-off"}}); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := calendar.FederalDays(2030); err == nil {
		t.Error("unknown year has a federal calendar")
	}
}
