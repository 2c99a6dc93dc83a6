package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/calendar"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/people"
)

// runRegistry measures the registry list at volume: it creates a scratch
// database, seeds one agency with -cases cases (and another agency with a
// fifth as many, so that indexes must separate tenants), then times
// (*cases.Service).List for the pages clerks open most, and the same SQL
// bare, through EXPLAIN ANALYZE, for comparison. The last line is the p95 of
// the list with a filter, a sort and a full-text search.
func runRegistry(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("registry", flag.ContinueOnError)
	total := fs.Int("cases", 1_000_000, "cases in the measured agency")
	runs := fs.Int("runs", 200, "timed list calls per scenario")
	explain := fs.Bool("explain", false, "print the plan of each scenario's first query")
	keep := fs.Bool("keep", false, "keep the scratch database for inspection instead of dropping it")
	reuse := fs.String("reuse", "", "measure a database kept by an earlier -keep run instead of seeding a new one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *total < 1 || *runs < 1 {
		return fmt.Errorf("registry: -cases and -runs must be positive")
	}
	ctx := context.Background()
	server := benchServerURL()
	name := *reuse
	if name == "" {
		suffix := make([]byte, 6)
		if _, err := rand.Read(suffix); err != nil {
			return fmt.Errorf("registry: %w", err)
		}
		name = "okno_bench_" + hex.EncodeToString(suffix)
	} else if !strings.HasPrefix(name, "okno_bench_") {
		return fmt.Errorf("registry: -reuse takes a database made by this benchmark (okno_bench_...), not %q", name)
	}
	ownerURL, err := withDatabase(server, name)
	if err != nil {
		return err
	}
	if err := database.Prepare(ctx, ownerURL, ""); err != nil {
		return fmt.Errorf("registry: prepare scratch database: %w", err)
	}
	defer func() {
		if *keep || *reuse != "" {
			fmt.Fprintln(os.Stderr, "bench: registry: kept database", name)
			return
		}
		if err := dropDatabase(server, name); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
	}()

	tracer := &lastListSQL{}
	pool, err := benchPool(ctx, ownerURL, tracer)
	if err != nil {
		return err
	}
	defer pool.Close()

	var world benchWorld
	if *reuse == "" {
		started := time.Now()
		var timings string
		if world, timings, err = seedRegistry(ctx, ownerURL, pool, *total, *total/5); err != nil {
			return err
		}
		fmt.Fprintf(out, "registry: %d cases in the agency, %d in another; seeded in %s (%s)\n",
			*total, *total/5, time.Since(started).Round(time.Second), timings)
	} else if world, err = loadWorld(ctx, ownerURL, out); err != nil {
		return err
	}

	svc := cases.NewService(cases.Config{Pool: pool})
	var headline float64
	fmt.Fprintf(out, "%-30s %8s %8s %9s %9s %5s\n", "scenario", "p50 ms", "p95 ms", "sql p50", "sql p95", "rows")
	for _, sc := range world.scenarios() {
		r, err := measureList(ctx, svc, pool, tracer, world.clerk, sc, *runs, *explain, out)
		if err != nil {
			return fmt.Errorf("registry: %s: %w", sc.name, err)
		}
		fmt.Fprintf(out, "%-30s %8.2f %8.2f %9.2f %9.2f %5.0f\n", sc.name, r.p50, r.p95, r.sqlP50, r.sqlP95, r.rows)
		if sc.headline {
			headline = r.p95
		}
	}
	if err := measureTabsAndExport(ctx, svc, world, *runs, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "registry: p95 %.2f ms\n", headline)
	return nil
}

