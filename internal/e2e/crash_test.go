package e2e

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func waitHeld(t *testing.T, g *gate, action string) {
	t.Helper()
	select {
	case got := <-g.held:
		if got != action {
			t.Fatalf("held %s, expected %s", got, action)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no %s call reached the gate", action)
	}
}

// TestKilledAfterCommitBeforeAck: the server dies after the case commits and
// before the bus hears the Ack. The bus delivers the message again; the
// restarted server recognises it and acknowledges: exactly one case.
func TestKilledAfterCommitBeforeAck(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.bus.hold("urn:Ack", "request")
	w.startOkno()
	app := w.fileApplication("building-permit")
	waitHeld(t, w.bus, "urn:Ack")
	if n := w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, app.MessageID); n != 1 {
		t.Fatalf("case not committed before Ack: %d cases", n)
	}
	w.okno.kill()
	w.bus.release()
	if n := w.count(`SELECT count(*) FROM smevstand.message WHERE id = $1 AND acked_at IS NULL`, app.MessageID); n != 1 {
		t.Fatal("the message was acknowledged although the Ack never reached the bus")
	}

	w.startOkno()
	eventually(t, 60*time.Second, "the redelivered message to be acknowledged", func() bool {
		return w.count(`SELECT count(*) FROM smevstand.message WHERE id = $1 AND acked_at IS NOT NULL`, app.MessageID) == 1
	})
	if n := w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, app.MessageID); n != 1 {
		t.Fatalf("%d cases for one message", n)
	}
	if deliveries := w.count(`SELECT delivery_count FROM smevstand.message WHERE id = $1`, app.MessageID); deliveries < 2 {
		t.Fatalf("message delivered %d times; the test did not exercise a redelivery", deliveries)
	}
	if !strings.Contains(w.okno.output(), `"outcome":"duplicate"`) {
		t.Fatal("the restarted server did not report the redelivery as a duplicate")
	}
}

// TestKilledWhileStatusesQueued: statuses are queued while the bus loses the
// replies to their delivery and the server dies. After a restart every status
// reaches the applicant's cabinet exactly once, in order.
func TestKilledWhileStatusesQueued(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	app := w.fileApplication("building-permit")
	var caseID string
	eventually(t, 60*time.Second, "the registered status to be accepted by the portal", func() bool {
		return w.count(`SELECT count(*) FROM status_deliveries d JOIN cases c ON c.id = d.case_id
			WHERE c.bus_message_id = $1 AND d.state = 'accepted'`, app.MessageID) == 1
	})
	if err := w.query(`SELECT id::text FROM cases WHERE bus_message_id = $1`, app.MessageID).Scan(&caseID); err != nil {
		t.Fatal(err)
	}

	// The bus takes the next status but its reply never comes back.
	w.bus.hold("urn:SendRequest", "reply")
	clerk := w.login("minstroy.clerk")
	for _, step := range []url.Values{
		{"from": {"registered"}, "to": {"in_progress"}},
		{"from": {"in_progress"}, "to": {"on_approval"}},
	} {
		if status, body := clerk.post("/cases/"+caseID+"/status", step); status != http.StatusSeeOther {
			t.Fatalf("status change %v: %d %s", step, status, body)
		}
	}
	waitHeld(t, w.bus, "urn:SendRequest")
	w.okno.kill()
	w.bus.release()

	w.startOkno()
	eventually(t, 150*time.Second, "every status to be accepted by the portal", func() bool {
		return w.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND state = 'accepted'`, caseID) == 3
	})
	page := w.cabinet()
	order := cabinetOrder(page, app.OrderNumber)
	if got := strings.Count(order, "Принято ведомством"); got != 1 {
		t.Errorf("cabinet shows «Принято ведомством» %d times", got)
	}
	if got := strings.Count(order, "Промежуточные результаты"); got != 2 {
		t.Errorf("cabinet shows «Промежуточные результаты» %d times, want 2 (в работе, на подписании):\n%s", got, order)
	}
	if i, j := strings.Index(order, "В работе"), strings.Index(order, "На подписании"); i < 0 || j < 0 || i > j {
		t.Errorf("statuses out of order in the cabinet:\n%s", order)
	}
}

// cabinetOrder cuts the part of the cabinet page about one order.
func cabinetOrder(page string, order int64) string {
	marker := "№ " + itoa(order) + " "
	i := strings.Index(page, marker)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	if j := strings.Index(rest[len(marker):], "№ "); j >= 0 {
		return rest[:len(marker)+j]
	}
	return rest
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
