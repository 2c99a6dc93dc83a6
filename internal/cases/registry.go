package cases

// The registry list: the agency's cases filtered, sorted, searched and read
// in keyset pages, and the same selection exported as CSV. All SQL of the
// list lives here. It reads the registry_cases view (migrations 00004 and
// 00006), which scopes rows to the transaction's agency behind a security
// barrier; full-text and trigram search use their GIN indexes through
// registry_search.

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
	ID    uuid.UUID
	Title string
}

// ServiceTypeTitles lists the agency's service types for the filter,
// inactive ones too: their cases stay in the registry.
func (s *Service) ServiceTypeTitles(ctx context.Context, by *people.Principal) ([]ServiceTypeTitle, error) {
	if err := allowed(by, workers()...); err != nil {
		return nil, err
	}
	var titles []ServiceTypeTitle
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, title FROM service_types ORDER BY title`)
		if err != nil {
			return fmt.Errorf("service types for the registry: %w", err)
		}
		titles, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ServiceTypeTitle])
		if err != nil {
			return fmt.Errorf("service types for the registry: %w", err)
		}
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
		// The page is chosen first, then named: 51 lookups by primary key.
		sql := `SELECT r.id, r.number, st.title, r.status, r.applicant_name, r.received_at, r.due_date,
				coalesce(d.name, ''), coalesce(u.full_name, '')
			FROM (` + q.sql + `) r
			JOIN service_types st ON st.agency_id = $1 AND st.id = r.service_type_id
			LEFT JOIN departments d ON d.agency_id = $1 AND d.id = r.department_id
			LEFT JOIN users u ON u.agency_id = $1 AND u.id = r.executor_id
			ORDER BY ` + q.order
		rows, err := tx.Query(ctx, sql, append([]any{pgx.QueryExecModeDescribeExec}, q.args...)...)
		if err != nil {
			return fmt.Errorf("list registry: %w", err)
		}
		page.Rows, err = pgx.CollectRows(rows, scanRow)
		if err != nil {
			return fmt.Errorf("list registry: %w", err)
		}
		return nil
	})
	if err != nil {
		return Page{}, err
	}
	today := truncateDay(s.cfg.Now())
	for i := range page.Rows {
		page.Rows[i].Overdue = !page.Rows[i].Status.Final() && page.Rows[i].DueDate.Before(today)
	}
	if len(page.Rows) > PageSize {
		page.Rows = page.Rows[:PageSize]
		page.Next = encodeCursor(f.Sort, page.Rows[PageSize-1])
	}
	return page, nil
}

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
	args := append([]any{pgx.QueryExecModeDescribeExec}, q.args...)
	args = append(args, limit)
	err = tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT FROM registry_cases r WHERE `+q.where+
		` LIMIT $`+strconv.Itoa(len(q.args)+1)+`) AS selected`, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count registry: %w", err)
	}
	return n, nil
}

// Export writes every case the filter selects (all pages) to w as CSV for
// Excel: UTF-8 with a byte order mark, semicolons, dates as Russian Excel
// reads them. Rows stream from the database as they are written.
func (s *Service) Export(ctx context.Context, by *people.Principal, f Filter, w io.Writer) error {
	if err := allowed(by, workers()...); err != nil {
		return err
	}
	f.After = ""
	return s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		q, err := s.registryQuery(ctx, tx, by.Agency.ID, f, false)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "case.export", ObjectType: "registry",
			Details: map[string]any{"filter": f.Query().Encode()}}); err != nil {
			return fmt.Errorf("export registry: %w", err)
		}
		names, err := loadNames(ctx, tx)
		if err != nil {
			return fmt.Errorf("export registry: %w", err)
		}
		rows, err := tx.Query(ctx, q.sql, append([]any{pgx.QueryExecModeDescribeExec}, q.args...)...)
		if err != nil {
			return fmt.Errorf("export registry: %w", err)
		}
		defer rows.Close()
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return fmt.Errorf("export registry: %w", err)
		}
		out := csv.NewWriter(w)
		out.Comma = ';'
		out.UseCRLF = true
		if err := out.Write([]string{"Номер", "Услуга", "Статус", "Заявитель", "Поступило", "Срок", "Отдел", "Исполнитель", "Просрочено"}); err != nil {
			return fmt.Errorf("export registry: %w", err)
		}
		today := truncateDay(s.cfg.Now())
		for rows.Next() {
			r, err := names.scan(rows)
			if err != nil {
				return fmt.Errorf("export registry: %w", err)
			}
			overdue := ""
			if !r.Status.Final() && r.DueDate.Before(today) {
				overdue = "да"
			}
			err = out.Write([]string{cell(r.Number), cell(r.ServiceTitle), r.Status.Title(), cell(r.ApplicantName),
				r.ReceivedAt.In(moscow()).Format("02.01.2006 15:04"), r.DueDate.Format("02.01.2006"),
				cell(r.DepartmentName), cell(r.ExecutorName), overdue})
			if err != nil {
				return fmt.Errorf("export registry: %w", err)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("export registry: %w", err)
		}
		out.Flush()
		if err := out.Error(); err != nil {
			return fmt.Errorf("export registry: %w", err)
		}
		return nil
	})
}

