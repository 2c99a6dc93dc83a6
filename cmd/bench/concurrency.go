package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/demo"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// runConcurrency measures one agency worked by many people at once through
// Okno's real HTTP handler: bulk assignments of the same cases in both
// orders, status changes back and forth, card views, CSV exports and saved
// filters, each worker repeating its kind of action for the duration; and
// meanwhile pulling nodes handing bus deliveries to intake (new messages,
// and messages taken before, which must come back as duplicates). It
// prints actions/s, the errors (any answer but the expected one), the p95
// of a card view while at least one export is running, and registrations
// from the bus per second.
func runConcurrency(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("concurrency", flag.ContinueOnError)
	workers := fs.Int("workers", 16, "concurrent people")
	duration := fs.Duration("duration", 30*time.Second, "how long they work")
	nCases := fs.Int("cases", 2000, "cases in the agency's registry (what an export streams)")
	batch := fs.Int("batch", 20, "cases in one bulk assignment")
	pullers := fs.Int("bus", 2, "pulling nodes handing bus deliveries to intake besides the workers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *workers < 1 || *duration <= 0 || *batch < 1 || *nCases < *batch || *pullers < 0 {
		return errors.New("concurrency: -workers, -duration and -batch must be positive, -bus not negative and -cases at least -batch")
	}
	ctx := context.Background()
	w, err := openBusWorld(ctx, busWorldOptions{label: "concurrency"})
	if err != nil {
		return err
	}
	defer w.close()
	var agency, serviceType uuid.UUID
	if err := w.owner.QueryRow(ctx, `SELECT a.id, s.id FROM agencies a JOIN service_types s ON s.agency_id = a.id
		WHERE a.code = 'MINSTROY' ORDER BY s.code LIMIT 1`).Scan(&agency, &serviceType); err != nil {
		return fmt.Errorf("concurrency: demo agency: %w", err)
	}
	var ids []uuid.UUID
	rows, err := w.owner.Query(ctx, `INSERT INTO cases (agency_id, id, number, service_type_id, service_type_version, status, channel,
			applicant_kind, applicant_name, applicant, fields, received_at, registered_at, due_date)
		SELECT @agency, gen_random_uuid(), '2026-BENCH-' || lpad(i::text, 6, '0'), @service_type, 1, 'in_progress', 'portal', 'person',
			'Заявитель ' || i, '{}', '{}', now(), now(), current_date + 10
		FROM generate_series(1, @n) AS i RETURNING id`, pgx.NamedArgs{"agency": agency, "service_type": serviceType, "n": *nCases})
	if err != nil {
		return fmt.Errorf("concurrency: seed cases: %w", err)
	}
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("concurrency: seed cases: %w", err)
	}
	var executor uuid.UUID
	if err := w.owner.QueryRow(ctx, `SELECT id FROM users WHERE login = 'minstroy.clerk'`).Scan(&executor); err != nil {
		return err
	}
	site := httptest.NewServer(w.okno.Handler())
	defer site.Close()

	bulk := ids[:*batch]
	reversed := slices.Clone(bulk)
	slices.Reverse(reversed)
	var exporting atomic.Int32
	var mu sync.Mutex
	var cardDuringExport []float64
	var actions, failures atomic.Int64
	var firstErrors []string
	kinds := []struct {
		login string
		act   func(c *benchClient, i int) error
	}{
		{"minstroy.head", func(c *benchClient, i int) error { return c.assign(bulk, executor) }},
		{"minstroy.clerk", func(c *benchClient, i int) error { return c.assign(reversed, executor) }},
		{"minstroy.clerk", func(c *benchClient, i int) error {
			return c.expect(http.MethodPost, "/cases/"+bulk[i%len(bulk)].String()+"/status", url.Values{"from": {"in_progress"}, "to": {"on_approval"}}, http.StatusSeeOther)
		}},
		{"minstroy.head", func(c *benchClient, i int) error {
			return c.expect(http.MethodPost, "/cases/"+bulk[i%len(bulk)].String()+"/status",
				url.Values{"from": {"on_approval"}, "to": {"in_progress"}, "comment": {"Уточните площадь"}}, http.StatusSeeOther)
		}},
		{"minstroy.clerk", func(c *benchClient, i int) error {
			start := time.Now()
			err := c.expect(http.MethodGet, "/cases/"+ids[(i*7919)%len(ids)].String(), nil, http.StatusOK)
			if exporting.Load() > 0 {
				mu.Lock()
				cardDuringExport = append(cardDuringExport, msSince(start, time.Now()))
				mu.Unlock()
			}
			return err
		}},
		{"minstroy.clerk", func(c *benchClient, i int) error {
			exporting.Add(1)
			defer exporting.Add(-1)
			return c.expect(http.MethodGet, "/cases/export.csv", nil, http.StatusOK)
		}},
		{"minstroy.head", func(c *benchClient, i int) error {
			if i%2 == 1 || i >= 80 { // saved filters are limited per person
				return c.expect(http.MethodGet, "/cases?status=in_progress", nil, http.StatusOK)
			}
			return c.expect(http.MethodPost, "/cases/filters", url.Values{"name": {fmt.Sprintf("Фильтр %p %d", c, i)}, "filter": {"status=in_progress"}}, http.StatusSeeOther)
		}},
	}
	bus := &benchBusFeed{intake: w.okno.Intake, agency: agency}
	var wg sync.WaitGroup
	var deadline time.Time
	// repeat runs act until the deadline; counted is what it adds to (the
	// people's actions, or the bus's deliveries).
	repeat := func(counted *atomic.Int64, act func(i int) error) {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				err := act(i)
				counted.Add(1)
				if err != nil {
					failures.Add(1)
					mu.Lock()
					if len(firstErrors) < 5 {
						firstErrors = append(firstErrors, err.Error())
					}
					mu.Unlock()
				}
			}
		})
	}
	clients := make([]*benchClient, *workers)
	for n := range clients {
		if clients[n], err = newBenchClient(site.URL, kinds[n%len(kinds)].login); err != nil {
			return fmt.Errorf("concurrency: %w", err)
		}
	}
	// The batch has its executor before anyone sends a case of it for
	// approval, which needs one.
	if err := clients[0].assign(bulk, executor); err != nil {
		return fmt.Errorf("concurrency: %w", err)
	}
	started := time.Now()
	deadline = started.Add(*duration)
	for n, c := range clients {
		act := kinds[n%len(kinds)].act
		repeat(&actions, func(i int) error { return act(c, i) })
	}
	var deliveries atomic.Int64
	for range *pullers {
		repeat(&deliveries, bus.deliver)
	}
	wg.Wait()
	elapsed := time.Since(started)
	var fromBus int64
	if err := w.owner.QueryRow(ctx, `SELECT count(*) FROM cases WHERE agency_id = @agency AND bus_message_id IS NOT NULL`,
		pgx.NamedArgs{"agency": agency}).Scan(&fromBus); err != nil {
		return fmt.Errorf("concurrency: count cases from the bus: %w", err)
	}
	broken := "intact"
	if err := database.InAgency(ctx, w.pool, agency, func(tx pgx.Tx) error {
		b, err := audit.Verify(ctx, tx)
		if b != nil {
			broken = fmt.Sprintf("broken at %d: %s", b.Seq, b.Reason)
		}
		return err
	}); err != nil {
		broken = "not checked: " + err.Error()
	}
	var deadlocks int64
	_ = w.owner.QueryRow(ctx, `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&deadlocks)
	fmt.Fprintf(out, "concurrency: %d workers, %d cases, %s\n", *workers, *nCases, elapsed.Round(time.Millisecond))
	fmt.Fprintf(out, "concurrency: %d actions, %.1f actions/s, %d errors, %d deadlocks counted by PostgreSQL\n",
		actions.Load(), float64(actions.Load())/elapsed.Seconds(), failures.Load(), deadlocks)
	for _, e := range firstErrors {
		fmt.Fprintf(out, "  error: %.300s\n", e)
	}
	fmt.Fprintf(out, "concurrency: audit chain %s\n", broken)
	fmt.Fprintf(out, "concurrency: card view during an export: %d views, p50 %.1f ms, p95 %.1f ms, max %.1f ms\n",
		len(cardDuringExport), quantile(cardDuringExport, 50), quantile(cardDuringExport, 95), quantile(cardDuringExport, 100))
	registered, redelivered := bus.counts()
	fmt.Fprintf(out, "concurrency: bus: %d nodes, %d deliveries, %d registrations, %.1f registrations/s, %d redeliveries taken as duplicates, %d cases from the bus\n",
		*pullers, deliveries.Load(), registered, float64(registered)/elapsed.Seconds(), redelivered, fromBus)
	return nil
}

// benchBusFeed hands intake deliveries of the building-permit service as
// pulling nodes do: mostly new messages, every fourth one taken before
// (its acknowledgement lost), which must be recognised as a duplicate.
type benchBusFeed struct {
	intake *intake.Service
	agency uuid.UUID

	mu          sync.Mutex
	taken       []string
	redelivered int
}

func (f *benchBusFeed) counts() (registered, redelivered int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.taken), f.redelivered
}

// deliver is a node's i-th delivery; the messages carry no files, so the
// bus is never asked for one.
func (f *benchBusFeed) deliver(i int) error {
	f.mu.Lock()
	id, again := uuid.NewString(), false
	if i%4 == 3 && len(f.taken) > 0 {
		id, again = f.taken[(i*7919)%len(f.taken)], true
	}
	f.mu.Unlock()
	d := &smevclient.Delivery{MessageID: id, ReplyTo: "reply-to-" + id, Content: benchApplication(i)}
	outcome, _, err := f.intake.Receive(context.Background(), f.agency, nil, d)
	want := intake.OutcomeRegistered
	if again {
		want = intake.OutcomeDuplicate
	}
	if err == nil && outcome != want {
		err = fmt.Errorf("%s", outcome)
	}
	if err != nil {
		return fmt.Errorf("bus message %s (want %s): %w", id, want, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if again {
		f.redelivered++
	} else {
		f.taken = append(f.taken, id)
	}
	return nil
}

// benchApplication is a building-permit application as the portal files it,
// without its files (the service type registers it with the missing
// documents as problems).
func benchApplication(order int) []byte {
	return []byte(`<FormData xmlns="` + forms.ConcentratorNamespace("building-permit", "1.0.0") + `"><orderId>` + strconv.Itoa(700000+order) + `</orderId>` +
		`<Service><eServiceCode>10000000000101</eServiceCode><serviceTargetCode>10000000000101001</serviceTargetCode></Service>` +
		`<Applicant type="PERSON"><Person><lastName>Иванова</lastName><firstName>Мария</firstName><middleName>Сергеевна</middleName>` +
		`<birthDate>1985-03-14</birthDate><snils>11223344595</snils><IdentityDocument type="1"><series>4510</series><number>654321</number>` +
		`<issueDate>2011-02-01</issueDate><issuedBy>ОУФМС России по г. Москве</issuedBy></IdentityDocument>` +
		`<registrationAddress>г. Москва, ул. Ленина, д. 1, кв. 5</registrationAddress></Person>` +
		`<Contacts><phone>+7 903 555-12-34</phone></Contacts></Applicant>` +
		`<Object><objectName>Склад</objectName><cadastralNumber>77:01:0001001:1234</cadastralNumber>` +
		`<objectAddress>г. Москва, ул. Строителей, д. 5</objectAddress></Object><Documents/></FormData>`)
}

// benchClient is a signed-in person's browser.
type benchClient struct {
	base   string
	client *http.Client
}

func newBenchClient(base, login string) (*benchClient, error) {
	jar, _ := cookiejar.New(nil)
	c := &benchClient{base: base, client: &http.Client{Jar: jar, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if err := c.expect(http.MethodPost, "/login", url.Values{"login": {login}, "password": {demo.Password}}, http.StatusSeeOther); err != nil {
		return nil, fmt.Errorf("login %s: %w", login, err)
	}
	return c, nil
}

func (c *benchClient) do(method, path string, form url.Values) (int, string, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return 0, "", "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), resp.Header.Get("Location"), err
}

func (c *benchClient) expect(method, path string, form url.Values, status int) error {
	got, body, _, err := c.do(method, path, form)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if got != status {
		return fmt.Errorf("%s %s: %d, want %d: %.200s", method, path, got, status, body)
	}
	return nil
}

// assign ticks the cases in the given order and assigns them; success is
// the registry's "Назначено" after the redirect.
func (c *benchClient) assign(ids []uuid.UUID, executor uuid.UUID) error {
	form := url.Values{"executor_id": {executor.String()}}
	for _, id := range ids {
		form.Add("case", id.String())
	}
	status, body, location, err := c.do(http.MethodPost, "/cases/assign", form)
	if err != nil || status != http.StatusSeeOther {
		return fmt.Errorf("bulk assignment: %d %v %.200s", status, err, body)
	}
	status, body, _, err = c.do(http.MethodGet, location, nil)
	if err != nil || !strings.Contains(body, "Назначено: ") {
		return fmt.Errorf("bulk assignment: page after it: %d %v %.200s", status, err, body)
	}
	return nil
}