// measureTabsAndExport times what the page adds to the list: the counts of
// saved-filter tabs (capped), and a CSV export of every open case.
func measureTabsAndExport(ctx context.Context, svc *cases.Service, world benchWorld, runs int, out io.Writer) error {
	var tabs []cases.Filter
	for _, q := range []url.Values{{"status": {cases.StatusOpen}}, {"deadline": {"overdue"}},
		{"q": {"строительства"}}, {"q": {"Кузнецовой"}}, {"executor": {world.executors[1].String()}}} {
		f, problems := cases.ParseFilter(q)
		if problems != nil {
			return problems
		}
		tabs = append(tabs, f)
	}
	var took []float64
	for i := range runs {
		start := time.Now()
		if _, err := svc.Count(ctx, world.clerk, tabs[i%len(tabs)], cases.SavedFilterCountLimit); err != nil {
			return fmt.Errorf("registry: count: %w", err)
		}
		took = append(took, float64(time.Since(start).Microseconds())/1000)
	}
	fmt.Fprintf(out, "%-30s %8.2f %8.2f\n", "saved-filter tab count (≤1000)", percentileOf(took, 50), percentileOf(took, 95))

	open, _ := cases.ParseFilter(url.Values{"status": {cases.StatusOpen}})
	var csv lineCounter
	start := time.Now()
	if err := svc.Export(ctx, world.clerk, open, &csv); err != nil {
		return fmt.Errorf("registry: export: %w", err)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(out, "export of open cases: %d rows, %.1f MB in %.1f s (%.0f rows/s)\n",
		csv.lines-1, float64(csv.bytes)/1e6, elapsed.Seconds(), float64(csv.lines-1)/elapsed.Seconds())
	return nil
}

// lineCounter takes an export and keeps only its size.
type lineCounter struct{ lines, bytes int }

func (c *lineCounter) Write(b []byte) (int, error) {
	c.bytes += len(b)
	for _, x := range b {
		if x == '\n' {
			c.lines++
		}
	}
	return len(b), nil
}

// loadWorld finds what an earlier run seeded.
func loadWorld(ctx context.Context, ownerURL string, out io.Writer) (benchWorld, error) {
	owner, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return benchWorld{}, fmt.Errorf("registry: connect as owner: %w", err)
	}
	defer owner.Close(ctx)
	var w benchWorld
	rows, err := owner.Query(ctx, `SELECT a.id AS agency_id, u.id AS user_id, u.full_name, u.role,
			(SELECT count(*) FROM cases WHERE agency_id = a.id) AS cases
		FROM agencies a JOIN users u ON u.agency_id = a.id AND u.login = 'bench.user0' WHERE a.code = 'BENCH'`)
	if err != nil {
		return w, fmt.Errorf("registry: find the seeded agency: %w", err)
	}
	seeded, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[struct {
		AgencyID uuid.UUID   `db:"agency_id"`
		UserID   uuid.UUID   `db:"user_id"`
		FullName string      `db:"full_name"`
		Role     people.Role `db:"role"`
		Cases    int         `db:"cases"`
	}])
	if err != nil {
		return w, fmt.Errorf("registry: find the seeded agency: %w", err)
	}
	agency, n := seeded.AgencyID, seeded.Cases
	clerk := people.User{AgencyID: agency, ID: seeded.UserID, FullName: seeded.FullName, Role: seeded.Role}
	w.clerk = &people.Principal{User: clerk, Agency: people.Agency{ID: agency, Code: "BENCH"}}
	for _, part := range []struct {
		sql string
		dst any
	}{
		{`SELECT id FROM departments WHERE agency_id = $1 ORDER BY created_at, id`, &w.departments},
		{`SELECT id FROM users WHERE agency_id = $1 ORDER BY login`, &w.executors},
		{`SELECT number FROM cases WHERE agency_id = $1 ORDER BY id LIMIT 40`, &w.numbers},
	} {
		rows, err := owner.Query(ctx, part.sql, agency)
		if err != nil {
			return w, fmt.Errorf("registry: load the seeded agency: %w", err)
		}
		switch dst := part.dst.(type) {
		case *[]uuid.UUID:
			*dst, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		case *[]string:
			*dst, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			return w, fmt.Errorf("registry: load the seeded agency: %w", err)
		}
	}
	fmt.Fprintf(out, "registry: %d cases in the agency (reused database)\n", n)
	return w, nil
}

