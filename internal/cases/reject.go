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
		if _, err := tx.Exec(ctx, `INSERT INTO intake_rejections (agency_id, bus_message_id, namespace_uri, root_element, reason_code, reason, reply_to, response_state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued') ON CONFLICT DO NOTHING`, agencyID, d.MessageID, ns, root, code, reason, d.ReplyTo); err != nil {
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

// Work sends the answer and records that the bus accepted it.
func (w *RejectionWorker) Work(ctx context.Context, job *river.Job[RejectionArgs]) error {
	s, a := w.Service, job.Args
	var code, reason, replyTo, state string
	err := s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT reason_code, reason, reply_to, response_state FROM intake_rejections WHERE bus_message_id = $1`,
			a.BusMessageID).Scan(&code, &reason, &replyTo, &state)
	})
	if errors.Is(err, pgx.ErrNoRows) || state == "accepted" {
		return nil
	}
	if err != nil {
		return err
	}
	bus, err := s.busOf(ctx, a.AgencyID)
	if err != nil {
		return err
	}
	_, sendErr := bus.SendResponse(ctx, smevclient.Response{To: replyTo,
		Rejected: []message.RequestRejected{{RejectionReasonCode: message.RejectCode(code), RejectionReasonDescription: truncate(reason, 2000)}}})
	newState := "accepted"
	if sendErr != nil {
		newState = "queued"
		if job.Attempt >= job.MaxAttempts {
			newState = "failed"
		}
	}
	err = s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE intake_rejections SET response_state = $2 WHERE bus_message_id = $1`, a.BusMessageID, newState)
		return err
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
