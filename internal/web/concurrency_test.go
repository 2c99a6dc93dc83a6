package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
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
		ids[i] = s.addCase(registryCase{number: fmt.Sprintf("2026-RNS-%06d", i+1), status: "registered"})
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
