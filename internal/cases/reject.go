package cases

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// reject records that an application is refused and queues the
// RequestRejected answer, in one transaction; nothing from the bus is
// silently dropped.
func (s *Service) reject(ctx context.Context, agencyID uuid.UUID, d *smevclient.Delivery, ns, root, code, reason string) (Outcome, Case, error) {
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		if err := insertRejection(ctx, tx, agencyID, d.MessageID, ns, root, code, reason, d.ReplyTo); err != nil {
			return err
		}
		if _, err := s.cfg.Jobs.InsertTx(ctx, tx, RejectionArgs{AgencyID: agencyID, BusMessageID: d.MessageID}, nil); err != nil {
			return fmt.Errorf("queue rejection: %w", err)
		}
		return audit.Record(ctx, tx, audit.SystemActor(), audit.Entry{Action: "intake.reject", ObjectType: "bus_message", ObjectID: d.MessageID,
			Details: map[string]any{"code": code, "reason": reason, "form": "{" + ns + "}" + root}})
	})
	if err != nil {
		return "", Case{}, fmt.Errorf("reject message %s: %w", d.MessageID, err)
	}
	return OutcomeRejected, Case{}, nil
}

// RejectionArgs is the outbox job that answers a refused application with
// RequestRejected.
type RejectionArgs struct {
	AgencyID     uuid.UUID `json:"agency_id"`
	BusMessageID string    `json:"bus_message_id"`
}

// Kind names the job in River's table.
func (RejectionArgs) Kind() string { return "intake_rejection" }

// InsertOpts puts rejections in the outbox queue.
func (RejectionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutbox, MaxAttempts: 25}
}

// RejectionWorker sends RequestRejected for a refused application.
type RejectionWorker struct {
	river.WorkerDefaults[RejectionArgs]
	Service *Service
}

// Work sends the answer and records that the bus accepted it. Like status
// deliveries, the answer's message id is fixed before the first attempt.
func (w *RejectionWorker) Work(ctx context.Context, job *river.Job[RejectionArgs]) error {
	s, a := w.Service, job.Args
	var r rejection
	err := s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) (err error) {
		r, err = selectRejection(ctx, tx, a.BusMessageID)
		if err != nil || r.state != "queued" || r.messageID != "" {
			return err
		}
		id, err := uuid.NewUUID()
		if err != nil {
			return err
		}
		r.messageID = id.String()
		return setRejectionMessageID(ctx, tx, a.BusMessageID, r.messageID)
	})
	if errors.Is(err, pgx.ErrNoRows) || r.state != "queued" {
		return nil
	}
	if err != nil {
		return err
	}
	bus, err := s.busOf(ctx, a.AgencyID)
	if err != nil {
		return err
	}
	_, sendErr := bus.SendResponse(ctx, smevclient.Response{MessageID: r.messageID, To: r.replyTo,
		Rejected: []message.RequestRejected{{RejectionReasonCode: message.RejectCode(r.code), RejectionReasonDescription: truncate(r.reason, 2000)}}})
	if errors.Is(sendErr, &message.Fault{Kind: message.FaultMessageIsAlreadySent}) {
		sendErr = nil // an attempt before a crash got through
	}
	state := "accepted"
	if sendErr != nil {
		state = "queued"
		if job.Attempt >= job.MaxAttempts {
			state = "failed"
		}
	}
	err = s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) error {
		return setRejectionState(ctx, tx, a.BusMessageID, state)
	})
	if sendErr != nil {
		return sendErr
	}
	return err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