// benchServerURL is the server the tests use.
func benchServerURL() string {
	for _, name := range []string{"OKNO_TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func withDatabase(server, name string) (string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", fmt.Errorf("registry: parse server URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func dropDatabase(server, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("registry: drop %s: %w", name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("registry: drop %s: %w", name, err)
	}
	return nil
}

// benchPool connects as the application role, exactly as the server does,
// with a tracer that keeps the registry's last SQL for EXPLAIN ANALYZE.
func benchPool(ctx context.Context, ownerURL string, tracer pgx.QueryTracer) (*pgxpool.Pool, error) {
	appURL, err := database.AppURL(ownerURL, "")
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(appURL)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("registry: open pool: %w", err)
	}
	return pool, nil
}

// lastListSQL remembers the last statement that read the registry.
type lastListSQL struct {
	mu   sync.Mutex
	sql  string
	args []any
}

func (l *lastListSQL) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.Contains(d.SQL, "FROM cases r") {
		l.mu.Lock()
		l.sql, l.args = d.SQL, slices.Clone(d.Args)
		l.mu.Unlock()
	}
	return ctx
}

func (l *lastListSQL) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *lastListSQL) last() (string, []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sql, l.args
}

// benchWorld is what the seeding made and the scenarios query by.
type benchWorld struct {
	clerk       *people.Principal
	departments []uuid.UUID
	executors   []uuid.UUID
	numbers     []string // a sample of registry numbers
}

type listScenario struct {
	name     string
	queries  []url.Values // cycled through the runs
	headline bool
}

// Search terms as clerks type them: common words of object names (a third
// of all cases), streets, towns and surnames (rarer), in other grammatical
// cases than stored.
func benchSearchTerms() []string {
	return []string{"строительства", "Казани", "реконструкции гаража", "Кузнецовой", "Садовой",
		"склада", "Петровичу", "Тверь", "магазина", "Лебедева"}
}

func (w benchWorld) scenarios() []listScenario {
	q := func(pairs ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			v.Add(pairs[i], pairs[i+1])
		}
		return v
	}
	var search, filtered, numbers []url.Values
	for _, term := range benchSearchTerms() {
		search = append(search, q("q", term))
		filtered = append(filtered, q("status", cases.StatusOpen, "sort", "received", "q", term))
	}
	for _, n := range w.numbers {
		numbers = append(numbers, q("q", n[len(n)-6:]))
	}
	var mine []url.Values
	for _, e := range w.executors[:5] {
		mine = append(mine, q("status", cases.StatusOpen, "executor", e.String()))
	}
	return []listScenario{
		{name: "default (due date)", queries: []url.Values{{}}},
		{name: "мои дела (open, executor)", queries: mine},
		{name: "filter+sort (dept, received)", queries: []url.Values{q("status", "in_progress", "department", w.departments[0].String(), "sort", "received")}},
		{name: "overdue", queries: []url.Values{q("deadline", "overdue")}},
		{name: "due within 3 working days", queries: []url.Values{q("deadline", "soon", "within", "3")}},
		{name: "sort by number", queries: []url.Values{q("sort", "number")}},
		{name: "full-text search", queries: search},
		{name: "number fragment (trigram)", queries: numbers},
		{name: "filter+sort+full-text", queries: filtered, headline: true},
	}
}

type listTimes struct {
	p50, p95, sqlP50, sqlP95, rows float64
}

func measureList(ctx context.Context, svc *cases.Service, pool *pgxpool.Pool, tracer *lastListSQL, by *people.Principal,
	sc listScenario, runs int, explain bool, out io.Writer) (listTimes, error) {
	filters := make([]cases.Filter, len(sc.queries))
	type statement struct {
		sql  string
		args []any
	}
	statements := make([]statement, len(sc.queries))
	for i, q := range sc.queries {
		f, problems := cases.ParseFilter(q)
		if problems != nil {
			return listTimes{}, problems
		}
		filters[i] = f
		// The first call warms the caches as a working day would, and
		// leaves the statement to time bare.
		if _, err := svc.List(ctx, by, f); err != nil {
			return listTimes{}, err
		}
		statements[i].sql, statements[i].args = tracer.last()
	}
	var took, sqlTook []float64
	var rows int
	for i := range runs {
		start := time.Now()
		page, err := svc.List(ctx, by, filters[i%len(filters)])
		if err != nil {
			return listTimes{}, err
		}
		took = append(took, float64(time.Since(start).Microseconds())/1000)
		rows += len(page.Rows)
	}
	for i := range min(runs, 50) {
		st := statements[i%len(statements)]
		ms, plan, err := explainAnalyze(ctx, pool, by.Agency.ID, st.sql, st.args, explain && i == 0)
		if err != nil {
			return listTimes{}, err
		}
		sqlTook = append(sqlTook, ms)
		if plan != "" {
			fmt.Fprintf(out, "-- %s\n%s\n", sc.name, plan)
		}
	}
	return listTimes{p50: percentileOf(took, 50), p95: percentileOf(took, 95),
		sqlP50: percentileOf(sqlTook, 50), sqlP95: percentileOf(sqlTook, 95), rows: float64(rows) / float64(runs)}, nil
}