// names are the agency's service types, departments and people by id: an
// export names its rows from them rather than joining on every row.
type names struct {
	services, departments, people map[uuid.UUID]string
}

func loadNames(ctx context.Context, tx pgx.Tx) (names, error) {
	n := names{}
	for _, part := range []struct {
		sql string
		dst *map[uuid.UUID]string
	}{
		{`SELECT id, title FROM service_types`, &n.services},
		{`SELECT id, name FROM departments`, &n.departments},
		{`SELECT id, full_name FROM users`, &n.people},
	} {
		rows, err := tx.Query(ctx, part.sql)
		if err != nil {
			return n, err
		}
		*part.dst = map[uuid.UUID]string{}
		var id uuid.UUID
		var name string
		if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error {
			(*part.dst)[id] = name
			return nil
		}); err != nil {
			return n, err
		}
	}
	return n, nil
}

// scan reads a row of the registry query and names it.
func (n names) scan(row pgx.Rows) (Row, error) {
	var r Row
	var service uuid.UUID
	var department, executor *uuid.UUID
	if err := row.Scan(&r.ID, &r.Number, &service, &r.Status, &r.ApplicantName, &r.ReceivedAt, &r.DueDate,
		&department, &executor); err != nil {
		return r, err
	}
	r.ServiceTitle = n.services[service]
	if department != nil {
		r.DepartmentName = n.departments[*department]
	}
	if executor != nil {
		r.ExecutorName = n.people[*executor]
	}
	return r, nil
}

// moscow is the zone agencies read times in: UTC+3 all year since 2014.
// A fixed zone needs no tzdata on the server.
func moscow() *time.Location { return time.FixedZone("MSK", 3*60*60) }

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
	args  []any
	order string // the ORDER BY list, over alias r
}

