package cases

// The registry list: the agency's cases filtered, sorted, searched and read
// in keyset pages, and the same selection exported as CSV. All SQL of the
// list lives here. It reads cases under their row-level security policy:
// the policy runs before any condition that is not leakproof, so a failing
// cast cannot show another agency's values, and every condition of ours but
// search is leakproof, so the planner walks the ordered indexes with the
// policy's condition. Full-text and trigram search, which are not leakproof
// and so cannot reach their GIN indexes under the policy, are answered by
// registry_search (migrations 00006 and 00012) inside the agency's scope.

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/calendar"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/validation"
)

// PageSize is how many rows one page of the registry shows.
const PageSize = 50

// Limits of the filter's free input.
const (
	maxSearchRunes = 200
	maxDueWithin   = 60
	// trigramMinRunes: a trigram index cannot serve a fragment shorter than
	// a trigram, so shorter input is matched by full-text search only.
	trigramMinRunes = 3
)

// Sort is the order of the registry.
type Sort string

// Sort orders. Due dates ascend (the most urgent first), received dates
// descend (the newest first), numbers ascend.
const (
	SortDue      Sort = "due"
	SortReceived Sort = "received"
	SortNumber   Sort = "number"
)

// Title is the order as clerks read it.
func (s Sort) Title() string {
	switch s {
	case SortReceived:
		return "Сначала новые"
	case SortNumber:
		return "По номеру"
	}
	return "Сначала срочные"
}

// Sorts lists the orders the registry offers, the default first.
func Sorts() []Sort { return []Sort{SortDue, SortReceived, SortNumber} }

// Deadline selects cases by the state of their due date. Only open cases
// (not in a final status) have a deadline state.
type Deadline string

// Deadline states.
const (
	DeadlineAny     Deadline = ""
	DeadlineOverdue Deadline = "overdue" // due date before today
	DeadlineSoon    Deadline = "soon"    // due today or within DueWithin working days
)

// StatusOpen is the status filter's value for every status that is not final.
const StatusOpen = "open"

// Filter is what a clerk asks the registry for.
type Filter struct {
	Statuses      []Status
	ServiceTypeID *uuid.UUID
	DepartmentID  *uuid.UUID
	ExecutorID    *uuid.UUID
	ReceivedFrom  time.Time // a date, zero when open
	ReceivedTo    time.Time // a date (inclusive), zero when open
	Deadline      Deadline
	DueWithin     int // working days, for DeadlineSoon
	Search        string
	Sort          Sort
	After         string // the cursor of the page to continue after
}

// openStatuses are the statuses a case can still move from.
func openStatuses() []Status {
	var open []Status
	for _, s := range AllStatuses() {
		if !s.Final() {
			open = append(open, s)
		}
	}
	return open
}

