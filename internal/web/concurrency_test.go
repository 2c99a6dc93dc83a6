package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// send is a request of a browser that is safe from any goroutine: it
// returns what went wrong instead of failing the test.
func (b *browser) send(method, path string, form url.Values) (response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.s.url+path, body)
	if err != nil {
		return response{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location"), header: resp.Header}, err
}

// assignAll ticks cases in the registry in the given order and assigns them,
// then reads the flash the registry shows: any answer but success is an error.
func (b *browser) assignAll(ids []uuid.UUID, executor uuid.UUID) error {
	form := url.Values{"executor_id": {executor.String()}}
	for _, id := range ids {
		form.Add("case", id.String())
	}
	r, err := b.send(http.MethodPost, "/cases/assign", form)
	if err != nil {
		return err
	}
	if r.status != http.StatusSeeOther {
		return fmt.Errorf("bulk assignment: %d %s", r.status, r.body)
	}
	page, err := b.send(http.MethodGet, r.location, nil)
	if err != nil {
		return err
	}
	if want := fmt.Sprintf("Назначено: %d", len(ids)); !strings.Contains(page.body, want) {
		return fmt.Errorf("bulk assignment: page after it lacks %q:\n%s", want, page.body)
	}
	return nil
}

// deadlocks is how many deadlocks PostgreSQL has counted in the site's
// database (the count may lag a victim by a second, never overstate).
func (s *site) deadlocks() int {
	s.t.Helper()
	s.ownerExec(`SELECT pg_stat_clear_snapshot()`)
	return s.count(`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`)
}

// Two people assign the same cases at once, ticked in opposite order, while
// a third changes the status of one of them: each batch locks all its cases
// in one order, so they wait for each other and all finish; nobody sees an
// error page.
func TestBulkAssignmentsInOppositeOrderDoNotDeadlock(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const n = 40
	ids := make([]uuid.UUID, n)
	for i := range ids {
		// Each case has an executor already, so taking one into work adds no
		// assignment of its own: the timelines hold exactly the batches'.
		ids[i] = s.addCase(registryCase{number: fmt.Sprintf("2026-RNS-%06d", i+1), status: "registered", executor: "minstroy.clerk"})
	}
	reversed := slices.Clone(ids)
	slices.Reverse(reversed)
	head, clerk, other := s.browser().login("minstroy.head"), s.browser().login("minstroy.clerk"), s.browser().login("minstroy.clerk")
	executor := s.userID("minstroy.clerk")
	const rounds = 3
	var wg sync.WaitGroup
	errs := make(chan error, 3*rounds)
	for range rounds {
		wg.Add(3)
		go func() { defer wg.Done(); errs <- head.assignAll(ids, executor) }()
		go func() { defer wg.Done(); errs <- clerk.assignAll(reversed, executor) }()
		go func() { // a status change on a case in the middle of both batches
			defer wg.Done()
			r, err := other.send(http.MethodPost, "/cases/"+ids[n/2].String()+"/status", url.Values{"from": {"registered"}, "to": {"in_progress"}})
			if err == nil && r.status != http.StatusSeeOther {
				err = fmt.Errorf("status change: %d %s", r.status, r.body)
			}
			errs <- err
		}()
		wg.Wait()
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := s.count(`SELECT count(*) FROM case_events WHERE kind = 'assigned' AND case_id = ANY($1)`, ids); got != 2*rounds*n {
		t.Errorf("%d assignment entries on the timelines, want %d", got, 2*rounds*n)
	}
	if got := s.deadlocks(); got != 0 {
		t.Errorf("PostgreSQL counted %d deadlocks", got)
	}
}

// stalledExport starts a CSV export on a connection whose client reads the
// first bytes and then nothing more, with a receive buffer kept small so
// that the server soon blocks writing to it.
func (b *browser) stalledExport(t *testing.T) net.Conn {
	t.Helper()
	dialer := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048) })
		return err
	}}
	u, _ := url.Parse(b.s.url)
	conn, err := dialer.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var cookies []string
	for _, c := range b.client.Jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	fmt.Fprintf(conn, "GET /cases/export.csv HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nSec-Fetch-Site: same-origin\r\n\r\n", u.Host, strings.Join(cookies, "; "))
	status := make([]byte, len("HTTP/1.1 200"))
	if _, err := io.ReadFull(conn, status); err != nil || string(status) != "HTTP/1.1 200" {
		t.Fatalf("export: %q %v", status, err)
	}
	return conn
}

