package intake_test

import (
	"context"
	"errors"
	"testing"

	"github.com/okno-oiv/okno/internal/intake"
)

// TestDeadAnswer: a portal answer that keeps failing is dead at the fifth
// attempt, with no refusal (an answer is acknowledged accepted=false, not
// answered); if that acknowledgement is lost and the bus delivers it
// again, it is reported dead again so that it is acknowledged.
func TestDeadAnswer(t *testing.T) {
	t.Parallel()
	w, svc := withdrawalWorld(t)
	d := delivery([]byte(`<ElkOrderResponse xmlns="urn:elk"/>`))
	d.Envelope = []byte("<envelope/>")
	cause := errors.New("no status waits for this answer")
	for i := 1; i <= intake.DefaultMaxAttempts; i++ {
		dead, err := svc.Failed(context.Background(), w.a, intake.KindResponse, d, cause)
		if err != nil {
			t.Fatal(err)
		}
		if dead != (i == intake.DefaultMaxAttempts) {
			t.Fatalf("attempt %d: dead=%v", i, dead)
		}
	}
	if dead, err := svc.Failed(context.Background(), w.a, intake.KindResponse, d, cause); err != nil || !dead {
		t.Fatalf("redelivered dead answer: dead=%v, %v", dead, err)
	}
	if n := w.ownerCount(`SELECT count(*) FROM intake_rejections WHERE bus_message_id = $1`, d.MessageID); n != 0 {
		t.Errorf("a dead answer was refused: %d rejections", n)
	}
	if n := w.ownerCount(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'dead' AND kind = 'response' AND agency_id = $2`, d.MessageID, w.a); n != 1 {
		t.Error("the dead answer is not kept")
	}
	if n := w.ownerCount(`SELECT count(*) FROM audit_log WHERE action = 'intake.dead_letter' AND object_id = $1`, d.MessageID); n != 1 {
		t.Errorf("%d audit entries for the death, want 1", n)
	}
}