// ParseFilter reads a filter from a query string. A value it cannot accept
// is left out of the filter and reported under its parameter's name.
func ParseFilter(q url.Values) (Filter, validation.Errors) {
	f := Filter{Sort: SortDue, DueWithin: 3}
	errs := validation.Errors{}
	for _, v := range q["status"] {
		switch v = strings.TrimSpace(v); {
		case v == "":
		case v == StatusOpen:
			f.Statuses = append(f.Statuses, openStatuses()...)
		case slices.Contains(AllStatuses(), Status(v)):
			f.Statuses = append(f.Statuses, Status(v))
		default:
			errs.Add("status", "Выберите статус из списка.")
		}
	}
	slices.Sort(f.Statuses)
	f.Statuses = slices.Compact(f.Statuses)
	for _, p := range []struct {
		name string
		dst  **uuid.UUID
		msg  string
	}{
		{"service_type", &f.ServiceTypeID, "Выберите услугу из списка."},
		{"department", &f.DepartmentID, "Выберите отдел из списка."},
		{"executor", &f.ExecutorID, "Выберите исполнителя из списка."},
	} {
		v := strings.TrimSpace(q.Get(p.name))
		if v == "" {
			continue
		}
		id, err := uuid.Parse(v)
		if err != nil {
			errs.Add(p.name, p.msg)
			continue
		}
		*p.dst = &id
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"received_from", &f.ReceivedFrom}, {"received_to", &f.ReceivedTo}} {
		v := strings.TrimSpace(q.Get(p.name))
		if v == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			errs.Add(p.name, "Укажите дату в виде ГГГГ-ММ-ДД.")
			continue
		}
		*p.dst = d
	}
	if !f.ReceivedFrom.IsZero() && !f.ReceivedTo.IsZero() && f.ReceivedTo.Before(f.ReceivedFrom) {
		errs.Add("received_to", "Конец периода раньше его начала.")
		f.ReceivedTo = time.Time{}
	}
	switch v := Deadline(strings.TrimSpace(q.Get("deadline"))); v {
	case DeadlineAny, DeadlineOverdue, DeadlineSoon:
		f.Deadline = v
	default:
		errs.Add("deadline", "Выберите состояние срока из списка.")
	}
	if v := strings.TrimSpace(q.Get("within")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxDueWithin {
			errs.Add("within", fmt.Sprintf("Число рабочих дней от 0 до %d.", maxDueWithin))
		} else {
			f.DueWithin = n
		}
	}
	f.Search = strings.Join(strings.Fields(q.Get("q")), " ")
	if utf8.RuneCountInString(f.Search) > maxSearchRunes {
		errs.Add("q", fmt.Sprintf("Не длиннее %d символов.", maxSearchRunes))
		f.Search = ""
	}
	switch v := Sort(strings.TrimSpace(q.Get("sort"))); v {
	case "":
	case SortDue, SortReceived, SortNumber:
		f.Sort = v
	default:
		errs.Add("sort", "Выберите порядок из списка.")
	}
	if v := q.Get("after"); v != "" {
		if _, err := decodeCursor(v, f.Sort); err != nil {
			errs.Add("after", "Ссылка на страницу устарела: откройте список заново.")
		} else {
			f.After = v
		}
	}
	if len(errs) == 0 {
		return f, nil
	}
	return f, errs
}

// Query is the filter as a query string ParseFilter reads back, without the
// page cursor and without defaults, so that links and saved filters stay short.
func (f Filter) Query() url.Values {
	q := url.Values{}
	if open := openStatuses(); len(f.Statuses) == len(open) && !slices.ContainsFunc(open, func(st Status) bool {
		return !slices.Contains(f.Statuses, st)
	}) {
		q.Set("status", StatusOpen)
	} else {
		for _, st := range f.Statuses {
			q.Add("status", string(st))
		}
	}
	for name, id := range map[string]*uuid.UUID{"service_type": f.ServiceTypeID, "department": f.DepartmentID, "executor": f.ExecutorID} {
		if id != nil {
			q.Set(name, id.String())
		}
	}
	if !f.ReceivedFrom.IsZero() {
		q.Set("received_from", f.ReceivedFrom.Format(time.DateOnly))
	}
	if !f.ReceivedTo.IsZero() {
		q.Set("received_to", f.ReceivedTo.Format(time.DateOnly))
	}
	if f.Deadline != DeadlineAny {
		q.Set("deadline", string(f.Deadline))
		if f.Deadline == DeadlineSoon {
			q.Set("within", strconv.Itoa(f.DueWithin))
		}
	}
	if f.Search != "" {
		q.Set("q", f.Search)
	}
	if f.Sort != "" && f.Sort != SortDue {
		q.Set("sort", string(f.Sort))
	}
	return q
}

// ServiceTypeTitle names a service type in the registry's filter.
type ServiceTypeTitle struct {
	ID    uuid.UUID `db:"id"`
	Title string    `db:"title"`
}

// ServiceTypeTitles lists the agency's service types for the filter,
// inactive ones too: their cases stay in the registry.
func (s *Service) ServiceTypeTitles(ctx context.Context, by *people.Principal) ([]ServiceTypeTitle, error) {
	if err := allowed(by, workers()...); err != nil {
		return nil, err
	}
	var titles []ServiceTypeTitle
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		all, err := forms.List(ctx, tx)
		if err != nil {
			return fmt.Errorf("service types for the registry: %w", err)
		}
		for _, st := range all {
			titles = append(titles, ServiceTypeTitle{ID: st.ID, Title: st.Title})
		}
		slices.SortStableFunc(titles, func(a, b ServiceTypeTitle) int { return strings.Compare(a.Title, b.Title) })
		return nil
	})
	return titles, err
}