// While the clients of as many exports as the pool has connections stall,
// the agency goes on working: a card opens and an audited status change
// commits. An export that kept its transaction open while writing would
// hold every connection of the pool until its client read on.
func TestStalledExportsHoldNoTransaction(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	id := s.addCase(registryCase{number: "2026-RNS-900000", status: "registered"})
	// Enough rows that an export fills the socket's buffers many times over.
	s.ownerExec(`INSERT INTO cases (agency_id, id, number, service_type_id, service_type_version, status, channel, applicant_kind,
			applicant_name, applicant, fields, received_at, registered_at, due_date)
		SELECT agency_id, gen_random_uuid(), '2026-RNS-' || lpad(i::text, 6, '0'), service_type_id, 1, 'in_progress', 'portal', 'person',
			'Заявитель Выгрузки Длинное Имя Для Объёма Номер ' || i, '{}', '{}', now(), now(), current_date + 10
		FROM cases, generate_series(1, 30000) AS i WHERE id = $1`, id)
	clerk, head := s.browser().login("minstroy.clerk"), s.browser().login("minstroy.head")
	head.client.Timeout = time.Minute
	for range s.db.App.Config().MaxConns {
		clerk.stalledExport(t)
	}
	if r, err := head.send(http.MethodGet, "/cases/"+id.String(), nil); err != nil || r.status != http.StatusOK {
		t.Fatalf("card during stalled exports: %v %d", err, r.status)
	}
	r, err := head.send(http.MethodPost, "/cases/"+id.String()+"/status", url.Values{"from": {"registered"}, "to": {"in_progress"}})
	if err != nil || r.status != http.StatusSeeOther {
		t.Fatalf("status change during stalled exports: %v %d", err, r.status)
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'case.export'`); n != int(s.db.App.Config().MaxConns) {
		t.Errorf("%d exports audited, want %d", n, s.db.App.Config().MaxConns)
	}
}

// stressDuration is how long TestManyClerksAtOnce runs: a few seconds by
// default so the suite stays quick, longer with OKNO_STRESS_DURATION=30s.
func stressDuration(t *testing.T) time.Duration {
	v := os.Getenv("OKNO_STRESS_DURATION")
	if v == "" {
		return 5 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("OKNO_STRESS_DURATION: %v", err)
	}
	return d
}

// busApplication is a building-permit application as the portal files it
// over SMEV, without its files: the service type registers it and shows the
// missing documents as the case's problems.
func busApplication(order int) []byte {
	return []byte(`<FormData xmlns="` + forms.ConcentratorNamespace("building-permit", "1.0.0") + `"><orderId>` + strconv.Itoa(order) + `</orderId>` +
		`<Service><eServiceCode>10000000000101</eServiceCode><serviceTargetCode>10000000000101001</serviceTargetCode></Service>` +
		`<Applicant type="PERSON"><Person><lastName>Иванова</lastName><firstName>Мария</firstName><middleName>Сергеевна</middleName>` +
		`<birthDate>1985-03-14</birthDate><snils>11223344595</snils><IdentityDocument type="1"><series>4510</series><number>654321</number>` +
		`<issueDate>2011-02-01</issueDate><issuedBy>ОУФМС России по г. Москве</issuedBy></IdentityDocument>` +
		`<registrationAddress>г. Москва, ул. Ленина, д. 1, кв. 5</registrationAddress></Person>` +
		`<Contacts><phone>+7 903 555-12-34</phone></Contacts></Applicant>` +
		`<Object><objectName>Склад</objectName><cadastralNumber>77:01:0001001:1234</cadastralNumber>` +
		`<objectAddress>г. Москва, ул. Строителей, д. 5</objectAddress></Object><Documents/></FormData>`)
}

// busFeed delivers applications to one agency as pulling nodes do. Most
// deliveries are new messages; some reach two nodes at once; some are
// messages taken before whose acknowledgement was lost. taken is every
// message intake registered.
type busFeed struct {
	intake *intake.Service
	agency uuid.UUID

	mu    sync.Mutex
	next  int
	taken []string
}

func (f *busFeed) newDelivery() *smevclient.Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	id := uuid.NewString()
	return &smevclient.Delivery{MessageID: id, ReplyTo: "reply-to-" + id, Content: busApplication(900000 + f.next)}
}

// receive hands one delivery to intake the way the puller does: the
// messages carry no files, so the bus is never asked for one.
func (f *busFeed) receive(d *smevclient.Delivery) (intake.Outcome, error) {
	outcome, _, err := f.intake.Receive(context.Background(), f.agency, nil, d)
	if err != nil {
		return "", fmt.Errorf("bus message %s: %w", d.MessageID, err)
	}
	return outcome, nil
}

func (f *busFeed) took(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.taken = append(f.taken, id)
}

// deliver is the i-th delivery of a pulling node.
func (f *busFeed) deliver(i int) error {
	switch i % 4 {
	case 1: // a redelivery of a message taken before
		f.mu.Lock()
		var again *smevclient.Delivery
		if len(f.taken) > 0 {
			id := f.taken[(i*7919)%len(f.taken)]
			again = &smevclient.Delivery{MessageID: id, ReplyTo: "reply-to-" + id, Content: busApplication(0)}
		}
		f.mu.Unlock()
		if again == nil {
			return nil
		}
		outcome, err := f.receive(again)
		if err == nil && outcome != intake.OutcomeDuplicate {
			err = fmt.Errorf("redelivered message %s: %s, want %s", again.MessageID, outcome, intake.OutcomeDuplicate)
		}
		return err
	case 3: // one message reaches two nodes at once: one of them registers it
		d := f.newDelivery()
		outcomes := make([]intake.Outcome, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for n := range 2 {
			wg.Go(func() { outcomes[n], errs[n] = f.receive(d) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		slices.Sort(outcomes)
		if !slices.Equal(outcomes, []intake.Outcome{intake.OutcomeDuplicate, intake.OutcomeRegistered}) {
			return fmt.Errorf("message %s taken by two nodes at once: %v, want one registered and one duplicate", d.MessageID, outcomes)
		}
		f.took(d.MessageID)
		return nil
	default:
		d := f.newDelivery()
		outcome, err := f.receive(d)
		if err == nil && outcome != intake.OutcomeRegistered {
			err = fmt.Errorf("new message %s: %s, want %s", d.MessageID, outcome, intake.OutcomeRegistered)
		}
		if err == nil {
			f.took(d.MessageID)
		}
		return err
	}
}

// registryNumbers says what is wrong with the numbers of the cases
// registered since the counter stood at before (every case not in seeded):
// they must run from before+1 to the counter without a gap or a repeat.
func (s *site) registryNumbers(agency uuid.UUID, seeded []uuid.UUID, before int) error {
	var got struct {
		Cases, Numbers, Seqs, First, Last, Counter, OtherYear int
	}
	err := s.ownerQuery(`SELECT count(*), count(DISTINCT number), count(DISTINCT seq), coalesce(min(seq), 0), coalesce(max(seq), 0),
			count(*) FILTER (WHERE NOT number LIKE year::text || '-%'),
			coalesce((SELECT last_seq FROM registry_counters c WHERE c.agency_id = @agency AND c.year = max(n.year)), 0)
		FROM (SELECT number, substring(number FROM '(\d+)$')::int AS seq,
				extract(year FROM now() AT TIME ZONE a.time_zone)::int AS year
			FROM cases JOIN agencies a ON a.id = cases.agency_id
			WHERE cases.agency_id = @agency AND cases.id <> ALL(@seeded)) n`,
		pgx.NamedArgs{"agency": agency, "seeded": seeded}).
		Scan(&got.Cases, &got.Numbers, &got.Seqs, &got.First, &got.Last, &got.OtherYear, &got.Counter)
	switch {
	case err != nil:
		return err
	case got.Cases == 0:
		return errors.New("no case registered")
	case got.Numbers != got.Cases || got.Seqs != got.Cases:
		return fmt.Errorf("%d cases registered with %d distinct numbers (%d distinct sequence numbers)", got.Cases, got.Numbers, got.Seqs)
	case got.OtherYear != 0:
		return fmt.Errorf("%d cases numbered for another year", got.OtherYear)
	case got.First != before+1 || got.Last != got.Counter || got.Last-got.First+1 != got.Cases:
		return fmt.Errorf("%d cases numbered %d to %d, counter at %d: want %d to %d without gaps", got.Cases, got.First, got.Last, got.Counter, before+1, got.Counter)
	}
	return nil
}

// Sixteen people work one agency at once for a while: bulk assignments in
// both orders, status changes back and forth, card views, exports, saved
// filters and paper registrations; meanwhile two pulling nodes hand the
// bus's applications to intake, some of them twice. Every answer must be
// the one a person expects (a stale status is one: the page says so); any
// error page or failed delivery fails the test, and so do afterwards a
// message registered twice or not at all, a gap or a repeat in the
// registry numbers, and a broken audit chain.
func TestManyClerksAtOnce(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const n = 20
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = s.addCase(registryCase{number: fmt.Sprintf("2026-RNS-%06d", 800000+i), status: "in_progress"})
	}
	reversed := slices.Clone(ids)
	slices.Reverse(reversed)
	executor := s.userID("minstroy.clerk")
	var agency uuid.UUID
	if err := s.ownerQuery(`SELECT id FROM agencies WHERE code = 'MINSTROY'`).Scan(&agency); err != nil {
		t.Fatal(err)
	}
	var seeded []uuid.UUID // every case of the agency before the run
	if err := s.ownerQuery(`SELECT coalesce(array_agg(id), '{}') FROM cases WHERE agency_id = @agency`, pgx.NamedArgs{"agency": agency}).Scan(&seeded); err != nil {
		t.Fatal(err)
	}
	counter := s.count(`SELECT coalesce(max(last_seq), 0) FROM registry_counters WHERE agency_id = @agency`, pgx.NamedArgs{"agency": agency})
	bus := &busFeed{intake: s.okno.Intake, agency: agency}
	expect := func(r response, err error, status int, what string) error {
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if r.status != status {
			return fmt.Errorf("%s: %d, want %d: %.300s", what, r.status, status, r.body)
		}
		return nil
	}
	type worker func(b *browser, i int) error
	workers := []worker{
		func(b *browser, i int) error { return b.assignAll(ids, executor) },
		func(b *browser, i int) error { return b.assignAll(reversed, executor) },
		func(b *browser, i int) error {
			r, err := b.send(http.MethodPost, "/cases/"+ids[i%n].String()+"/status", url.Values{"from": {"in_progress"}, "to": {"on_approval"}})
			return expect(r, err, http.StatusSeeOther, "clerk's status change")
		},
		func(b *browser, i int) error {
			r, err := b.send(http.MethodPost, "/cases/"+ids[i%n].String()+"/status",
				url.Values{"from": {"on_approval"}, "to": {"in_progress"}, "comment": {"Уточните площадь"}})
			return expect(r, err, http.StatusSeeOther, "head's status change")
		},
		func(b *browser, i int) error {
			r, err := b.send(http.MethodGet, "/cases/"+ids[i%n].String(), nil)
			return expect(r, err, http.StatusOK, "card")
		},
		func(b *browser, i int) error {
			r, err := b.send(http.MethodGet, "/cases/export.csv", nil)
			if err == nil && !strings.HasPrefix(r.body, "\uFEFF") {
				err = fmt.Errorf("export without a byte order mark: %.200s", r.body)
			}
			return expect(r, err, http.StatusOK, "export")
		},
		func(b *browser, i int) error {
			if i >= 40 { // under the limit of saved filters
				r, err := b.send(http.MethodGet, "/cases", nil)
				return expect(r, err, http.StatusOK, "registry")
			}
			r, err := b.send(http.MethodPost, "/cases/filters", url.Values{"name": {fmt.Sprintf("Фильтр %p %d", b, i)}, "filter": {"status=in_progress"}})
			return expect(r, err, http.StatusSeeOther, "saved filter")
		},
		func(b *browser, i int) error {
			ctype, body := officeForm(t, validOffice(), "скан.pdf", nil)
			req, err := http.NewRequest(http.MethodPost, b.s.url+"/cases/new/RNS", body)
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := b.client.Do(req)
			if err != nil {
				return fmt.Errorf("office registration: %w", err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !caseLink.MatchString(resp.Header.Get("Location")) {
				return fmt.Errorf("office registration: %d %.300s", resp.StatusCode, raw)
			}
			return nil
		},
	}
	// Sixteen people: two of each kind, the head returning cases for
	// approval; and two pulling nodes.
	logins := []string{"minstroy.head", "minstroy.clerk", "minstroy.clerk", "minstroy.head", "minstroy.clerk", "minstroy.head", "minstroy.clerk", "minstroy.clerk"}
	deadline := time.Now().Add(stressDuration(t))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []error
	actions := 0
	repeat := func(act func(i int) error) {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				err := act(i)
				mu.Lock()
				actions++
				if err != nil && len(failures) < 20 {
					failures = append(failures, err)
				}
				mu.Unlock()
			}
		})
	}
	for w := range 16 {
		kind := w % len(workers)
		b := s.browser().login(logins[kind])
		repeat(func(i int) error { return workers[kind](b, i) })
	}
	for range 2 {
		repeat(bus.deliver)
	}
	wg.Wait()
	for _, err := range failures {
		t.Error(err)
	}
	t.Logf("%d actions, %d applications from the bus", actions, len(bus.taken))
	if got := s.count(`SELECT count(*) FROM cases WHERE agency_id = @agency AND bus_message_id IS NOT NULL`, pgx.NamedArgs{"agency": agency}); got != len(bus.taken) {
		t.Errorf("%d cases from the bus, want one for each of %d messages", got, len(bus.taken))
	}
	if got := s.count(`SELECT count(DISTINCT bus_message_id) FROM cases WHERE agency_id = @agency AND bus_message_id = ANY(@taken)`,
		pgx.NamedArgs{"agency": agency, "taken": bus.taken}); got != len(bus.taken) {
		t.Errorf("%d of the %d messages taken have their case", got, len(bus.taken))
	}
	if err := s.registryNumbers(agency, seeded, counter); err != nil {
		t.Error(err)
	}
	ctx := context.Background()
	var broken *audit.Break
	if err := database.InAgency(ctx, s.db.App, agency, func(tx pgx.Tx) (err error) {
		broken, err = audit.Verify(ctx, tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if broken != nil {
		t.Fatalf("audit chain broken after the run: %+v", *broken)
	}
	if got := s.deadlocks(); got != 0 {
		t.Errorf("PostgreSQL counted %d deadlocks", got)
	}
}

// A registration waits for the agency's registry counter only at its end:
// while another transaction holds the counter, a paper registration has
// already written its case's timeline when it comes to wait, so concurrent
// registrations overlap in everything but taking the number.
func TestRegistrationTakesTheNumberLast(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	holder, err := s.owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, `INSERT INTO registry_counters (agency_id, year, last_seq)
		SELECT id, extract(year FROM now() AT TIME ZONE time_zone), 0 FROM agencies WHERE code = 'MINSTROY'
		ON CONFLICT (agency_id, year) DO UPDATE SET last_seq = registry_counters.last_seq`); err != nil {
		t.Fatal(err)
	}
	clerk := s.browser().login("minstroy.clerk")
	done := make(chan string, 1)
	go func() {
		ctype, body := officeForm(t, validOffice(), "скан.pdf", nil)
		req, _ := http.NewRequest(http.MethodPost, s.url+"/cases/new/RNS", body)
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := clerk.client.Do(req)
		if err != nil {
			done <- err.Error()
			return
		}
		resp.Body.Close()
		done <- resp.Header.Get("Location")
	}()
	// Wait until the registration waits for the counter's lock.
	var pid int
	for pid == 0 {
		err := s.owner.QueryRow(ctx, `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
			WHERE datname = current_database() AND usename = 'okno_app' AND wait_event_type = 'Lock'`).Scan(&pid)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-done:
			t.Fatalf("registration finished while the counter was held: %s", r)
		case <-time.After(20 * time.Millisecond):
		}
	}
	var wrote int
	if err := s.owner.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE pid = $1 AND mode = 'RowExclusiveLock'
		AND relation = ANY(ARRAY['cases'::regclass, 'case_events'::regclass])`, pid).Scan(&wrote); err != nil {
		t.Fatal(err)
	}
	if wrote != 2 {
		t.Errorf("the registration waits for its number before writing the case and its timeline (%d of 2 tables written)", wrote)
	}
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-done; !caseLink.MatchString(r) {
		t.Fatalf("registration after the counter was released: %s", r)
	}
	if n := s.count(`SELECT count(*) FROM cases WHERE number LIKE '~%'`); n != 0 {
		t.Errorf("%d cases kept their provisional number", n)
	}
}
