package intake_test

import (
	"context"
	"errors"
	"testing"

	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/smevclient"
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

// TestDeadLetterUnverified: a request whose SMEV signature fails is counted
// by the id it claims and dies at the fifth attempt like any other, but it
// is never refused with an answer (nothing proves it came from the bus), is
// acknowledged accepted=false, and its dead letter cannot be run again.
func TestDeadLetterUnverified(t *testing.T) {
	t.Parallel()
	w, svc := withdrawalWorld(t)
	ctx := context.Background()
	d := delivery(nil)
	d.Envelope = []byte("<forged-envelope/>")
	cause := &smevclient.UnverifiedDeliveryError{MessageID: d.MessageID, ReplyTo: d.ReplyTo, Envelope: d.Envelope, Err: smevclient.ErrSignatureInvalid}
	for i := 1; i <= intake.DefaultMaxAttempts; i++ {
		dead, err := svc.Failed(ctx, w.a, intake.KindRequest, d, cause)
		if err != nil {
			t.Fatal(err)
		}
		if dead != (i == intake.DefaultMaxAttempts) {
			t.Fatalf("attempt %d: dead=%v", i, dead)
		}
	}
	if intake.AckAccepted(intake.KindRequest, cause) {
		t.Error("an unverified request would be acknowledged as accepted")
	}
	if !intake.AckAccepted(intake.KindRequest, errors.New("registry number out of range")) {
		t.Error("a refused request would not be acknowledged as accepted")
	}
	if n := w.ownerCount(`SELECT count(*) FROM intake_rejections WHERE bus_message_id = $1`, d.MessageID); n != 0 {
		t.Errorf("an unverified request was refused: %d rejections", n)
	}
	if n := w.ownerCount(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'dead' AND NOT verified
		AND envelope = '<forged-envelope/>'::bytea AND agency_id = $2`, d.MessageID, w.a); n != 1 {
		t.Fatal("the unverified dead letter is not kept with its envelope")
	}
	admin := &people.Principal{User: people.User{Login: "platform.admin", Role: people.RolePlatformAdmin}}
	if _, _, err := svc.RetryDeadLetter(ctx, admin, w.a, d.MessageID); !errors.Is(err, intake.ErrUnverified) {
		t.Fatalf("retry of an unverified dead letter: %v, want ErrUnverified", err)
	}
	if n := w.ownerCount(`SELECT count(*) FROM intake_dead_letters WHERE bus_message_id = $1 AND state = 'dead' AND attempts = $2`,
		d.MessageID, intake.DefaultMaxAttempts); n != 1 {
		t.Error("the refused retry changed the entry")
	}
	if n := w.ownerCount(`SELECT count(*) FROM audit_log WHERE action = 'intake.dead_letter.retry' AND object_id = $1`, d.MessageID); n != 0 {
		t.Errorf("the refused retry was recorded as run: %d audit entries", n)
	}
}