// Row is one line of the registry: what the list shows, never the card.
type Row struct {
	ID             uuid.UUID
	Number         string
	ServiceTitle   string
	Status         Status
	ApplicantName  string
	ReceivedAt     time.Time
	DueDate        time.Time
	DepartmentName string
	ExecutorName   string
	Overdue        bool
}

// Page is one page of the registry; Next is the cursor of the following
// page, empty on the last one.
type Page struct {
	Rows []Row
	Next string
}

// List returns one page of the agency's registry.
func (s *Service) List(ctx context.Context, by *people.Principal, f Filter) (Page, error) {
	if err := allowed(by, workers()...); err != nil {
		return Page{}, err
	}
	var page Page
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		q, err := s.registryQuery(ctx, tx, by.Agency.ID, f, true)
		if err != nil {
			return err
		}
		// Each search is planned with its own values: a generic plan cannot
		// tell a rare word (read the GIN index) from a common one (walk the
		// sort order's index), and the wrong choice costs the whole table.
		// The page is chosen first, then named: its services from forms, its
		// departments and people from people's directory.
		rows, err := tx.Query(ctx, q.sql, pgx.QueryExecModeDescribeExec, q.args)
		if err != nil {
			return fmt.Errorf("list registry: %w", err)
		}
		listed, err := pgx.CollectRows(rows, pgx.RowToStructByName[registryRow])
		if err != nil {
			return fmt.Errorf("list registry: %w", err)
		}
		if page.Rows, err = nameRows(ctx, tx, listed); err != nil {
			return fmt.Errorf("list registry: %w", err)
		}
		today, err := s.today(ctx, tx, by.Agency.ID)
		if err != nil {
			return err
		}
		for i := range page.Rows {
			page.Rows[i].Overdue = Overdue(page.Rows[i].Status, page.Rows[i].DueDate, today)
		}
		return nil
	})
	if err != nil {
		return Page{}, err
	}
	if len(page.Rows) > PageSize {
		page.Rows = page.Rows[:PageSize]
		page.Next = encodeCursor(f.Sort, page.Rows[PageSize-1])
	}
	return page, nil
}

// RegistryCountLimit is where the registry stops counting its selection and
// says «более 10 000».
const RegistryCountLimit = 10_000

// Count counts the cases the filter selects, up to limit: the registry shows
// "more than limit" rather than counting a million rows on every page.
func (s *Service) Count(ctx context.Context, by *people.Principal, f Filter, limit int) (int, error) {
	if err := allowed(by, workers()...); err != nil {
		return 0, err
	}
	var n int
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		var err error
		n, err = s.count(ctx, tx, by.Agency.ID, f, limit)
		return err
	})
	return n, err
}

