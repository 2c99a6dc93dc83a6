package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// leaseTaken is what a server logs when it becomes the one that pulls.
const leaseTaken = `"msg":"bus pull lease taken"`

// TestPullResumesOnASurvivorAfterThePullerIsKilled: two servers on one
// database; the one pulling dies (SIGKILL) with a message in hand, its Ack
// never sent. The other takes the pull lease, registers the next
// application within seconds of the kill, and the interrupted message comes
// again and ends as exactly one case.
func TestPullResumesOnASurvivorAfterThePullerIsKilled(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first, _ := w.spawnOkno("okno-1")
	eventually(t, 30*time.Second, "the first server to take the pull lease", func() bool {
		return strings.Contains(first.output(), leaseTaken)
	})
	second, _ := w.spawnOkno("okno-2")
	warmUp := w.fileApplication("building-permit")
	eventually(t, 60*time.Second, "the first application to be registered", func() bool {
		return w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, warmUp.MessageID) == 1
	})
	if strings.Contains(second.output(), leaseTaken) {
		t.Fatal("both servers took the pull lease")
	}

	w.bus.hold("urn:Ack", "request")
	interrupted := w.fileApplication("building-permit")
	waitHeld(t, w.bus, "urn:Ack")
	first.kill()
	killed := time.Now()
	w.bus.release()
	next := w.fileApplication("building-permit")
	eventually(t, 60*time.Second, "the survivor to register the next application", func() bool {
		return w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, next.MessageID) == 1
	})
	gap := time.Since(killed)
	t.Logf("pulling resumed %s after the puller was killed", gap.Round(10*time.Millisecond))
	if !strings.Contains(second.output(), leaseTaken) {
		t.Fatal("the survivor registered the application without logging that it took the pull lease")
	}
	// The property is 5 s; the bound is generous for a loaded
	// machine and still below the ~13 s a River leader's lease took.
	if gap > 10*time.Second {
		t.Errorf("pulling resumed %s after the kill, want within seconds", gap)
	}

	eventually(t, 60*time.Second, "the interrupted message to be acknowledged by the survivor", func() bool {
		return w.count(`SELECT count(*) FROM smevstand.message WHERE id = $1 AND acked_at IS NOT NULL`, interrupted.MessageID) == 1
	})
	if n := w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, interrupted.MessageID); n != 1 {
		t.Fatalf("%d cases for the interrupted message", n)
	}
	if deliveries := w.count(`SELECT delivery_count FROM smevstand.message WHERE id = $1`, interrupted.MessageID); deliveries < 2 {
		t.Fatalf("the interrupted message was delivered %d times; the test did not exercise a redelivery", deliveries)
	}
}

// TestFloodedAgencyDoesNotDelayAnother: MINSTROY has 300 applications
// waiting; while they are being taken, OKN's applications arrive one at a
// time. Each is registered within seconds of its filing, not after
// MINSTROY's queue.
func TestFloodedAgencyDoesNotDelayAnother(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const flood = 300
	w.fileConcurrently("building-permit", flood, 4)
	w.startOkno()
	eventually(t, 60*time.Second, "the flood's first case", func() bool {
		return w.count(`SELECT count(*) FROM cases c JOIN agencies a ON a.id = c.agency_id WHERE a.code = 'MINSTROY'`) > 0
	})

	var took []time.Duration
	for len(took) < 8 && w.waiting("MINSTROY") > 0 {
		filedAt := time.Now()
		app := w.fileApplication("heritage-works")
		eventually(t, 60*time.Second, "OKN's application to be registered", func() bool {
			return w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, app.MessageID) == 1
		})
		took = append(took, time.Since(filedAt))
	}
	left := w.waiting("MINSTROY")
	t.Logf("OKN filing to case while MINSTROY's %d were taken: %v; MINSTROY still waiting at the end: %d", flood, took, left)
	sorted := slices.Clone(took)
	slices.Sort(sorted)
	// p95 of fewer than 20 is the slowest.
	if slowest := sorted[len(sorted)-1]; slowest > 10*time.Second {
		t.Errorf("OKN's slowest application took %s from filing to case behind MINSTROY's flood, want under 10 s", slowest)
	}
	if len(took) < 3 {
		t.Fatalf("MINSTROY's queue was drained after %d of OKN's applications; the test needs it full for at least 3", len(took))
	}
}

// waiting counts the requests the bus holds for an agency's system, not
// yet acknowledged.
func (w *world) waiting(recipient string) int {
	w.t.Helper()
	return w.count(`SELECT count(*) FROM smevstand.message WHERE kind = 'REQUEST' AND recipient = $1 AND acked_at IS NULL`, recipient)
}

// fileConcurrently makes the portal file n applications of the service,
// through filers concurrent requests.
func (w *world) fileConcurrently(service string, n, filers int) {
	w.t.Helper()
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	var wg sync.WaitGroup
	errs := make(chan error, filers)
	for range filers {
		wg.Go(func() {
			for range next {
				resp, err := http.Post(w.standURL+"/portal/applications?service="+url.QueryEscape(service), "", nil)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					errs <- fmt.Errorf("file application: %d", resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		w.t.Fatal(err)
	}
}
