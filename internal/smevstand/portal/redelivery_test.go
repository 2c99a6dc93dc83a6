package portal_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
)

// elkStatus is an agency's ElkOrderRequest with one status of one order.
func elkStatus(order int64, status int, comment string, at time.Time) []byte {
	return []byte(`<ElkOrderRequest xmlns="` + portal.ELKStatusNS + `" env="SVCDEV"><UpdateOrdersRequest><orders><order>` +
		`<elkOrderNumber>` + itoa(order) + `</elkOrderNumber><statusHistoryList><statusHistory>` +
		`<status>` + itoa(int64(status)) + `</status><statusDate>` + at.Format(time.RFC3339) + `</statusDate><statusComment>` + comment + `</statusComment>` +
		`</statusHistory></statusHistoryList></order></orders></UpdateOrdersRequest></ElkOrderRequest>`)
}

func (f *fixture) sendELK(t *testing.T, from string, content []byte) string {
	t.Helper()
	id := v1(t)
	if _, err := f.bus.SendRequest(context.Background(), bus.Outgoing{Sender: from}, &message.SendRequestRequest{SenderProvidedRequestData: message.SenderProvidedRequestData{
		ID: "X", MessageID: id, MessagePrimaryContent: message.MessagePrimaryContent{XML: content}}}); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestRedeliveredStatusIsRecordedOnce: the portal records a status, then its
// answer is refused (the agency's answer queue is full), so the bus delivers
// the status again; the cabinet shows it once and the applicant is asked
// for the documents once.
func TestRedeliveredStatusIsRecordedOnce(t *testing.T) {
	f := newFixture(t, func(b *bus.Config, _ *portal.Config) { b.QueueCapacity = 1; b.Redelivery = time.Minute })
	ctx := context.Background()
	app, err := f.portal.FileApplication(ctx, "building-permit")
	if err != nil {
		t.Fatal(err)
	}
	f.take(t, "MINSTROY")
	// A first status fills MINSTROY's one place for answers.
	f.sendELK(t, "MINSTROY", elkStatus(app.OrderNumber, portal.StatusSentToAgency+1, "Принято ведомством", f.clock.Now()))
	f.step(t)
	// The second is recorded, but its answer does not fit.
	f.sendELK(t, "MINSTROY", elkStatus(app.OrderNumber, portal.StatusWaitingForInput, "Приложите схему участка", f.clock.Now()))
	_, err = f.portal.Step(ctx)
	var fault *message.Fault
	if !errors.As(err, &fault) || fault.Kind != message.FaultDestinationOverflow {
		t.Fatalf("answer to a full queue: %v", err)
	}
	// MINSTROY takes its first answer; the status comes back and is answered.
	first, err := f.bus.GetResponse(ctx, "MINSTROY", message.MessageTypeSelector{})
	if err != nil || first.ResponseMessage == nil {
		t.Fatalf("first answer: %+v %v", first, err)
	}
	if err := f.bus.Ack(ctx, "MINSTROY", message.AckTargetMessage{MessageID: first.ResponseMessage.Response.MessageMetadata.MessageID}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Minute)
	f.step(t)
	if answer, err := f.bus.GetResponse(ctx, "MINSTROY", message.MessageTypeSelector{}); err != nil || answer.ResponseMessage == nil {
		t.Fatalf("the redelivered status was not answered: %+v %v", answer, err)
	}

	apps, err := f.store.RecentApplications(ctx, 0, 10)
	if err != nil || len(apps) != 1 {
		t.Fatalf("applications %v, %v", apps, err)
	}
	got := apps[0]
	waiting := 0
	var titles []string
	for _, e := range got.Events {
		titles = append(titles, e.Title)
		if e.StatusCode != nil && *e.StatusCode == portal.StatusWaitingForInput {
			waiting++
		}
	}
	if waiting != 1 || len(got.Events) != 4 {
		t.Fatalf("the cabinet shows %d requests for documents among %d events: %q", waiting, len(got.Events), titles)
	}
	// The applicant answers once, not once per delivery.
	f.clock.Advance(2 * time.Hour)
	f.step(t)
	f.take(t, "MINSTROY")
	if extra, _ := f.bus.GetRequest(ctx, "MINSTROY", message.MessageTypeSelector{}); extra.RequestMessage != nil {
		t.Fatal("the applicant sent the extra documents twice")
	}
}

// TestFailingTaskDoesNotHoldThePortal: a scheduled task of the portal that
// always fails is put off; the portal keeps answering at full speed instead
// of pausing its poll interval (here an hour) after every step.
func TestFailingTaskDoesNotHoldThePortal(t *testing.T) {
	f := newFixture(t, func(_ *bus.Config, p *portal.Config) { p.PollInterval = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app, err := f.portal.FileApplication(ctx, "building-permit")
	if err != nil {
		t.Fatal(err)
	}
	f.take(t, "MINSTROY")
	if err := f.store.AddTask(ctx, "EPGU", "no-such-task", f.clock.Now(), struct{}{}); err != nil {
		t.Fatal(err)
	}
	const statuses = 3
	for i := range statuses {
		f.sendELK(t, "MINSTROY", elkStatus(app.OrderNumber, portal.StatusSentToAgency+1, "Статус "+itoa(int64(i)), f.clock.Now()))
	}
	done := make(chan struct{})
	go func() { defer close(done); f.portal.Run(ctx) }()
	defer func() { cancel(); <-done }()

	answered := 0
	for deadline := time.Now().Add(time.Minute); answered < statuses && time.Now().Before(deadline); {
		got, err := f.bus.GetResponse(ctx, "MINSTROY", message.MessageTypeSelector{})
		if err != nil {
			t.Fatal(err)
		}
		if got.ResponseMessage == nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		answered++
		if err := f.bus.Ack(ctx, "MINSTROY", message.AckTargetMessage{MessageID: got.ResponseMessage.Response.MessageMetadata.MessageID}); err != nil {
			t.Fatal(err)
		}
	}
	if answered != statuses {
		t.Fatalf("the portal answered %d of %d statuses while a task failed", answered, statuses)
	}
}