func (s *Service) count(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID, f Filter, limit int) (int, error) {
	f.After = ""
	q, err := s.registryQuery(ctx, tx, agencyID, f, false)
	if err != nil {
		return 0, err
	}
	var n int
	q.args["limit"] = limit
	err = tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT FROM cases r WHERE `+q.where+
		` LIMIT @limit) AS selected`, pgx.QueryExecModeDescribeExec, q.args).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count registry: %w", err)
	}
	return n, nil
}

// Export writes every case the filter selects (all pages) to w as CSV for
// Excel: UTF-8 with a byte order mark, semicolons, dates as Russian Excel
// reads them.
//
// No transaction stays open while w is written: a slow download must not
// hold a connection of the pool, or anything else, for as long as the client
// takes. The export is audited in a transaction of its own, then rows are
// read a registry page at a time (keyset), each page in a short transaction,
// and written between them; a case that changes meanwhile appears as one of
// its pages read it.
func (s *Service) Export(ctx context.Context, by *people.Principal, f Filter, w io.Writer) error {
	if err := allowed(by, workers()...); err != nil {
		return err
	}
	f.After = ""
	var names names
	var now time.Time
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) (err error) {
		if names, err = loadNames(ctx, tx); err != nil {
			return fmt.Errorf("export registry: %w", err)
		}
		if now, err = s.agencyNow(ctx, tx, by.Agency.ID); err != nil {
			return err
		}
		// A wrong filter fails here, before anything is written.
		if _, err := s.registryQuery(ctx, tx, by.Agency.ID, f, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "case.export", ObjectType: "registry",
			Details: map[string]any{"filter": f.Query().Encode()}})
	})
	if err != nil {
		return err
	}
	today := calendar.Date(now)
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("export registry: %w", err)
	}
	out := csv.NewWriter(w)
	out.Comma = ';'
	out.UseCRLF = true
	if err := out.Write([]string{"Номер", "Услуга", "Статус", "Заявитель", "Поступило", "Срок", "Отдел", "Исполнитель", "Просрочено"}); err != nil {
		return fmt.Errorf("export registry: %w", err)
	}
	for {
		var listed []registryRow
		err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
			q, err := s.registryQuery(ctx, tx, by.Agency.ID, f, true)
			if err != nil {
				return err
			}
			rows, err := tx.Query(ctx, q.sql, pgx.QueryExecModeDescribeExec, q.args)
			if err != nil {
				return err
			}
			listed, err = pgx.CollectRows(rows, pgx.RowToStructByName[registryRow])
			return err
		})
		if err != nil {
			return fmt.Errorf("export registry: %w", err)
		}
		more := len(listed) > PageSize
		if more {
			listed = listed[:PageSize]
		}
		for _, l := range listed {
			r := names.name(l)
			overdue := ""
			if Overdue(r.Status, r.DueDate, today) {
				overdue = "да"
			}
			err = out.Write([]string{cell(r.Number), cell(r.ServiceTitle), r.Status.Title(), cell(r.ApplicantName),
				r.ReceivedAt.In(now.Location()).Format("02.01.2006 15:04"), r.DueDate.Format("02.01.2006"),
				cell(r.DepartmentName), cell(r.ExecutorName), overdue})
			if err != nil {
				return fmt.Errorf("export registry: %w", err)
			}
		}
		if !more {
			break
		}
		f.After = encodeCursor(f.Sort, names.name(listed[len(listed)-1]))
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return fmt.Errorf("export registry: %w", err)
	}
	return nil
}

// names are the agency's service types, departments and people by id: an
// export names its rows from them rather than joining on every row.
type names struct {
	services, departments, people map[uuid.UUID]string
}

func loadNames(ctx context.Context, tx pgx.Tx) (names, error) {
	var n names
	var err error
	if n.services, err = serviceTitles(ctx, tx); err != nil {
		return n, err
	}
	if n.departments, err = people.AllDepartmentNames(ctx, tx); err != nil {
		return n, err
	}
	n.people, err = people.AllPeopleNames(ctx, tx)
	return n, err
}

// name fills in a row's department and executor.
func (n names) name(r registryRow) Row {
	row := Row{ID: r.ID, Number: r.Number, ServiceTitle: n.services[r.ServiceTypeID], Status: r.Status, ApplicantName: r.ApplicantName,
		ReceivedAt: r.ReceivedAt, DueDate: r.DueDate}
	if r.DepartmentID != nil {
		row.DepartmentName = n.departments[*r.DepartmentID]
	}
	if r.ExecutorID != nil {
		row.ExecutorName = n.people[*r.ExecutorID]
	}
	return row
}

// nameRows names a page's rows with just the departments and people on it.
func nameRows(ctx context.Context, tx pgx.Tx, listed []registryRow) ([]Row, error) {
	var depts, execs []uuid.UUID
	for _, r := range listed {
		if r.DepartmentID != nil {
			depts = append(depts, *r.DepartmentID)
		}
		if r.ExecutorID != nil {
			execs = append(execs, *r.ExecutorID)
		}
	}
	var n names
	var err error
	if n.services, err = serviceTitles(ctx, tx); err != nil {
		return nil, err
	}
	if n.departments, err = people.DepartmentNames(ctx, tx, depts); err != nil {
		return nil, err
	}
	if n.people, err = people.PeopleNames(ctx, tx, execs); err != nil {
		return nil, err
	}
	rows := make([]Row, len(listed))
	for i, r := range listed {
		rows[i] = n.name(r)
	}
	return rows, nil
}

// serviceTitles names the agency's service types (inactive ones too: their
// cases stay in the registry) from package forms.
func serviceTitles(ctx context.Context, tx pgx.Tx) (map[uuid.UUID]string, error) {
	all, err := forms.List(ctx, tx)
	if err != nil {
		return nil, err
	}
	titles := make(map[uuid.UUID]string, len(all))
	for _, st := range all {
		titles[st.ID] = st.Title
	}
	return titles, nil
}

// registryRow is a row of the registry query (registryQuery.sql).
type registryRow struct {
	ID            uuid.UUID  `db:"id"`
	Number        string     `db:"number"`
	ServiceTypeID uuid.UUID  `db:"service_type_id"`
	Status        Status     `db:"status"`
	ApplicantName string     `db:"applicant_name"`
	ReceivedAt    time.Time  `db:"received_at"`
	DueDate       time.Time  `db:"due_date"`
	DepartmentID  *uuid.UUID `db:"department_id"`
	ExecutorID    *uuid.UUID `db:"executor_id"`
}

// cell keeps a value from being read by Excel as a formula: applicant names
// come from the portal, and "=..." in a cell would run when the file opens.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// registryQuery selects the registry's cases, without the names of their
// service type, department and executor: joined into the selection, those
// tables would tempt the planner to drive the search from them.
type registryQuery struct {
	sql   string
	where string // the conditions alone, over alias r, for counting in any order
	args  pgx.NamedArgs
}

// registryQuery builds the list's SQL for the filter: with the cursor and a
// limit of one row more than a page when paged, every matching row otherwise.
func (s *Service) registryQuery(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID, f Filter, paged bool) (registryQuery, error) {
	var where []string
	args := pgx.NamedArgs{}
	arg := func(name string, v any) string {
		args[name] = v
		return "@" + name
	}
	// The policy scopes rows already; naming the agency lets the planner
	// match the indexes, all of which lead with agency_id.
	where = append(where, "r.agency_id = "+arg("agency_id", agencyID))
	switch len(f.Statuses) {
	case 0:
	case 1:
		where = append(where, "r.status = "+arg("status", string(f.Statuses[0])))
	default:
		statuses := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			statuses[i] = string(st)
		}
		where = append(where, "r.status = ANY("+arg("statuses", statuses)+")")
	}
	if f.ServiceTypeID != nil {
		where = append(where, "r.service_type_id = "+arg("service_type_id", *f.ServiceTypeID))
	}
	if f.DepartmentID != nil {
		where = append(where, "r.department_id = "+arg("department_id", *f.DepartmentID))
	}
	if f.ExecutorID != nil {
		where = append(where, "r.executor_id = "+arg("executor_id", *f.ExecutorID))
	}
	now, err := s.agencyNow(ctx, tx, agencyID)
	if err != nil {
		return registryQuery{}, err
	}
	// Received dates are calendar dates in the agency's zone.
	if !f.ReceivedFrom.IsZero() {
		from := time.Date(f.ReceivedFrom.Year(), f.ReceivedFrom.Month(), f.ReceivedFrom.Day(), 0, 0, 0, 0, now.Location())
		where = append(where, "r.received_at >= "+arg("received_from", from))
	}
	if !f.ReceivedTo.IsZero() {
		end := time.Date(f.ReceivedTo.Year(), f.ReceivedTo.Month(), f.ReceivedTo.Day()+1, 0, 0, 0, 0, now.Location())
		where = append(where, "r.received_at < "+arg("received_before", end))
	}
	if f.Deadline != DeadlineAny {
		today := calendar.Date(now)
		final := arg("final", FinalStatuses())
		switch f.Deadline {
		case DeadlineOverdue:
			where = append(where, overdueSQL("r.status", "r.due_date", final, arg("today", today)))
		case DeadlineSoon:
			bound, err := calendar.DueDate(ctx, tx, today, f.DueWithin)
			if err != nil {
				return registryQuery{}, fmt.Errorf("deadline filter: %w", err)
			}
			where = append(where, openSQL("r.status", final), "r.due_date >= "+arg("today", today), "r.due_date <= "+arg("due_bound", bound))
		}
	}
	if f.Search != "" {
		// Search conditions are not leakproof, so they cannot reach the GIN
		// indexes under the row-level security policy: registry_search
		// (migrations 00006 and 00012) matches inside the agency's scope.
		var like *string
		if utf8.RuneCountInString(f.Search) >= trigramMinRunes {
			pattern := "%" + escapeLike(f.Search) + "%"
			like = &pattern
		}
		// As a sub-select it runs once, before the scan: a bare call is not
		// leakproof, so under the policy it would run again for every row.
		where = append(where, "r.id = ANY((SELECT registry_search("+arg("search", f.Search)+", "+arg("like", like)+"))::uuid[])")
	}
	// Cases due the same day come in the order of their numbers, then ids,
	// as the cursor continues them and the index (migration 00012) keeps them.
	order := "r.due_date, r.number, r.id"
	if f.After != "" && paged {
		c, err := decodeCursor(f.After, f.Sort)
		if err != nil {
			return registryQuery{}, err
		}
		after := arg("after_id", c.id)
		switch f.Sort {
		case SortReceived:
			// Newest first but ids ascending, as the index stores them:
			// the first condition bounds the index scan, the second skips
			// the rows of the same instant already shown.
			at := arg("after_received", c.received)
			where = append(where, "r.received_at <= "+at+" AND (r.received_at < "+at+" OR r.id > "+after+")")
		case SortNumber:
			where = append(where, "(r.number, r.id) > ("+arg("after_number", c.number)+", "+after+")")
		default:
			where = append(where, "(r.due_date, r.number, r.id) > ("+arg("after_due", c.due)+", "+arg("after_number", c.number)+", "+after+")")
		}
	}
	switch f.Sort {
	case SortReceived:
		order = "r.received_at DESC, r.id"
	case SortNumber:
		order = "r.number, r.id"
	}
	cond := strings.Join(where, " AND ")
	sql := `SELECT r.id, r.number, r.service_type_id, r.status, r.applicant_name, r.received_at, r.due_date,
			r.department_id, r.executor_id
		FROM cases r
		WHERE ` + cond + ` ORDER BY ` + order
	if paged {
		sql += " LIMIT " + strconv.Itoa(PageSize+1)
	}
	return registryQuery{sql: sql, where: cond, args: args}, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// cursor is the position after the last row of a page: its sort key and id.
type cursor struct {
	id       uuid.UUID
	due      time.Time
	received time.Time
	number   string
}

// errBadCursor: a cursor that was not made for this sort, or was altered.
var errBadCursor = errors.New("cases: malformed registry cursor")

// encodeCursor writes "sort|key|id" in URL-safe base64, so that a number
// with any characters travels intact; the due order's key is "date|number".
func encodeCursor(s Sort, last Row) string {
	var key string
	switch s {
	case SortReceived:
		key = last.ReceivedAt.UTC().Format(time.RFC3339Nano)
	case SortNumber:
		key = last.Number
	default:
		key = last.DueDate.Format(time.DateOnly) + "|" + last.Number
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string(s) + "|" + key + "|" + last.ID.String()))
}

func decodeCursor(v string, s Sort) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return cursor{}, fmt.Errorf("%w: %w", errBadCursor, err)
	}
	text := string(raw)
	first, last := strings.IndexByte(text, '|'), strings.LastIndexByte(text, '|')
	if first < 0 || first == last {
		return cursor{}, fmt.Errorf("%w: want sort|key|id", errBadCursor)
	}
	if Sort(text[:first]) != s {
		return cursor{}, fmt.Errorf("%w: made for sort %q, not %q", errBadCursor, text[:first], s)
	}
	var c cursor
	if c.id, err = uuid.Parse(text[last+1:]); err != nil {
		return cursor{}, fmt.Errorf("%w: id: %w", errBadCursor, err)
	}
	key := text[first+1 : last]
	switch s {
	case SortReceived:
		c.received, err = time.Parse(time.RFC3339Nano, key)
	case SortNumber:
		c.number = key
	default:
		// "date|number": the number is the rest after the first bar, so a
		// number with bars of its own travels intact.
		date, number, ok := strings.Cut(key, "|")
		if !ok {
			return cursor{}, fmt.Errorf("%w: want date|number", errBadCursor)
		}
		c.number = number
		c.due, err = time.Parse(time.DateOnly, date)
	}
	if err != nil {
		return cursor{}, fmt.Errorf("%w: key: %w", errBadCursor, err)
	}
	return c, nil
}