// explainAnalyze runs the statement under EXPLAIN ANALYZE in the agency's
// scope and returns the server's planning plus execution time.
func explainAnalyze(ctx context.Context, pool *pgxpool.Pool, agencyID uuid.UUID, sql string, args []any, withPlan bool) (float64, string, error) {
	var ms float64
	var plan string
	err := database.InAgency(ctx, pool, agencyID, func(tx pgx.Tx) error {
		var raw []byte
		if err := tx.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+sql, args...).Scan(&raw); err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		var result []struct {
			Planning  float64 `json:"Planning Time"`
			Execution float64 `json:"Execution Time"`
		}
		if err := json.Unmarshal(raw, &result); err != nil || len(result) != 1 {
			return fmt.Errorf("explain output: %v", err)
		}
		ms = result[0].Planning + result[0].Execution
		if !withPlan {
			return nil
		}
		rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF) "+sql, args...)
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		plan = strings.Join(lines, "\n")
		return err
	})
	return ms, plan, err
}

func percentileOf(v []float64, p int) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

// seedRegistry fills the scratch database: people and service types through
// the application's own code, cases with COPY. The table's secondary indexes
// are dropped for the COPY and built again afterwards from their own
// definitions, which is several times faster than maintaining GIN indexes
// row by row, and leaves the very same indexes.
func seedRegistry(ctx context.Context, ownerURL string, pool *pgxpool.Pool, total, others int) (benchWorld, string, error) {
	owner, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return benchWorld{}, "", fmt.Errorf("registry: connect as owner: %w", err)
	}
	defer owner.Close(ctx)
	rng := mathrand.New(mathrand.NewPCG(2026, 11))
	home, err := seedAgency(ctx, owner, pool, "BENCH", "Министерство строительства (нагрузочный стенд)")
	if err != nil {
		return benchWorld{}, "", err
	}
	other, err := seedAgency(ctx, owner, pool, "BENCH_OTHER", "Комитет по охране наследия (нагрузочный стенд)")
	if err != nil {
		return benchWorld{}, "", err
	}
	if err := calendar.SeedDemo(ctx, pool); err != nil {
		return benchWorld{}, "", fmt.Errorf("registry: %w", err)
	}

	rows, err := owner.Query(ctx, `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'cases'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid)`)
	if err != nil {
		return benchWorld{}, "", fmt.Errorf("registry: list indexes: %w", err)
	}
	indexes, err := pgx.CollectRows(rows, pgx.RowToStructByName[caseIndex])
	if err != nil {
		return benchWorld{}, "", fmt.Errorf("registry: list indexes: %w", err)
	}
	for _, ix := range indexes {
		if _, err := owner.Exec(ctx, "DROP INDEX "+pgx.Identifier{ix.Name}.Sanitize()); err != nil {
			return benchWorld{}, "", fmt.Errorf("registry: drop index %s: %w", ix.Name, err)
		}
	}

	start := time.Now()
	now := time.Now()
	world := benchWorld{
		clerk:       home.clerk,
		departments: home.departments,
		executors:   home.executors,
	}
	// Foreign keys cost four lookups a row, and every seeded row refers to
	// what was inserted just before; a superuser owner skips the checks.
	if _, err := owner.Exec(ctx, "SET session_replication_role = replica"); err != nil {
		fmt.Fprintln(os.Stderr, "bench: registry: foreign keys stay checked during COPY:", err)
	}
	if err := copyCases(ctx, owner, rng, home, total, now, &world.numbers); err != nil {
		return benchWorld{}, "", err
	}
	if err := copyCases(ctx, owner, rng, other, others, now, nil); err != nil {
		return benchWorld{}, "", err
	}
	copied := time.Since(start)

	start = time.Now()
	if err := buildIndexes(ctx, ownerURL, indexes); err != nil {
		return benchWorld{}, "", err
	}
	indexed := time.Since(start)
	start = time.Now()
	if _, err := owner.Exec(ctx, "VACUUM (ANALYZE) cases"); err != nil {
		return benchWorld{}, "", fmt.Errorf("registry: vacuum: %w", err)
	}
	return world, fmt.Sprintf("copy %s, %d indexes %s, vacuum+analyze %s", copied.Round(time.Second), len(indexes),
		indexed.Round(time.Second), time.Since(start).Round(time.Second)), nil
}

