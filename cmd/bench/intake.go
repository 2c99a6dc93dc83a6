package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// runIntake measures intake throughput: applications taken from the SMEV 3
// stand, registered as cases and acknowledged, per second. Every call is
// signed with GOST XMLDSig and every reply's signature checked; every
// applicant's CMS signature on a scan is verified. The stand runs in this
// process and answers over loopback HTTP.
//
// The queue is preloaded through the portal's filing endpoint, then drained
// by intake.Puller (what the server's pull loop runs: one puller for
// the whole installation) while a CPU profile is taken. With -parallel > 1
// the queue is filled again and drained by that many GetRequest→Receive→Ack
// loops in parallel, which is what the server would do with a worker pool.
// Finally the very rows intake wrote are put back with COPY, the bound a
// bare batched insert sets. The last line is the Puller figure.
func runIntake(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("intake", flag.ContinueOnError)
	n := fs.Int("n", 1500, "applications in the stand's queue for the Puller")
	parallel := fs.Int("parallel", 4, "GetRequest→Receive→Ack loops of the second drain; 1 skips it")
	parallelN := fs.Int("parallel-n", 500, "applications in the queue for the parallel loops (filing them is what takes time)")
	filers := fs.Int("filers", 4, "concurrent portal filings while preloading")
	top := fs.Int("top", 8, "hottest functions listed from the profile")
	profileOut := fs.String("cpuprofile", "", "also write the Puller drain's CPU profile here, for go tool pprof")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *parallel < 1 || *parallelN < 1 || *filers < 1 || *top < 0 {
		return errors.New("intake: -n, -parallel, -parallel-n and -filers must be positive, -top not negative")
	}
	ctx := context.Background()
	w, err := openBusWorld(ctx, busWorldOptions{label: "intake", portalPoll: time.Second})
	if err != nil {
		return err
	}
	defer w.close()

	started := time.Now()
	if err := w.fileApplications(ctx, *n, *filers); err != nil {
		return fmt.Errorf("intake: preload: %w", err)
	}
	took := time.Since(started)
	fmt.Fprintf(out, "intake: %d portal applications preloaded in %s (%.0f/s, %d filers)\n",
		*n, took.Round(time.Millisecond), float64(*n)/took.Seconds(), *filers)

	puller := &intake.Puller{Intake: w.okno.Intake, Outbox: w.okno.Outbox, Takers: intake.DefaultTakers, Share: intake.DefaultShare,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))} // the server logs every message taken
	seq, err := measureDrain(ctx, w, *n, intake.DefaultTakers, puller.Drain)
	if err != nil {
		return fmt.Errorf("intake: Puller drain: %w", err)
	}
	if *profileOut != "" {
		if err := os.WriteFile(*profileOut, seq.profile.raw, 0o644); err != nil {
			return fmt.Errorf("intake: write the CPU profile: %w", err)
		}
	}
	seq.report(out, "Puller (1 puller, as the server)", *top)

	if *parallel > 1 {
		if err := w.fileApplications(ctx, *parallelN, *filers); err != nil {
			return fmt.Errorf("intake: second preload: %w", err)
		}
		par, err := measureDrain(ctx, w, *parallelN, *parallel, func(ctx context.Context) error { return drainInParallel(ctx, w, *parallel) })
		if err != nil {
			return fmt.Errorf("intake: parallel drain: %w", err)
		}
		par.report(out, fmt.Sprintf("%d parallel Receive loops", *parallel), *top)
		fmt.Fprintf(out, "intake: parallel %.1f applications/s, %.2f× the server's puller\n", par.rate(), par.rate()/seq.rate())
	}

	bare, rows, err := bareInsert(ctx, w)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "intake: bare COPY of the same rows (%s): %.0f applications/s, %.1f× the server's puller\n",
		rows, bare, bare/seq.rate())
	fmt.Fprintf(out, "intake: %.1f applications/s\n", seq.rate())
	return nil
}

// drained is one timed drain of the queue.
type drained struct {
	n        int
	wall     time.Duration
	profile  cpuProfile
	postgres time.Duration // CPU of the PostgreSQL server's processes, when visible
	loops    int           // drain loops running at once
	valid    int           // applicants' signatures verified valid
	phases   map[string]time.Duration
}

func (d drained) rate() float64 { return float64(d.n) / d.wall.Seconds() }

