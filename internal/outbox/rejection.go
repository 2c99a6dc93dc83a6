package outbox

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// RejectionArgs is the outbox job that answers a refused application with
// RequestRejected; intake writes it in the refusal's transaction.
type RejectionArgs struct {
	AgencyID     uuid.UUID `json:"agency_id"`
	BusMessageID string    `json:"bus_message_id"`
}

// Kind names the job in River's table.
func (RejectionArgs) Kind() string { return "intake_rejection" }

// InsertOpts puts rejections in the outbox queue.
func (RejectionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: cases.QueueOutbox, MaxAttempts: 25}
}

// RejectionWorker sends RequestRejected for a refused application.
type RejectionWorker struct {
	river.WorkerDefaults[RejectionArgs]
	Outbox *Service
}

// Work sends the answer and records that the bus accepted it. Like status
// deliveries, the answer's message id is fixed before the first attempt.
func (w *RejectionWorker) Work(ctx context.Context, job *river.Job[RejectionArgs]) error {
	s, a := w.Outbox, job.Args
	var r rejection
	err := s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) (err error) {
		r, err = selectRejection(ctx, tx, a.BusMessageID)
		if err != nil || r.State != "queued" || r.MessageID != "" {
			return err
		}
		id, err := uuid.NewUUID()
		if err != nil {
			return err
		}
		r.MessageID = id.String()
		return setRejectionMessageID(ctx, tx, a.BusMessageID, r.MessageID)
	})
	if errors.Is(err, pgx.ErrNoRows) || r.State != "queued" {
		return nil
	}
	if err != nil {
		return err
	}
	bus, err := s.cfg.Cases.BusOf(ctx, a.AgencyID)
	if err != nil {
		return err
	}
	_, sendErr := bus.SendResponse(ctx, smevclient.Response{MessageID: r.MessageID, To: r.ReplyTo,
		Rejected: []message.RequestRejected{{RejectionReasonCode: message.RejectCode(r.Code), RejectionReasonDescription: truncate(r.Reason, 2000)}}})
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
