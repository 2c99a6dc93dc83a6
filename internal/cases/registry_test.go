package cases_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/calendar"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/database/dbtest"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/validation"
)

// registryNow is Thursday 12 March 2026, 10:00 in Moscow: two working days
// from it end on Monday 16 March, across a weekend.
var registryNow = time.Date(2026, 3, 12, 7, 0, 0, 0, time.UTC)

// world is two agencies with people, service types, the federal calendar
// and a cases service over a fresh database.
type world struct {
	t     *testing.T
	db    dbtest.DB
	svc   *cases.Service
	owner *pgx.Conn

	a, b       uuid.UUID // agencies
	deptPermit uuid.UUID // of A
	deptOpen   uuid.UUID // of A
	rns, okn   uuid.UUID // service types of A
	rnsB       uuid.UUID // service type of B

	clerk, clerk2, head, admin *people.Principal // of A
	clerkB                     *people.Principal
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db := dbtest.New(t)
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close(context.Background()) })
	w := &world{t: t, db: db, owner: owner,
		svc: cases.NewService(cases.Config{Pool: db.App, Now: func() time.Time { return registryNow }})}
	w.a = w.agency("AGENCY_A", "Министерство строительства")
	w.b = w.agency("AGENCY_B", "Комитет по охране наследия")
	w.deptPermit = w.department(w.a, "Отдел разрешений на строительство")
	w.deptOpen = w.department(w.a, "Отдел ввода объектов")
	deptB := w.department(w.b, "Отдел согласования")
	w.clerk = w.person(w.a, "a.clerk", "Иванова Мария Сергеевна", people.RoleClerk, &w.deptPermit)
	w.clerk2 = w.person(w.a, "a.clerk2", "Орлов Пётр Ильич", people.RoleClerk, &w.deptOpen)
	w.head = w.person(w.a, "a.head", "Петров Алексей Николаевич", people.RoleHead, &w.deptPermit)
	w.admin = w.person(w.a, "a.admin", "Кузнецова Ольга Игоревна", people.RoleAgencyAdmin, nil)
	w.clerkB = w.person(w.b, "b.clerk", "Смирнов Дмитрий Олегович", people.RoleClerk, &deptB)

	types := append(forms.DemoServiceTypes("MINSTROY"), forms.DemoServiceTypes("OKN")...)
	w.rns, w.okn = types[0].ID, types[1].ID
	w.serviceTypes(w.a, types)
	typeB := forms.DemoServiceTypes("MINSTROY")[0]
	typeB.ID = uuid.New()
	w.rnsB = typeB.ID
	w.serviceTypes(w.b, []forms.ServiceType{typeB})
	if err := calendar.SeedDemo(ctx, db.App); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	if _, err := w.owner.Exec(context.Background(), sql, args...); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

func (w *world) agency(code, name string) uuid.UUID {
	id := uuid.New()
	w.exec(`INSERT INTO agencies (id, code, name, short_name) VALUES ($1, $2, $3, $3)`, id, code, name)
	return id
}

func (w *world) department(agency uuid.UUID, name string) uuid.UUID {
	id := uuid.New()
	w.exec(`INSERT INTO departments (agency_id, id, name) VALUES ($1, $2, $3)`, agency, id, name)
	return id
}

func (w *world) person(agency uuid.UUID, login, name string, role people.Role, dept *uuid.UUID) *people.Principal {
	u := people.User{AgencyID: agency, ID: uuid.New(), Login: login, FullName: name, Role: role, DepartmentID: dept}
	w.exec(`INSERT INTO users (agency_id, id, login, full_name, role, department_id, password_hash) VALUES ($1, $2, $3, $4, $5, $6, 'unused')`,
		agency, u.ID, login, name, role, dept)
	return &people.Principal{User: u, Agency: people.Agency{ID: agency}}
}

