package cases_test

import (
	"slices"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/cases"
)

func TestOverdue(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		status cases.Status
		due    time.Time
		want   bool
	}{
		{cases.StatusInProgress, today.AddDate(0, 0, -1), true},
		{cases.StatusInProgress, today, false}, // due today is still in time
		{cases.StatusInProgress, today.AddDate(0, 0, 1), false},
		{cases.StatusAwaitingApplicant, today.AddDate(0, 0, -30), true},
		{cases.StatusResultSent, today.AddDate(0, 0, -1), false}, // closed late is not overdue
		{cases.StatusRefused, today.AddDate(0, 0, -1), false},
		{cases.StatusCancelled, today.AddDate(0, 0, -1), false},
	} {
		if got := cases.Overdue(tc.status, tc.due, today); got != tc.want {
			t.Errorf("Overdue(%s, due %s) = %v, want %v", tc.status, tc.due.Format(time.DateOnly), got, tc.want)
		}
		c := cases.Case{Status: tc.status, DueDate: tc.due}
		if got := c.Overdue(today.Add(23 * time.Hour)); got != tc.want {
			t.Errorf("Case.Overdue late in the day (%s, due %s) = %v, want %v", tc.status, tc.due.Format(time.DateOnly), got, tc.want)
		}
	}
}

func TestFinalStatusesAreFinal(t *testing.T) {
	t.Parallel()
	for _, s := range cases.AllStatuses() {
		if got := slices.Contains(cases.FinalStatuses(), string(s)); got != s.Final() {
			t.Errorf("%s: in FinalStatuses %v, Final %v", s, got, s.Final())
		}
	}
}
