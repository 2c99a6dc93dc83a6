package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand"
)

// refusedApplication sends a heritage-works application with a wrong СНИЛС,
// which OKN-R's rule refuses, and returns its MessageID and the fragment
// its rejection reason must hold.
func refusedApplication(t *testing.T, w *world) (string, string) {
	t.Helper()
	svc := demoServices(t)[1]
	if svc.agency != smevstand.OKN {
		t.Fatalf("expected the heritage service second, got %s", svc.agency)
	}
	epgu := w.portal()
	a := epgu.newApplication(svc.form, svc.st.RequiredDocuments, svc.object)
	a.person.SNILS = breakDigit(a.person.SNILS)
	return epgu.mustSend(a), "СНИЛС «" + a.person.SNILS + "» указан с ошибкой"
}

// TestRedeliveredRejection: the server refuses an application and dies
// before the bus hears its Ack. The bus delivers the message again; the
// restarted server recognises it: still one rejection, one answer to the
// portal, and the message acknowledged.
func TestRedeliveredRejection(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.bus.hold("urn:Ack", "request")
	w.startOkno()
	id, reason := refusedApplication(t, w)
	waitHeld(t, w.bus, "urn:Ack")
	if n := w.count(`SELECT count(*) FROM intake_rejections WHERE bus_message_id = $1`, id); n != 1 {
		t.Fatalf("rejection not committed before Ack: %d rows", n)
	}
	w.okno.kill()
	w.bus.release()
	if n := w.count(`SELECT count(*) FROM smevstand.message WHERE id = $1 AND acked_at IS NULL`, id); n != 1 {
		t.Fatal("the message was acknowledged although the Ack never reached the bus")
	}

	w.startOkno()
	w.acked(id)
	if deliveries := w.count(`SELECT delivery_count FROM smevstand.message WHERE id = $1`, id); deliveries < 2 {
		t.Fatalf("message delivered %d times; the test did not exercise a redelivery", deliveries)
	}
	if !strings.Contains(w.okno.output(), `"outcome":"duplicate"`) {
		t.Error("the restarted server did not report the redelivery as a duplicate")
	}
	w.assertRejected(id, smevstand.OKN, message.RejectFailure, []string{reason})
	w.assertNothingHalfStored()
}

// TestKilledWhileRejectionSent: the bus takes the RequestRejected answer but
// its reply is lost and the server dies. After a restart the rejection is
// finished, and the portal has still been told exactly once.
func TestKilledWhileRejectionSent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.bus.hold("urn:SendResponse", "reply")
	w.startOkno()
	id, reason := refusedApplication(t, w)
	waitHeld(t, w.bus, "urn:SendResponse")
	if n := w.count(`SELECT count(*) FROM smevstand.message WHERE original_id = $1 AND kind = 'RESPONSE'`, id); n != 1 {
		t.Fatalf("the bus holds %d answers before the crash, want the one whose reply was lost", n)
	}
	w.okno.kill()
	w.bus.release()

	w.startOkno()
	eventually(t, 150*time.Second, "the rejection's answer to be recorded as accepted", func() bool {
		return w.count(`SELECT count(*) FROM intake_rejections WHERE bus_message_id = $1 AND response_state = 'accepted'`, id) == 1
	})
	w.acked(id)
	w.assertRejected(id, smevstand.OKN, message.RejectFailure, []string{reason})
	w.assertNothingHalfStored()
}