func (w *world) serviceTypes(agency uuid.UUID, types []forms.ServiceType) {
	w.t.Helper()
	err := database.InAgency(context.Background(), w.db.App, agency, func(tx pgx.Tx) error {
		for _, st := range types {
			st.AgencyID = agency
			if err := forms.Insert(context.Background(), tx, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// spec is a case as the registry sees it; zero fields get plain defaults.
type spec struct {
	agency    uuid.UUID
	number    string
	applicant string
	status    cases.Status
	service   uuid.UUID
	dept      *uuid.UUID
	executor  *uuid.UUID
	received  time.Time
	due       string // YYYY-MM-DD
	fields    map[string]string
	// person is the applicant's JSON (forms.Applicant): an organisation's
	// holds its representative's name parts.
	person map[string]string
}

// add inserts a case row directly: the registry reads cases, however they
// were registered.
func (w *world) add(s spec) uuid.UUID {
	w.t.Helper()
	if s.agency == uuid.Nil {
		s.agency = w.a
	}
	if s.service == uuid.Nil {
		s.service = w.rns
		if s.agency == w.b {
			s.service = w.rnsB
		}
	}
	if s.status == "" {
		s.status = cases.StatusInProgress
	}
	if s.received.IsZero() {
		s.received = registryNow.AddDate(0, 0, -3)
	}
	if s.due == "" {
		s.due = "2026-03-20"
	}
	if s.applicant == "" {
		s.applicant = "Заявитель Обычный"
	}
	due, err := time.Parse(time.DateOnly, s.due)
	if err != nil {
		w.t.Fatal(err)
	}
	fields, _ := json.Marshal(s.fields)
	if s.fields == nil {
		fields = []byte("{}")
	}
	person, _ := json.Marshal(s.person)
	if s.person == nil {
		person = []byte("{}")
	}
	id := uuid.New()
	w.exec(`INSERT INTO cases (agency_id, id, number, service_type_id, service_type_version, status, channel, applicant_kind,
			applicant_name, applicant, fields, received_at, registered_at, due_date, department_id, executor_id)
		VALUES ($1, $2, $3, $4, 1, $5, 'portal', 'person', $6, $12, $7, $8, $8, $9, $10, $11)`,
		s.agency, id, s.number, s.service, s.status, s.applicant, fields, s.received, due, s.dept, s.executor, person)
	return id
}

func (w *world) list(by *people.Principal, query string) []cases.Row {
	w.t.Helper()
	q, err := url.ParseQuery(query)
	if err != nil {
		w.t.Fatal(err)
	}
	f, problems := cases.ParseFilter(q)
	if problems != nil {
		w.t.Fatalf("filter %q: %v", query, problems)
	}
	page, err := w.svc.List(context.Background(), by, f)
	if err != nil {
		w.t.Fatalf("list %q: %v", query, err)
	}
	return page.Rows
}

func numbers(rows []cases.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Number
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func TestRegistryFilters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	me, other := w.clerk.User.ID, w.clerk2.User.ID
	w.add(spec{number: "R-1", status: cases.StatusRegistered, due: "2026-03-05"})                                     // overdue
	w.add(spec{number: "R-2", status: cases.StatusInProgress, dept: &w.deptPermit, executor: &me, due: "2026-03-12"}) // due today
	w.add(spec{number: "R-3", status: cases.StatusInProgress, dept: &w.deptOpen, executor: &other, due: "2026-03-15"})
	w.add(spec{number: "R-4", status: cases.StatusOnApproval, service: w.okn, dept: &w.deptPermit, due: "2026-03-16"})
	w.add(spec{number: "R-5", status: cases.StatusInProgress, service: w.okn, due: "2026-03-17"})
	w.add(spec{number: "R-6", status: cases.StatusResultSent, due: "2026-03-01"}) // closed late: not overdue
	w.add(spec{number: "R-7", status: cases.StatusRefused, due: "2026-03-14",
		received: time.Date(2026, 3, 1, 20, 30, 0, 0, time.UTC)}) // 1 March 23:30 in Moscow
	w.add(spec{number: "R-8", status: cases.StatusAwaitingApplicant, executor: &me, due: "2026-04-01",
		received: time.Date(2026, 3, 1, 21, 30, 0, 0, time.UTC)}) // 2 March 00:30 in Moscow
	w.add(spec{agency: w.b, number: "B-1", due: "2026-03-05"})

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"R-1", "R-2", "R-3", "R-4", "R-5", "R-6", "R-7", "R-8"}},
		{"status=in_progress", []string{"R-2", "R-3", "R-5"}},
		{"status=open", []string{"R-1", "R-2", "R-3", "R-4", "R-5", "R-8"}},
		{"status=refused&status=result_sent", []string{"R-6", "R-7"}},
		{"service_type=" + w.okn.String(), []string{"R-4", "R-5"}},
		{"department=" + w.deptPermit.String(), []string{"R-2", "R-4"}},
		{"executor=" + me.String(), []string{"R-2", "R-8"}},
		{"executor=" + me.String() + "&status=in_progress", []string{"R-2"}},
		{"deadline=overdue", []string{"R-1"}},
		// Two working days from Thursday 12 March end on Monday 16 March.
		{"deadline=soon&within=2", []string{"R-2", "R-3", "R-4"}},
		{"deadline=soon&within=0", []string{"R-2"}},
		{"deadline=soon&within=3", []string{"R-2", "R-3", "R-4", "R-5"}},
		{"received_from=2026-03-02", []string{"R-1", "R-2", "R-3", "R-4", "R-5", "R-6", "R-8"}},
		{"received_to=2026-03-01", []string{"R-7"}}, // R-8 came on 1 March by UTC, 2 March in Moscow
		{"received_from=2026-03-01&received_to=2026-03-02", []string{"R-7", "R-8"}},
		{"department=" + uuid.NewString(), []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := sorted(numbers(w.list(w.clerk, tt.query)))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}

	rows := w.list(w.head, "")
	for _, r := range rows {
		if r.Overdue != (r.Number == "R-1") {
			t.Errorf("%s: overdue %v", r.Number, r.Overdue)
		}
		if r.Number == "R-2" && (r.ExecutorName != "Иванова Мария Сергеевна" || r.DepartmentName != "Отдел разрешений на строительство" ||
			r.ServiceTitle != "Выдача разрешения на строительство" || r.Status != cases.StatusInProgress) {
			t.Errorf("R-2 row: %+v", r)
		}
	}
}

func TestRegistrySortOrders(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	w.add(spec{number: "2026-RNS-000003", due: "2026-03-20", received: base.Add(1 * time.Hour)})
	w.add(spec{number: "2026-RNS-000001", due: "2026-03-18", received: base.Add(3 * time.Hour)})
	w.add(spec{number: "2026-RNS-000004", due: "2026-03-25", received: base.Add(2 * time.Hour)})
	w.add(spec{number: "2026-RNS-000002", due: "2026-03-16", received: base})
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"2026-RNS-000002", "2026-RNS-000001", "2026-RNS-000003", "2026-RNS-000004"}},
		{"sort=due", []string{"2026-RNS-000002", "2026-RNS-000001", "2026-RNS-000003", "2026-RNS-000004"}},
		{"sort=received", []string{"2026-RNS-000001", "2026-RNS-000004", "2026-RNS-000003", "2026-RNS-000002"}},
		{"sort=number", []string{"2026-RNS-000001", "2026-RNS-000002", "2026-RNS-000003", "2026-RNS-000004"}},
	}
	for _, tt := range tests {
		if got := numbers(w.list(w.clerk, tt.query)); !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestRegistrySearch(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add(spec{number: "2026-RNS-000123", applicant: "Иванов Сергей Петрович",
		fields: map[string]string{"objectName": "Строительство жилого дома", "objectAddress": "г. Казань, ул. Баумана, 5"}})
	w.add(spec{number: "2026-RNS-004560", applicant: "ООО «Ромашка»",
		fields: map[string]string{"objectName": "Реконструкция склада"}})
	w.add(spec{number: "2026-RNS-000777", applicant: "Сидорова Анна Ивановна",
		fields: map[string]string{"objectName": "Гараж 50% готовности"}})
	w.add(spec{agency: w.b, number: "2026-RNS-000124", applicant: "Иванов Иван Иванович",
		fields: map[string]string{"objectName": "Строительство школы"}})
	tests := []struct {
		q    string
		want []string
	}{
		{"строительства", []string{"2026-RNS-000123"}}, // morphology: another case of the same word
		{"строительство дома", []string{"2026-RNS-000123"}},
		{"Сергею Петровичу", []string{"2026-RNS-000123"}},
		{"ромашка", []string{"2026-RNS-004560"}},
		{"склад -реконструкция", []string{}},
		{"Баумана", []string{"2026-RNS-000123"}},
		{"000123", []string{"2026-RNS-000123"}}, // a fragment of the number
		{"0045", []string{"2026-RNS-004560"}},
		{"RNS-0007", []string{"2026-RNS-000777"}},
		{"Сидоров", []string{"2026-RNS-000777"}},
		{"50%", []string{"2026-RNS-000777"}}, // % is a character, not a wildcard
		{"%%%", []string{}},
		{"школы", []string{}}, // only in agency B
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got := sorted(numbers(w.list(w.clerk, "q="+url.QueryEscape(tt.q))))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// An organisation's case is found by its representative's name, and any
// case by the applicant's e-mail, whole or in part; never another agency's.
func TestRegistrySearchFindsRepresentativeAndEmail(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add(spec{number: "2026-RNS-000201", applicant: "ООО «Ромашка»",
		person: map[string]string{"organization_name": "ООО «Ромашка»", "last_name": "Кузнецова", "first_name": "Мария",
			"middle_name": "Олеговна", "email": "office@romashka.example"}})
	w.add(spec{number: "2026-RNS-000202", applicant: "Петров Пётр Петрович",
		person: map[string]string{"last_name": "Петров", "first_name": "Пётр", "email": "petrov.p@mail.example"}})
	w.add(spec{agency: w.b, number: "2026-RNS-000203", applicant: "ООО «Лютик»",
		person: map[string]string{"last_name": "Кузнецова", "email": "office@romashka.example"}})
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"Кузнецова", []string{"2026-RNS-000201"}},
		{"Кузнецовой Марии", []string{"2026-RNS-000201"}}, // the name declined, by full text
		{"Кузнец", []string{"2026-RNS-000201"}},           // a fragment, by trigrams
		{"office@romashka.example", []string{"2026-RNS-000201"}},
		{"petrov.p@", []string{"2026-RNS-000202"}},
		{"mail.example", []string{"2026-RNS-000202"}},
	} {
		t.Run(tt.q, func(t *testing.T) {
			got := sorted(numbers(w.list(w.clerk, "q="+url.QueryEscape(tt.q))))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRegistryKeysetPaging walks every sort order page by page over cases
// that share due dates and received instants, and must meet every case
// exactly once, in the order of one unpaged read.
func TestRegistryKeysetPaging(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const total = 2*cases.PageSize + 17
	received := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range total {
		w.add(spec{number: fmt.Sprintf("2026-RNS-%06d", total-i), due: fmt.Sprintf("2026-03-%02d", 16+i%3),
			received: received.Add(time.Duration(i%5) * time.Minute)})
	}
	for _, order := range cases.Sorts() {
		t.Run(string(order), func(t *testing.T) {
			var seen []cases.Row
			f, _ := cases.ParseFilter(url.Values{"sort": {string(order)}})
			pages := 0
			for {
				page, err := w.svc.List(context.Background(), w.clerk, f)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				seen = append(seen, page.Rows...)
				if page.Next == "" {
					break
				}
				if len(page.Rows) != cases.PageSize {
					t.Fatalf("page %d has %d rows and a next page", pages, len(page.Rows))
				}
				q := f.Query()
				q.Set("after", page.Next)
				var problems validation.Errors
				if f, problems = cases.ParseFilter(q); problems != nil {
					t.Fatal(problems)
				}
			}
			if pages != 3 || len(seen) != total {
				t.Fatalf("%d pages, %d rows; want 3 pages, %d rows", pages, len(seen), total)
			}
			ids := map[uuid.UUID]bool{}
			for _, r := range seen {
				if ids[r.ID] {
					t.Fatalf("case %s shown twice", r.Number)
				}
				ids[r.ID] = true
			}
			less := map[cases.Sort]func(a, b cases.Row) int{
				// Cases due the same day by number: the numbers were
				// registered in the reverse order of the ids' making.
				cases.SortDue: func(a, b cases.Row) int {
					return cmpOr(a.DueDate.Compare(b.DueDate), strings.Compare(a.Number, b.Number))
				},
				cases.SortReceived: func(a, b cases.Row) int {
					return cmpOr(b.ReceivedAt.Compare(a.ReceivedAt), bytes.Compare(a.ID[:], b.ID[:]))
				},
				cases.SortNumber: func(a, b cases.Row) int { return strings.Compare(a.Number, b.Number) },
			}[order]
			if !slices.IsSortedFunc(seen, less) {
				t.Fatalf("pages out of %s order: %v", order, numbers(seen))
			}
		})
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func TestParseFilterRejectsBadInput(t *testing.T) {
	t.Parallel()
	dueCursor := func() string {
		w := newWorld(t)
		for i := range cases.PageSize + 1 {
			w.add(spec{number: fmt.Sprintf("N-%03d", i)})
		}
		page, err := w.svc.List(context.Background(), w.clerk, cases.Filter{Sort: cases.SortDue})
		if err != nil || page.Next == "" {
			t.Fatalf("no next page: %v", err)
		}
		return page.Next
	}()
	tests := []struct {
		query string
		field string
	}{
		{"status=lost", "status"},
		{"service_type=42", "service_type"},
		{"department=x", "department"},
		{"executor=" + strings.Repeat("a", 40), "executor"},
		{"received_from=12.03.2026", "received_from"},
		{"received_to=2026-02-30", "received_to"},
		{"received_from=2026-03-10&received_to=2026-03-01", "received_to"},
		{"deadline=tomorrow", "deadline"},
		{"deadline=soon&within=61", "within"},
		{"deadline=soon&within=-1", "within"},
		{"q=" + strings.Repeat("я", 201), "q"},
		{"sort=applicant", "sort"},
		{"after=!!!", "after"},
		{"after=" + dueCursor + "&sort=number", "after"}, // a cursor of another order
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			f, problems := cases.ParseFilter(q)
			if len(problems) != 1 || problems[tt.field] == "" {
				t.Fatalf("problems %v, want one for %s", problems, tt.field)
			}
			if f.After != "" {
				t.Fatal("a rejected filter kept its cursor")
			}
		})
	}
	if _, problems := cases.ParseFilter(url.Values{"after": {dueCursor}}); problems != nil {
		t.Fatalf("own cursor refused: %v", problems)
	}
}

func TestFilterQueryRoundTrips(t *testing.T) {
	t.Parallel()
	dept, exec, st := uuid.New(), uuid.New(), uuid.New()
	queries := []string{
		"",
		"status=open",
		"status=in_progress&status=refused",
		"service_type=" + st.String() + "&department=" + dept.String() + "&executor=" + exec.String(),
		"received_from=2026-01-01&received_to=2026-01-31",
		"deadline=overdue",
		"deadline=soon&within=7",
		"q=" + url.QueryEscape("дом на Баумана"),
		"sort=received",
		"sort=number&status=cancelled",
	}
	for _, raw := range queries {
		q, _ := url.ParseQuery(raw)
		f, problems := cases.ParseFilter(q)
		if problems != nil {
			t.Fatalf("%q: %v", raw, problems)
		}
		again, problems := cases.ParseFilter(f.Query())
		if problems != nil {
			t.Fatalf("%q: %v", raw, problems)
		}
		if got, want := again.Query().Encode(), q.Encode(); got != want {
			t.Errorf("%q: query %q, want %q", raw, got, want)
		}
	}
}

func TestRegistryIsForClerksAndHeads(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add(spec{number: "R-1"})
	ctx := context.Background()
	for _, p := range []*people.Principal{w.clerk, w.head} {
		if rows := w.list(p, ""); len(rows) != 1 {
			t.Errorf("%s sees %d cases", p.User.Role, len(rows))
		}
	}
	platform := &people.Principal{User: people.User{ID: uuid.New(), Role: people.RolePlatformAdmin}, Agency: people.Agency{ID: w.a}}
	for _, p := range []*people.Principal{w.admin, platform, nil} {
		if _, err := w.svc.List(ctx, p, cases.Filter{}); !errors.Is(err, cases.ErrForbidden) {
			t.Errorf("list by %v: %v", p, err)
		}
		if err := w.svc.Export(ctx, p, cases.Filter{}, &bytes.Buffer{}); !errors.Is(err, cases.ErrForbidden) {
			t.Errorf("export by %v: %v", p, err)
		}
		if _, err := w.svc.SaveFilter(ctx, p, "мой", cases.Filter{}); !errors.Is(err, cases.ErrForbidden) {
			t.Errorf("save filter by %v: %v", p, err)
		}
	}
}

func TestRegistryKeepsAgenciesApart(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add(spec{number: "2026-RNS-000001", applicant: "Иванов Сергей", fields: map[string]string{"objectName": "Строительство моста"}})
	w.add(spec{agency: w.b, number: "2026-RNS-000002", applicant: "Петров Иван"})
	for _, q := range []string{"", "q=" + url.QueryEscape("Иванов"), "q=000001", "q=" + url.QueryEscape("моста"), "status=open"} {
		if got := numbers(w.list(w.clerkB, q)); slices.Contains(got, "2026-RNS-000001") {
			t.Errorf("agency B's clerk finds A's case with %q: %v", q, got)
		}
	}
	if got := numbers(w.list(w.clerkB, "")); !slices.Equal(got, []string{"2026-RNS-000002"}) {
		t.Errorf("agency B's registry: %v", got)
	}
	var out bytes.Buffer
	if err := w.svc.Export(context.Background(), w.clerkB, cases.Filter{Sort: cases.SortDue}, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "000001") || !strings.Contains(out.String(), "000002") {
		t.Errorf("agency B's export:\n%s", out.String())
	}
	// A principal naming agency A's executor still reads only its own agency.
	f, _ := cases.ParseFilter(url.Values{"executor": {w.clerk.User.ID.String()}})
	if page, err := w.svc.List(context.Background(), w.clerkB, f); err != nil || len(page.Rows) != 0 {
		t.Errorf("B filtering by A's executor: %v %v", page.Rows, err)
	}
}

func TestExportWritesEveryMatchingRowForExcel(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	me := w.clerk.User.ID
	const n = cases.PageSize + 5
	for i := range n {
		w.add(spec{number: fmt.Sprintf("2026-RNS-%06d", i+1), executor: &me, dept: &w.deptPermit,
			received: time.Date(2026, 3, 2, 6, 15, 0, 0, time.UTC), due: "2026-03-10"})
	}
	w.add(spec{number: "2026-RNS-999999", applicant: "=HYPERLINK(\"http://x\";\"Жми\")", status: cases.StatusResultSent})
	w.add(spec{number: "2026-RNS-888888", status: cases.StatusRefused})

	var out bytes.Buffer
	f, _ := cases.ParseFilter(url.Values{"status": {"in_progress", "result_sent"}})
	if err := w.svc.Export(context.Background(), w.clerk, f, &out); err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(out.Bytes(), []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Fatal("no UTF-8 byte order mark")
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Error("lines not ended with CRLF")
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = ';'
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Номер", "Услуга", "Статус", "Заявитель", "Поступило", "Срок", "Отдел", "Исполнитель", "Просрочено"}; !slices.Equal(records[0], want) {
		t.Fatalf("header %v", records[0])
	}
	if len(records) != 1+n+1 {
		t.Fatalf("%d rows, want %d (every page, not one)", len(records)-1, n+1)
	}
	first := records[slices.IndexFunc(records, func(r []string) bool { return r[0] == "2026-RNS-000001" })]
	want := []string{"2026-RNS-000001", "Выдача разрешения на строительство", "В работе", "Заявитель Обычный",
		"02.03.2026 09:15", "10.03.2026", "Отдел разрешений на строительство", "Иванова Мария Сергеевна", "да"}
	if !slices.Equal(first, want) {
		t.Errorf("first row %v, want %v", first, want)
	}
	last := records[len(records)-1]
	if last[0] != "2026-RNS-999999" || last[3] != "'=HYPERLINK(\"http://x\";\"Жми\")" || last[8] != "" {
		t.Errorf("closed case with a formula for a name: %v", last)
	}
	if strings.Contains(out.String(), "888888") {
		t.Error("a case outside the filter was exported")
	}
	var audited int
	if err := w.owner.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'case.export' AND agency_id = $1`, w.a).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("export audited %d times: %v", audited, err)
	}
}

func TestSavedFiltersBelongToTheirUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	me := w.clerk.User.ID
	w.add(spec{number: "R-1", executor: &me, due: "2026-03-01"})
	w.add(spec{number: "R-2", executor: &me})
	w.add(spec{number: "R-3"})

	overdue, _ := cases.ParseFilter(url.Values{"deadline": {"overdue"}, "executor": {me.String()}})
	overdue.After = "ignored"
	saved, err := w.svc.SaveFilter(ctx, w.clerk, "  Мои   просроченные ", overdue)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Name != "Мои просроченные" {
		t.Errorf("name %q", saved.Name)
	}
	if _, err := w.svc.SaveFilter(ctx, w.clerk, "Все", cases.Filter{}); err != nil {
		t.Fatal(err)
	}
	var problems validation.Errors
	if _, err := w.svc.SaveFilter(ctx, w.clerk, "мои ПРОСРОЧЕННЫЕ", overdue); err != nil {
		t.Fatalf("names differ in case only: %v", err)
	}
	for name, field := range map[string]string{"Мои просроченные": "name", "   ": "name", strings.Repeat("ф", 101): "name"} {
		if _, err := w.svc.SaveFilter(ctx, w.clerk, name, overdue); !errors.As(err, &problems) || problems[field] == "" {
			t.Errorf("save %q: %v", name, err)
		}
	}
	// Another user of the same agency may use the same name.
	if _, err := w.svc.SaveFilter(ctx, w.clerk2, "Мои просроченные", cases.Filter{}); err != nil {
		t.Fatal(err)
	}

	mine, err := w.svc.SavedFilters(ctx, w.clerk)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, s := range mine {
		got[s.Name] = s.Count
	}
	if want := map[string]int{"Все": 3, "Мои просроченные": 1, "мои ПРОСРОЧЕННЫЕ": 1}; !maps.Equal(got, want) {
		t.Errorf("clerk's filters %v, want %v", got, want)
	}
	for _, s := range mine {
		if s.Name == "Мои просроченные" && s.Filter.Query().Encode() != overdue.Query().Encode() {
			t.Errorf("stored %q, saved %q", s.Filter.Query().Encode(), overdue.Query().Encode())
		}
	}
	theirs, err := w.svc.SavedFilters(ctx, w.clerk2)
	if err != nil || len(theirs) != 1 || theirs[0].Count != 3 {
		t.Fatalf("clerk2's filters %+v: %v", theirs, err)
	}
	if b, err := w.svc.SavedFilters(ctx, w.clerkB); err != nil || len(b) != 0 {
		t.Fatalf("agency B sees %+v: %v", b, err)
	}

	if err := w.svc.DeleteFilter(ctx, w.clerk, theirs[0].ID); !errors.Is(err, cases.ErrNotFound) {
		t.Errorf("deleting a colleague's filter: %v", err)
	}
	if err := w.svc.DeleteFilter(ctx, w.clerkB, saved.ID); !errors.Is(err, cases.ErrNotFound) {
		t.Errorf("deleting another agency's filter: %v", err)
	}
	if err := w.svc.DeleteFilter(ctx, w.clerk, saved.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.DeleteFilter(ctx, w.clerk, saved.ID); !errors.Is(err, cases.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if left, _ := w.svc.SavedFilters(ctx, w.clerk); len(left) != 2 {
		t.Errorf("%d filters left, want 2", len(left))
	}
}

func TestSavedFiltersAreLimitedPerUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	for i := range 20 {
		if _, err := w.svc.SaveFilter(ctx, w.clerk, fmt.Sprintf("Фильтр %d", i), cases.Filter{}); err != nil {
			t.Fatal(err)
		}
	}
	var problems validation.Errors
	if _, err := w.svc.SaveFilter(ctx, w.clerk, "Ещё один", cases.Filter{}); !errors.As(err, &problems) || problems["name"] == "" {
		t.Fatalf("21st filter: %v", err)
	}
}

func TestCountStopsAtItsLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for i := range 7 {
		w.add(spec{number: fmt.Sprintf("R-%d", i)})
	}
	for limit, want := range map[int]int{3: 3, 7: 7, 100: 7} {
		n, err := w.svc.Count(context.Background(), w.clerk, cases.Filter{}, limit)
		if err != nil || n != want {
			t.Errorf("count up to %d: %d, %v; want %d", limit, n, err, want)
		}
	}
}