// index is a secondary index of cases by its definition.
type caseIndex struct {
	Name string `db:"name"`
	Def  string `db:"def"`
}

// buildIndexes builds the indexes two at a time, one per core.
func buildIndexes(ctx context.Context, ownerURL string, indexes []caseIndex) error {
	todo := make(chan caseIndex, len(indexes))
	for _, ix := range indexes {
		todo <- ix
	}
	close(todo)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			errs <- func() error {
				conn, err := pgx.Connect(ctx, ownerURL)
				if err != nil {
					return fmt.Errorf("registry: connect as owner: %w", err)
				}
				defer conn.Close(ctx)
				if _, err := conn.Exec(ctx, "SET maintenance_work_mem = '512MB'"); err != nil {
					return fmt.Errorf("registry: %w", err)
				}
				for ix := range todo {
					if _, err := conn.Exec(ctx, ix.Def); err != nil {
						return fmt.Errorf("registry: build index %s: %w", ix.Name, err)
					}
				}
				return nil
			}()
		}()
	}
	return errors.Join(<-errs, <-errs)
}

// benchAgency is one seeded agency.
type benchAgency struct {
	id          uuid.UUID
	clerk       *people.Principal
	departments []uuid.UUID
	executors   []uuid.UUID
	byDept      map[uuid.UUID][]uuid.UUID
	types       []forms.ServiceType
}