// registryQuery builds the list's SQL for the filter: with the cursor and a
// limit of one row more than a page when paged, every matching row otherwise.
func (s *Service) registryQuery(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID, f Filter, paged bool) (registryQuery, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// The view scopes rows already; naming the agency lets the planner match
	// the indexes, all of which lead with agency_id.
	where = append(where, "r.agency_id = "+arg(agencyID))
	switch len(f.Statuses) {
	case 0:
	case 1:
		where = append(where, "r.status = "+arg(string(f.Statuses[0])))
	default:
		statuses := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			statuses[i] = string(st)
		}
		where = append(where, "r.status = ANY("+arg(statuses)+")")
	}
	if f.ServiceTypeID != nil {
		where = append(where, "r.service_type_id = "+arg(*f.ServiceTypeID))
	}
	if f.DepartmentID != nil {
		where = append(where, "r.department_id = "+arg(*f.DepartmentID))
	}
	if f.ExecutorID != nil {
		where = append(where, "r.executor_id = "+arg(*f.ExecutorID))
	}
	// Received dates are calendar dates in Moscow, where the agencies work.
	if !f.ReceivedFrom.IsZero() {
		from := time.Date(f.ReceivedFrom.Year(), f.ReceivedFrom.Month(), f.ReceivedFrom.Day(), 0, 0, 0, 0, moscow())
		where = append(where, "r.received_at >= "+arg(from))
	}
	if !f.ReceivedTo.IsZero() {
		end := time.Date(f.ReceivedTo.Year(), f.ReceivedTo.Month(), f.ReceivedTo.Day()+1, 0, 0, 0, 0, moscow())
		where = append(where, "r.received_at < "+arg(end))
	}
	if f.Deadline != DeadlineAny {
		today := truncateDay(s.cfg.Now())
		final := []string{}
		for _, st := range AllStatuses() {
			if st.Final() {
				final = append(final, string(st))
			}
		}
		where = append(where, "r.status <> ALL("+arg(final)+")")
		switch f.Deadline {
		case DeadlineOverdue:
			where = append(where, "r.due_date < "+arg(today))
		case DeadlineSoon:
			bound, err := dueBound(ctx, tx, today, f.DueWithin)
			if err != nil {
				return registryQuery{}, err
			}
			where = append(where, "r.due_date >= "+arg(today), "r.due_date <= "+arg(bound))
		}
	}
	if f.Search != "" {
		// Search conditions are not leakproof, so they cannot reach the GIN
		// indexes through the view's security barrier: registry_search
		// (migration 00006) matches inside the agency's scope instead.
		var like *string
		if utf8.RuneCountInString(f.Search) >= trigramMinRunes {
			pattern := "%" + escapeLike(f.Search) + "%"
			like = &pattern
		}
		where = append(where, "r.id = ANY(registry_search("+arg(f.Search)+", "+arg(like)+"))")
	}
	order := "r.due_date, r.id"
	if f.After != "" && paged {
		c, err := decodeCursor(f.After, f.Sort)
		if err != nil {
			return registryQuery{}, err
		}
		switch f.Sort {
		case SortReceived:
			// Newest first but ids ascending, as the index stores them:
			// the first condition bounds the index scan, the second skips
			// the rows of the same instant already shown.
			at := arg(c.received)
			where = append(where, "r.received_at <= "+at+" AND (r.received_at < "+at+" OR r.id > "+arg(c.id)+")")
		case SortNumber:
			where = append(where, "(r.number, r.id) > ("+arg(c.number)+", "+arg(c.id)+")")
		default:
			where = append(where, "(r.due_date, r.id) > ("+arg(c.due)+", "+arg(c.id)+")")
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
		FROM registry_cases r
		WHERE ` + cond + ` ORDER BY ` + order
	if paged {
		sql += " LIMIT " + strconv.Itoa(PageSize+1)
	}
	return registryQuery{sql: sql, where: cond, args: args, order: order}, nil
}

// dueBound is the last day of a term of n working days from today by the
// agency's calendar: "due within n working days" means due on or before it.
func dueBound(ctx context.Context, tx pgx.Tx, today time.Time, n int) (time.Time, error) {
	// Long holidays stretch n working days to at most about twice as many
	// calendar days plus the New Year break.
	cal, err := calendar.Load(ctx, tx, today, today.AddDate(0, 0, 2*n+31))
	if err != nil {
		return time.Time{}, fmt.Errorf("deadline filter: %w", err)
	}
	bound, err := cal.AddWorkingDays(today, n)
	if err != nil {
		return time.Time{}, fmt.Errorf("deadline filter: %w", err)
	}
	return bound, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func scanRow(row pgx.CollectableRow) (Row, error) {
	var r Row
	err := row.Scan(&r.ID, &r.Number, &r.ServiceTitle, &r.Status, &r.ApplicantName, &r.ReceivedAt, &r.DueDate,
		&r.DepartmentName, &r.ExecutorName)
	return r, err
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
// with any characters travels intact.
func encodeCursor(s Sort, last Row) string {
	var key string
	switch s {
	case SortReceived:
		key = last.ReceivedAt.UTC().Format(time.RFC3339Nano)
	case SortNumber:
		key = last.Number
	default:
		key = last.DueDate.Format(time.DateOnly)
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
		c.due, err = time.Parse(time.DateOnly, key)
	}
	if err != nil {
		return cursor{}, fmt.Errorf("%w: key: %w", errBadCursor, err)
	}
	return c, nil
}