func (d drained) report(out io.Writer, what string, top int) {
	fmt.Fprintf(out, "intake: %s: %d applications in %s, %.1f/s; %d applicant signatures valid\n",
		what, d.n, d.wall.Round(time.Millisecond), d.rate(), d.valid)
	pg := "not visible (PostgreSQL is not a local process)"
	if d.postgres >= 0 {
		pg = fmt.Sprintf("%.1f s (%.2f cores)", d.postgres.Seconds(), d.postgres.Seconds()/d.wall.Seconds())
	}
	fmt.Fprintf(out, "  CPU: this process %.1f s (%.2f cores), the database's PostgreSQL backends %s\n",
		d.profile.total.Seconds(), d.profile.total.Seconds()/d.wall.Seconds(), pg)
	perApp := func(t time.Duration) float64 { return float64(t.Microseconds()) / 1000 / float64(d.n) }
	fmt.Fprintf(out, "  wall time per application, summed over loops: %.1f ms\n", perApp(d.wall)*float64(d.loops))
	var accounted time.Duration
	for _, phase := range []string{phaseGetRequest, phaseAck, phaseSQL, phaseBlobPut, phaseSignatures} {
		fmt.Fprintf(out, "    %6.1f ms  %s\n", perApp(d.phases[phase]), phase)
		accounted += d.phases[phase]
	}
	fmt.Fprintf(out, "    %6.1f ms  the rest (form mapping, XML, Go between the calls)\n", perApp(time.Duration(d.loops)*d.wall-accounted))
	d.profile.write(out, top)
}

// measureDrain times drain under a CPU profile and checks that it took
// exactly the n waiting applications, each registered and acknowledged.
func measureDrain(ctx context.Context, w *busWorld, n, loops int, drain func(context.Context) error) (drained, error) {
	d := drained{loops: loops}
	before, err := w.countRows(ctx)
	if err != nil {
		return d, err
	}
	pgBefore := w.backendTicks(ctx)
	w.clock.take()
	prof, err := startCPUProfile()
	if err != nil {
		return d, err
	}
	started := time.Now()
	drainErr := drain(ctx)
	d.wall = time.Since(started)
	d.profile, err = prof.stop()
	d.phases = w.clock.take()
	d.postgres = backendCPU(pgBefore, w.backendTicks(ctx))
	if err := errors.Join(drainErr, err); err != nil {
		return d, err
	}
	after, err := w.countRows(ctx)
	if err != nil {
		return d, err
	}
	d.n, d.valid = after.cases-before.cases, after.validSignatures-before.validSignatures
	if d.n != n {
		return d, fmt.Errorf("%d cases registered from %d applications", d.n, n)
	}
	if left, err := w.unacked(ctx); err != nil || left != 0 {
		return d, errors.Join(err, fmt.Errorf("%d messages left unacknowledged", left))
	}
	if d.valid < n {
		return d, fmt.Errorf("only %d applicant signatures verified valid for %d applications", d.valid, n)
	}
	return d, nil
}

type rowCounts struct{ cases, validSignatures int }

func (w *busWorld) countRows(ctx context.Context) (rowCounts, error) {
	var c rowCounts
	err := w.owner.QueryRow(ctx, `SELECT (SELECT count(*) FROM cases),
		(SELECT count(*) FROM case_documents WHERE signature_status = 'valid')`).Scan(&c.cases, &c.validSignatures)
	if err != nil {
		return c, fmt.Errorf("count cases: %w", err)
	}
	return c, nil
}