func seedAgency(ctx context.Context, owner *pgx.Conn, pool *pgxpool.Pool, code, name string) (benchAgency, error) {
	a := benchAgency{id: uuid.New(), byDept: map[uuid.UUID][]uuid.UUID{}}
	if _, err := owner.Exec(ctx, `INSERT INTO agencies (id, code, name, short_name) VALUES ($1, $2, $3, $2)`, a.id, code, name); err != nil {
		return a, fmt.Errorf("registry: agency %s: %w", code, err)
	}
	for _, dept := range []string{"Отдел разрешений на строительство", "Отдел ввода объектов в эксплуатацию",
		"Отдел градостроительного планирования", "Отдел согласования работ", "Отдел учёта объектов", "Приёмная"} {
		id := uuid.New()
		if _, err := owner.Exec(ctx, `INSERT INTO departments (agency_id, id, name) VALUES ($1, $2, $3)`, a.id, id, dept); err != nil {
			return a, fmt.Errorf("registry: department: %w", err)
		}
		a.departments = append(a.departments, id)
	}
	rng := mathrand.New(mathrand.NewPCG(uint64(len(code)), 7))
	for i := range 36 {
		id, dept := uuid.New(), a.departments[i%len(a.departments)]
		role := people.RoleClerk
		if i%6 == 5 {
			role = people.RoleHead
		}
		full := personName(rng)
		login := strings.ToLower(code) + ".user" + strconv.Itoa(i)
		if _, err := owner.Exec(ctx, `INSERT INTO users (agency_id, id, login, full_name, role, department_id, password_hash)
			VALUES (@agency_id, @id, @login, @full_name, @role, @department_id, 'bench: no login')`,
			pgx.NamedArgs{"agency_id": a.id, "id": id, "login": strings.ReplaceAll(login, "_", "-"), "full_name": full,
				"role": role, "department_id": dept}); err != nil {
			return a, fmt.Errorf("registry: user: %w", err)
		}
		a.executors = append(a.executors, id)
		a.byDept[dept] = append(a.byDept[dept], id)
		if i == 0 {
			a.clerk = &people.Principal{User: people.User{AgencyID: a.id, ID: id, FullName: full, Role: role}, Agency: people.Agency{ID: a.id, Code: code}}
		}
	}
	a.types = append(forms.DemoServiceTypes("MINSTROY"), forms.DemoServiceTypes("OKN")...)
	err := database.InAgency(ctx, pool, a.id, func(tx pgx.Tx) error {
		for i := range a.types {
			a.types[i].AgencyID, a.types[i].ID = a.id, uuid.New()
			if err := forms.Insert(ctx, tx, a.types[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return a, fmt.Errorf("registry: service types of %s: %w", code, err)
	}
	return a, nil
}

// benchStatuses spreads a registry over two years: most cases are closed,
// a quarter are being worked.
func benchStatuses() []struct {
	status cases.Status
	weight int
} {
	return []struct {
		status cases.Status
		weight int
	}{
		{cases.StatusResultSent, 45}, {cases.StatusRefused, 10}, {cases.StatusCancelled, 3}, {cases.StatusRegistered, 5},
		{cases.StatusInProgress, 22}, {cases.StatusAwaitingApplicant, 7}, {cases.StatusOnApproval, 5}, {cases.StatusDecisionSigned, 3},
	}
}

func copyCases(ctx context.Context, owner *pgx.Conn, rng *mathrand.Rand, a benchAgency, n int, now time.Time, sample *[]string) error {
	statuses := benchStatuses()
	weights := 0
	for _, s := range statuses {
		weights += s.weight
	}
	seq := map[int]int64{}
	// Received dates ascend through the last two years, as numbers do.
	span := 730 * 24 * time.Hour
	first := now.Add(-span)
	i := 0
	columns := []string{"agency_id", "id", "number", "service_type_id", "service_type_version", "status", "channel",
		"applicant_kind", "applicant_name", "applicant_snils", "applicant", "fields", "received_at", "registered_at",
		"due_date", "department_id", "executor_id"}
	// Each row is built by column name and ordered by columns, so the two
	// lists cannot drift apart.
	byName := func(row map[string]any) ([]any, error) {
		values := make([]any, len(columns))
		for i, c := range columns {
			v, ok := row[c]
			if !ok {
				return nil, fmt.Errorf("no value for column %s", c)
			}
			values[i] = v
		}
		if len(row) != len(columns) {
			return nil, fmt.Errorf("%d values for %d columns", len(row), len(columns))
		}
		return values, nil
	}
	_, err := owner.CopyFrom(ctx, pgx.Identifier{"cases"}, columns, pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		received := first.Add(time.Duration(float64(span) * (float64(i) + rng.Float64()) / float64(n)))
		i++
		st := a.types[rng.IntN(len(a.types))]
		year := received.Year()
		seq[year]++
		number := st.RegistryNumber(year, seq[year])
		if sample != nil && rng.IntN(max(1, n/40)) == 0 && len(*sample) < 40 {
			*sample = append(*sample, number)
		}
		pick := rng.IntN(weights)
		status := statuses[0].status
		for _, s := range statuses {
			if pick < s.weight {
				status = s.status
				break
			}
			pick -= s.weight
		}
		// About 1.4 calendar days per working day; some cases run late.
		due := calendar.Date(received).AddDate(0, 0, st.DeadlineWorkingDays*7/5+rng.IntN(3))
		var dept, executor *uuid.UUID
		if status != cases.StatusRegistered {
			d := a.departments[rng.IntN(len(a.departments))]
			e := a.byDept[d][rng.IntN(len(a.byDept[d]))]
			dept, executor = &d, &e
		}
		applicant, kind := personName(rng), forms.KindPerson
		if rng.IntN(4) == 0 {
			applicant, kind = organisationName(rng), forms.KindLegalEntity
		}
		snils := fmt.Sprintf("%03d-%03d-%03d %02d", rng.IntN(1000), rng.IntN(1000), rng.IntN(1000), rng.IntN(100))
		fields, err := json.Marshal(caseFields(rng, st))
		if err != nil {
			return nil, err
		}
		return byName(map[string]any{"agency_id": a.id, "id": uuid.New(), "number": number, "service_type_id": st.ID,
			"service_type_version": st.Version, "status": string(status), "channel": string(forms.ChannelPortal),
			"applicant_kind": string(kind), "applicant_name": applicant, "applicant_snils": snils, "applicant": `{}`,
			"fields": string(fields), "received_at": received, "registered_at": received, "due_date": due,
			"department_id": dept, "executor_id": executor})
	}))
	if err != nil {
		return fmt.Errorf("registry: copy cases: %w", err)
	}
	return nil
}

func pickOf(rng *mathrand.Rand, from []string) string { return from[rng.IntN(len(from))] }

func personName(rng *mathrand.Rand) string {
	surnames := []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
		"Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов",
		"Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев"}
	men := []string{"Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван", "Михаил", "Николай"}
	women := []string{"Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Мария", "Анна", "Екатерина", "Юлия"}
	fathers := []string{"Александров", "Сергеев", "Дмитриев", "Андреев", "Алексеев", "Петров", "Иванов", "Николаев", "Викторов", "Юрьев"}
	if rng.IntN(2) == 0 {
		return pickOf(rng, surnames) + " " + pickOf(rng, men) + " " + pickOf(rng, fathers) + "ич"
	}
	return pickOf(rng, surnames) + "а " + pickOf(rng, women) + " " + pickOf(rng, fathers) + "на"
}

func organisationName(rng *mathrand.Rand) string {
	return pickOf(rng, []string{"ООО", "АО", "ПАО", "ООО СЗ"}) + " «" + pickOf(rng, []string{"Ромашка", "СтройИнвест", "Монолит",
		"Вектор", "Гранит", "Северная звезда", "Домострой", "Перспектива", "Уралстрой", "Новый квартал"}) + "»"
}

// caseFields fills the card's attributes of the service type with plausible values.
func caseFields(rng *mathrand.Rand, st forms.ServiceType) map[string]string {
	towns := []string{"г. Москва", "г. Казань", "г. Тверь", "г. Самара", "г. Пермь", "г. Вологда", "г. Псков", "г. Рязань"}
	streets := []string{"ул. Ленина", "ул. Садовая", "пр. Мира", "ул. Баумана", "ул. Советская", "наб. Волжская", "ул. Гагарина", "пер. Школьный"}
	address := fmt.Sprintf("%s, %s, д. %d", pickOf(rng, towns), pickOf(rng, streets), 1+rng.IntN(120))
	object := pickOf(rng, []string{"Строительство многоквартирного жилого дома", "Строительство индивидуального жилого дома",
		"Реконструкция склада", "Строительство магазина", "Реконструкция гаража", "Строительство школы на 550 мест",
		"Строительство производственного корпуса", "Реконструкция административного здания"})
	f := map[string]string{}
	for _, field := range st.Fields {
		switch field.Name {
		case "objectName", "heritageObjectName":
			f[field.Name] = object
		case "objectAddress":
			f[field.Name] = address
		case "cadastralNumber":
			f[field.Name] = fmt.Sprintf("%02d:%02d:%07d:%d", 1+rng.IntN(89), rng.IntN(100), rng.IntN(10_000_000), 1+rng.IntN(999))
		case "floors":
			f[field.Name] = strconv.Itoa(1 + rng.IntN(25))
		case "totalArea":
			f[field.Name] = fmt.Sprintf("%d,%d кв. м", 30+rng.IntN(20000), rng.IntN(10))
		case "registryNumber":
			f[field.Name] = fmt.Sprintf("%015d", rng.Int64N(1e15))
		case "worksKind":
			f[field.Name] = pickOf(rng, []string{"Реставрация", "Консервация", "Ремонт"})
		}
	}
	return f
}
