package cases_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/okno-oiv/okno/internal/calendar"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/people"
)

// officeApplication is a paper application of the demo's RNS service that
// passes the office form's checks.
func officeApplication() map[string]string {
	return map[string]string{
		"applicant.kind": "person", "applicant.last_name": "Орлова", "applicant.first_name": "Вера",
		"applicant.middle_name": "Николаевна", "applicant.snils": "112-233-445 95", "applicant.document_number": "123456",
		"applicant.phone": "+7 900 000-00-00", "objectName": "Индивидуальный жилой дом", "cadastralNumber": "77:01:0001001:1234",
		"objectAddress": "г. Москва, ул. Строителей, д. 5", "document.0": "on", "document.1": "on", "document.2": "on", "document.3": "on",
	}
}

// registeringService is a cases service over the world's database that can
// register (it queues outbox jobs), with its clock at now.
func registeringService(t *testing.T, w *world, now time.Time) *cases.Service {
	t.Helper()
	jobs, err := river.NewClient(riverpgxv5.New(w.db.App), &river.Config{Schema: database.RiverSchema})
	if err != nil {
		t.Fatal(err)
	}
	return cases.NewService(cases.Config{Pool: w.db.App, Jobs: jobs, Now: func() time.Time { return now }})
}

// TestRegistrationYearIsTheAgencysLocalYear: on a server whose zone is UTC, a
// case registered at 01:00 Moscow time on 1 January gets the new year's
// number, and its due date counts from 1 January, the agency's day.
func TestRegistrationYearIsTheAgencysLocalYear(t *testing.T) {
	serverZone := time.Local
	time.Local = time.UTC // the server's zone; restored before parallel tests resume
	t.Cleanup(func() { time.Local = serverZone })
	w := newWorld(t)
	ctx := context.Background()
	newYear := time.Date(2026, 12, 31, 22, 0, 0, 0, time.UTC) // 01:00 on 1 January 2027 in Moscow
	svc := registeringService(t, w, newYear)
	st, err := svc.ServiceType(ctx, w.clerk, "RNS")
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.RegisterOffice(ctx, w.clerk, st, officeApplication(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Number, "2027-") {
		t.Errorf("registered at 01:00 MSK on 1 January 2027 as %s, want a 2027 number", c.Number)
	}
	var want time.Time
	err = database.InAgency(ctx, w.db.App, w.a, func(tx pgx.Tx) (err error) {
		want, err = calendar.DueDate(ctx, tx, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), st.DeadlineWorkingDays)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	card, err := svc.Card(ctx, w.clerk, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !card.Case.DueDate.Equal(want) {
		t.Errorf("due %s, want %s (%d working days from 1 January)", card.Case.DueDate.Format(time.DateOnly), want.Format(time.DateOnly), st.DeadlineWorkingDays)
	}
	if got := card.Today.Format(time.DateOnly); got != "2027-01-01" {
		t.Errorf("the card's today is %s, want 2027-01-01", got)
	}
}

// TestTodayIsTheAgencysDay: at 15:00 UTC on 12 March it is already 13 March
// in Vladivostok, so a case due on 12 March is overdue there (in the list,
// in the overdue filter and in the export) and not in Moscow.
func TestTodayIsTheAgencysDay(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.exec(`UPDATE agencies SET time_zone = 'Asia/Vladivostok' WHERE id = $1`, w.b)
	w.add(spec{agency: w.a, number: "A-1", due: "2026-03-12"})
	w.add(spec{agency: w.b, number: "B-1", due: "2026-03-12"})
	svc := registeringService(t, w, time.Date(2026, 3, 12, 15, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name    string
		by      *people.Principal
		overdue bool
	}{{"A-1", w.clerk, false}, {"B-1", w.clerkB, true}} {
		by := tc.by
		page, err := svc.List(ctx, by, cases.Filter{Sort: cases.SortDue})
		if err != nil || len(page.Rows) != 1 {
			t.Fatalf("%s: %v, %d rows", tc.name, err, len(page.Rows))
		}
		if page.Rows[0].Overdue != tc.overdue {
			t.Errorf("%s overdue %v, want %v", tc.name, page.Rows[0].Overdue, tc.overdue)
		}
		f, _ := cases.ParseFilter(map[string][]string{"deadline": {"overdue"}})
		filtered, err := svc.List(ctx, by, f)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(filtered.Rows) == 1; got != tc.overdue {
			t.Errorf("%s in the overdue filter: %v, want %v", tc.name, got, tc.overdue)
		}
		var csv strings.Builder
		if err := svc.Export(ctx, by, cases.Filter{Sort: cases.SortDue}, &csv); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(csv.String(), ";да\r\n"); got != tc.overdue {
			t.Errorf("%s overdue in the export: %v, want %v\n%s", tc.name, got, tc.overdue, csv.String())
		}
	}
}

// TestAgencyTimeZoneIsValidated: the database refuses a zone it does not know.
func TestAgencyTimeZoneIsValidated(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, err := w.owner.Exec(context.Background(), `UPDATE agencies SET time_zone = 'Europe/Atlantis' WHERE id = $1`, w.a); err == nil ||
		!strings.Contains(err.Error(), "23514") {
		t.Fatalf("an unknown zone: %v, want a check violation", err)
	}
	var zone string
	if err := w.owner.QueryRow(context.Background(), `SELECT time_zone FROM agencies WHERE id = $1`, w.a).Scan(&zone); err != nil || zone != "Europe/Moscow" {
		t.Fatalf("zone %q, %v; want the default Europe/Moscow", zone, err)
	}
}

// TestOverdueSQLAgreesWithGo: for every status and a due date before, on
// and after today, the registry's overdue filter selects exactly the cases
// cases.Overdue calls overdue, and every row's mark says the same.
func TestOverdueSQLAgreesWithGo(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	today := calendar.Date(registryNow.In(time.FixedZone("MSK", 3*3600)))
	var want []string
	for _, st := range cases.AllStatuses() {
		for _, due := range []time.Time{today.AddDate(0, 0, -1), today, today.AddDate(0, 0, 1)} {
			number := string(st) + "/" + due.Format(time.DateOnly)
			w.add(spec{number: number, status: st, due: due.Format(time.DateOnly)})
			if cases.Overdue(st, due, today) {
				want = append(want, number)
			}
		}
	}
	if len(want) != len(cases.AllStatuses())-len(cases.FinalStatuses()) {
		t.Fatalf("Go calls %d cases overdue: %v", len(want), want)
	}
	if got := numbers(w.list(w.clerk, "deadline=overdue")); !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("the overdue filter selects %v, Go says %v", got, want)
	}
	for _, r := range w.list(w.clerk, "") {
		if r.Overdue != slices.Contains(want, r.Number) {
			t.Errorf("%s: overdue mark %v", r.Number, r.Overdue)
		}
	}
}

// TestClosingFollowsFinal: a move into a final status (and only those) sets
// the case's closing time, by Status.Final and no list of its own.
func TestClosingFollowsFinal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	svc := registeringService(t, w, registryNow)
	for _, to := range cases.AllStatuses() {
		id := w.add(spec{number: "M-" + string(to), status: cases.StatusOnApproval})
		err := database.InAgency(ctx, w.db.App, w.a, func(tx pgx.Tx) error {
			from, err := cases.LockCase(ctx, tx, id)
			if err != nil {
				return err
			}
			return svc.Move(ctx, tx, w.a, id, from, to, cases.PersonActor(w.head), cases.Note{})
		})
		if err != nil {
			t.Fatal(err)
		}
		var closed, signed bool
		if err := w.owner.QueryRow(ctx, `SELECT closed_at IS NOT NULL, decision_signed_at IS NOT NULL FROM cases WHERE id = $1`, id).
			Scan(&closed, &signed); err != nil {
			t.Fatal(err)
		}
		if closed != to.Final() || signed != (to == cases.StatusDecisionSigned) {
			t.Errorf("moved to %s: closed %v, signed %v", to, closed, signed)
		}
	}
}