// drainInParallel runs loops that each take a message, register it and
// acknowledge it, until every selector of every agency is empty. It is
// the Puller's inner loop without the single-puller lock.
func drainInParallel(ctx context.Context, w *busWorld, loops int) error {
	type queue struct {
		agency busAgency
		bus    cases.Bus
		sel    smevclient.Selector
	}
	agencies, err := w.busAgencies(ctx)
	if err != nil {
		return err
	}
	var queues []queue
	for _, a := range agencies {
		bus, err := w.okno.Buses.For(a.mnemonic)
		if err != nil {
			return fmt.Errorf("bus of %s: %w", a.mnemonic, err)
		}
		err = database.InAgency(ctx, w.pool, a.id, func(tx pgx.Tx) error {
			pairs, err := forms.Selectors(ctx, tx)
			for _, p := range pairs {
				queues = append(queues, queue{agency: a, bus: bus, sel: smevclient.Selector{NamespaceURI: p.NamespaceURI, RootElement: p.RootElement}})
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("selectors of %s: %w", a.mnemonic, err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, loops)
	for i := range loops {
		wg.Go(func() {
			for _, q := range queues {
				for ctx.Err() == nil {
					d, err := q.bus.GetRequest(ctx, q.sel)
					if err != nil {
						errs[i] = fmt.Errorf("GetRequest for %s: %w", q.agency.mnemonic, err)
						cancel()
						return
					}
					if d == nil {
						break
					}
					if _, _, err := w.okno.Intake.Receive(ctx, q.agency.id, q.bus, d); err != nil {
						errs[i] = fmt.Errorf("receive %s: %w", d.MessageID, err)
						cancel()
						return
					}
					if err := q.bus.Ack(ctx, d.MessageID, true); err != nil {
						errs[i] = fmt.Errorf("ack %s: %w", d.MessageID, err)
						cancel()
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// bareInsert takes out every row intake wrote to cases, case_documents,
// case_events and status_deliveries and puts the same rows back with COPY
// in one transaction, foreign keys and indexes checked as usual, and
// returns the applications per second of that. The audit log (append-only)
// and River's outbox jobs are not part of the bare figure.
func bareInsert(ctx context.Context, w *busWorld) (float64, string, error) {
	tables := []string{"cases", "case_documents", "case_events", "status_deliveries"} // in foreign-key order
	type taken struct {
		columns []string
		rows    [][]any
	}
	saved := map[string]taken{}
	var counts []string
	for _, table := range tables {
		var cols []string
		rows, err := w.owner.Query(ctx, `SELECT column_name FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`, table)
		if err == nil {
			cols, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			return 0, "", fmt.Errorf("intake: columns of %s: %w", table, err)
		}
		quoted := make([]string, len(cols))
		for i, c := range cols {
			quoted[i] = pgx.Identifier{c}.Sanitize()
		}
		rows, err = w.owner.Query(ctx, "SELECT "+strings.Join(quoted, ", ")+" FROM "+pgx.Identifier{table}.Sanitize())
		if err != nil {
			return 0, "", fmt.Errorf("intake: read %s: %w", table, err)
		}
		values, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
		if err != nil {
			return 0, "", fmt.Errorf("intake: read %s: %w", table, err)
		}
		saved[table] = taken{columns: cols, rows: values}
		counts = append(counts, fmt.Sprintf("%d %s", len(values), table))
	}
	applications := len(saved["cases"].rows)
	tx, err := w.owner.Begin(ctx)
	if err != nil {
		return 0, "", fmt.Errorf("intake: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it does nothing
	for i := len(tables) - 1; i >= 0; i-- {
		if _, err := tx.Exec(ctx, "DELETE FROM "+pgx.Identifier{tables[i]}.Sanitize()); err != nil {
			return 0, "", fmt.Errorf("intake: empty %s: %w", tables[i], err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, "", fmt.Errorf("intake: empty the tables: %w", err)
	}
	if _, err := w.owner.Exec(ctx, "VACUUM (ANALYZE) "+strings.Join(tables, ", ")); err != nil {
		return 0, "", fmt.Errorf("intake: vacuum: %w", err)
	}

	started := time.Now()
	tx, err = w.owner.Begin(ctx)
	if err != nil {
		return 0, "", fmt.Errorf("intake: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it does nothing
	for _, table := range tables {
		t := saved[table]
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, t.columns, pgx.CopyFromRows(t.rows)); err != nil {
			return 0, "", fmt.Errorf("intake: copy %s: %w", table, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, "", fmt.Errorf("intake: commit the copy: %w", err)
	}
	took := time.Since(started)
	var back int
	if err := w.owner.QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&back); err != nil || back != applications {
		return 0, "", errors.Join(err, fmt.Errorf("intake: %d cases after the copy, %d before", back, applications))
	}
	return float64(applications) / took.Seconds(), strings.Join(counts, ", "), nil
}

// cpuProfile summarises a CPU profile of this process by where the time
// goes. The stand runs in the same process; a sample belongs to the stand
// when a frame of its stack is in internal/smevstand.
type cpuProfile struct {
	raw        []byte // as runtime/pprof wrote it
	total      time.Duration
	categories []profileCategory
	okno       []time.Duration // per category, then "other"
	stand      []time.Duration
	flat       map[string]time.Duration // by leaf function
}

// profileCategory is a kind of work, recognised by function names: a sample
// goes to the first category with a frame anywhere in its stack, so GOST
// maths called from the XML signer counts as signing, not as XML.
type profileCategory struct {
	title  string
	frames []string
}

func profileCategories() []profileCategory {
	return []profileCategory{
		{"GOST R 34.10 sign/verify", []string{"/internal/esign/gost3410."}},
		{"hashing (Streebog, SHA-256)", []string{"/internal/esign/streebog.", "crypto/sha256.", "crypto/internal/fips140/sha256."}},
		{"blob store (files)", []string{"/internal/blob."}},
		{"XML (parse, c14n, encode)", []string{"encoding/xml.", "/internal/esign/xmlsig.", "/internal/smevclient/message.", "/internal/forms."}},
		{"PDF scans (stand's portal)", []string{"go-pdf/fpdf."}},
		{"PostgreSQL client (pgx)", []string{"jackc/pgx/", "jackc/puddle/"}},
		{"HTTP, loopback, syscalls", []string{"net/http.", "net.", "internal/poll.", "syscall."}},
		{"garbage collector", []string{"runtime.gcBgMarkWorker", "runtime.bgsweep", "runtime.bgscavenge"}},
	}
}

type runningProfile struct{ buf *bytes.Buffer }

func startCPUProfile() (runningProfile, error) {
	p := runningProfile{buf: &bytes.Buffer{}}
	if err := pprof.StartCPUProfile(p.buf); err != nil {
		return p, fmt.Errorf("start CPU profile: %w", err)
	}
	return p, nil
}

func (p runningProfile) stop() (cpuProfile, error) {
	pprof.StopCPUProfile()
	raw := p.buf.Bytes()
	prof, err := profile.ParseData(raw)
	if err != nil {
		return cpuProfile{}, fmt.Errorf("read CPU profile: %w", err)
	}
	valueIndex := -1
	for i, st := range prof.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			valueIndex = i
		}
	}
	if valueIndex < 0 {
		return cpuProfile{}, errors.New("read CPU profile: no cpu/nanoseconds sample type")
	}
	cats := profileCategories()
	c := cpuProfile{raw: raw, categories: cats, okno: make([]time.Duration, len(cats)+1), stand: make([]time.Duration, len(cats)+1),
		flat: map[string]time.Duration{}}
	for _, s := range prof.Sample {
		v := time.Duration(s.Value[valueIndex])
		c.total += v
		var names []string
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				if line.Function != nil {
					names = append(names, line.Function.Name)
				}
			}
		}
		if len(names) > 0 {
			c.flat[names[0]] += v
		}
		side := c.okno
		if slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "/internal/smevstand/") }) {
			side = c.stand
		}
		side[categoryOf(cats, names)] += v
	}
	return c, nil
}

// categoryOf is the index of the first category a stack belongs to, or
// len(cats) for other work.
func categoryOf(cats []profileCategory, names []string) int {
	for i, cat := range cats {
		for _, n := range names {
			for _, f := range cat.frames {
				if strings.Contains(n, f) {
					return i
				}
			}
		}
	}
	return len(cats)
}

func (c cpuProfile) write(out io.Writer, top int) {
	if c.total == 0 {
		fmt.Fprintln(out, "  (no CPU samples)")
		return
	}
	pct := func(d time.Duration) float64 { return 100 * float64(d) / float64(c.total) }
	fmt.Fprintf(out, "  %-32s %7s %7s   (%% of this process's CPU)\n", "where the CPU goes", "okno", "stand")
	for i := range len(c.categories) + 1 {
		title := "other (runtime, allocation, Okno's own code)"
		if i < len(c.categories) {
			title = c.categories[i].title
		}
		fmt.Fprintf(out, "  %-32s %6.1f%% %6.1f%%\n", title, pct(c.okno[i]), pct(c.stand[i]))
	}
	names := make([]string, 0, len(c.flat))
	for n := range c.flat {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(c.flat[b], c.flat[a]) })
	for _, n := range names[:min(top, len(names))] {
		fmt.Fprintf(out, "    %5.1f%%  %s\n", pct(c.flat[n]), n)
	}
}

// backendTicks reads, from /proc, the CPU clock ticks (1/100 s, USER_HZ on
// Linux) used so far by each PostgreSQL backend serving the scratch
// database; other databases on the same server are not counted. It returns
// nil when the backends are not local processes.
func (w *busWorld) backendTicks(ctx context.Context) map[int]int64 {
	rows, err := w.owner.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return nil
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil
	}
	ticks := map[int]int64{}
	for _, pid := range pids {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/stat")
		if err != nil {
			continue // not local, or the backend ended meanwhile
		}
		// After the command in parentheses come the state and then fields
		// 4.. of proc(5); utime and stime are fields 14 and 15.
		end := bytes.LastIndexByte(stat, ')')
		fields := strings.Fields(string(stat[end+1:]))
		if end < 0 || len(fields) < 13 {
			continue
		}
		utime, err1 := strconv.ParseInt(fields[11], 10, 64)
		stime, err2 := strconv.ParseInt(fields[12], 10, 64)
		if err1 == nil && err2 == nil {
			ticks[int(pid)] = utime + stime
		}
	}
	if len(ticks) == 0 {
		return nil
	}
	return ticks
}

// backendCPU is the CPU the backends used between two readings, or -1.
func backendCPU(before, after map[int]int64) time.Duration {
	if before == nil || after == nil {
		return -1
	}
	var ticks int64
	for pid, t := range after {
		ticks += t - before[pid] // a backend started meanwhile counts whole
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
