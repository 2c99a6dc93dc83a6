package outbox

// All SQL of the outbox: the bookkeeping of status deliveries (rows that
// package cases queues with each status change and the card shows) and of
// the answers to refused messages (rows that package intake records with
// each refusal). Every function takes a transaction scoped to the agency.

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
)

// undeliveredBefore reports whether an earlier status of the case has not
// reached the bus yet: statuses go out in order. An order the cabinet does
// not know yet (a case from the office) waits for the portal's answer to
// the earlier status, which carries the order's number.
func undeliveredBefore(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int, orderKnown bool) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM status_deliveries WHERE case_id = @case_id AND event_seq < @seq
		AND (state = 'queued' OR (state = 'sent' AND NOT @order_known))`,
		pgx.NamedArgs{"case_id": caseID, "seq": seq, "order_known": orderKnown}).Scan(&n)
	return n > 0, err
}

// delivery is the state of one status on its way, as the worker needs it.
type delivery struct {
	State     string `db:"state"`
	MessageID string `db:"message_id"`
}

// selectDelivery reads the delivery and notes the River job that carries
// it, which a retry or cancel by hand then wakes or ends.
func selectDelivery(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int, jobID int64) (delivery, error) {
	rows, err := tx.Query(ctx, `UPDATE status_deliveries SET job_id = @job_id WHERE case_id = @case_id AND event_seq = @seq
		RETURNING state, message_id`,
		pgx.NamedArgs{"case_id": caseID, "seq": seq, "job_id": jobID})
	if err != nil {
		return delivery{}, err
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[delivery])
	if errors.Is(err, pgx.ErrNoRows) {
		return d, cases.ErrNotFound
	}
	return d, err
}

// markDelivery records an attempt's outcome; a delivery cancelled by hand
// meanwhile stays cancelled.
func markDelivery(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int, state, messageID, lastError string) error {
	_, err := tx.Exec(ctx, `UPDATE status_deliveries SET state = @state, attempts = attempts + 1,
			message_id = CASE WHEN @message_id = '' THEN message_id ELSE @message_id END, last_error = @last_error, updated_at = now(),
			tries = tries + 1, first_tried_at = coalesce(first_tried_at, now()), stuck_since = NULL
		WHERE case_id = @case_id AND event_seq = @seq AND state = 'queued'`,
		pgx.NamedArgs{"case_id": caseID, "seq": seq, "state": state, "message_id": messageID, "last_error": lastError})
	return err
}

// noteDelay records a try that did not deliver (the bus refused it when
// sent, or it waits for an earlier status) and marks the delivery stuck
// once stuckAfter has passed since its first try; it returns the number of
// tries, which sets the next delay.
func noteDelay(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int, problem string, sent bool, stuckAfter time.Duration) (tries int, stuck bool, err error) {
	err = tx.QueryRow(ctx, `UPDATE status_deliveries SET tries = tries + 1, attempts = attempts + CASE WHEN @sent THEN 1 ELSE 0 END,
			first_tried_at = coalesce(first_tried_at, now()), last_error = @problem, updated_at = now(),
			stuck_since = CASE WHEN stuck_since IS NULL AND now() - coalesce(first_tried_at, now()) >= make_interval(secs => @stuck_after)
				THEN now() ELSE stuck_since END
		WHERE case_id = @case_id AND event_seq = @seq AND state = 'queued' RETURNING tries, stuck_since IS NOT NULL`,
		pgx.NamedArgs{"case_id": caseID, "seq": seq, "problem": problem, "sent": sent, "stuck_after": stuckAfter.Seconds()}).Scan(&tries, &stuck)
	if errors.Is(err, pgx.ErrNoRows) {
		return 1, false, nil // cancelled meanwhile: the job ends on its next run
	}
	return tries, stuck, err
}

// markBlockersStuck marks stuck the case's earlier statuses that went to
// the bus but whose answer a stuck later status still waits for, so the
// card offers to cancel the one that holds the others.
func markBlockersStuck(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int) error {
	_, err := tx.Exec(ctx, `UPDATE status_deliveries SET stuck_since = coalesce(stuck_since, now())
		WHERE case_id = @case_id AND event_seq < @seq AND state = 'sent'`, pgx.NamedArgs{"case_id": caseID, "seq": seq})
	return err
}

// countStuck is the number of the agency's stuck deliveries.
func countStuck(ctx context.Context, tx pgx.Tx) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM status_deliveries WHERE stuck_since IS NOT NULL AND state IN ('queued', 'sent')`).Scan(&n)
	return n, err
}

// handDelivery is a delivery as the retry and cancel by hand see it.
type handDelivery struct {
	State string `db:"state"`
	JobID *int64 `db:"job_id"`
}

func lockDelivery(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int) (handDelivery, error) {
	rows, err := tx.Query(ctx, `SELECT state, job_id FROM status_deliveries WHERE case_id = @case_id AND event_seq = @seq FOR UPDATE`,
		pgx.NamedArgs{"case_id": caseID, "seq": seq})
	if err != nil {
		return handDelivery{}, err
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[handDelivery])
	if errors.Is(err, pgx.ErrNoRows) {
		return d, cases.ErrNotFound
	}
	return d, err
}

// findDeliveryJob is the River job still carrying a delivery that no run
// has named yet (job_id is set on the first run); 0 when there is none.
func findDeliveryJob(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, seq int) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM `+database.RiverSchema+`.river_job WHERE kind = @kind
			AND args @> jsonb_build_object('agency_id', @agency_id::text, 'case_id', @case_id::text, 'event_seq', @seq::int)
			AND state NOT IN ('completed', 'cancelled', 'discarded') ORDER BY id DESC LIMIT 1`,
		pgx.NamedArgs{"kind": cases.StatusDeliveryArgs{}.Kind(), "agency_id": agencyID, "case_id": caseID, "seq": seq}).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// requeueDelivery starts a delivery's tries afresh (a retry by hand): not
// stuck, the delay back to its first step.
func requeueDelivery(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int) error {
	_, err := tx.Exec(ctx, `UPDATE status_deliveries SET state = 'queued', tries = 0, first_tried_at = NULL, stuck_since = NULL, updated_at = now()
		WHERE case_id = @case_id AND event_seq = @seq`, pgx.NamedArgs{"case_id": caseID, "seq": seq})
	return err
}

func cancelDelivery(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int, reason string) error {
	_, err := tx.Exec(ctx, `UPDATE status_deliveries SET state = 'cancelled', cancel_reason = @reason, stuck_since = NULL, updated_at = now()
		WHERE case_id = @case_id AND event_seq = @seq`, pgx.NamedArgs{"case_id": caseID, "seq": seq, "reason": reason})
	return err
}

// laterQueuedJobs are the jobs of the case's statuses after seq that are
// still to go: a cancelled status lets them go at once.
func laterQueuedJobs(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT job_id FROM status_deliveries WHERE case_id = @case_id AND event_seq > @seq
		AND state = 'queued' AND job_id IS NOT NULL ORDER BY event_seq`, pgx.NamedArgs{"case_id": caseID, "seq": seq})
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func setDeliveryMessageID(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int, messageID string) error {
	_, err := tx.Exec(ctx, `UPDATE status_deliveries SET message_id = @message_id WHERE case_id = @case_id AND event_seq = @seq`,
		pgx.NamedArgs{"case_id": caseID, "seq": seq, "message_id": messageID})
	return err
}

// markDeliveryAnswered records the portal's answer to a sent status. The
// answer may come before the sender recorded "sent" (its reply was lost in a
// crash): the answer proves the message arrived, so a queued delivery with
// that message id is answered too.
func markDeliveryAnswered(ctx context.Context, tx pgx.Tx, messageID string, accepted bool, reason string) (uuid.UUID, error) {
	state := "accepted"
	if !accepted {
		state = "failed"
	}
	var caseID uuid.UUID
	err := tx.QueryRow(ctx, `UPDATE status_deliveries SET state = @state, last_error = @reason, updated_at = now()
		WHERE message_id = @message_id AND state IN ('queued', 'sent') RETURNING case_id`,
		pgx.NamedArgs{"message_id": messageID, "state": state, "reason": reason}).Scan(&caseID)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, nil // an answer to something already answered, or not ours
	}
	return caseID, err
}

// rejection is a refused message and the state of its answer.
type rejection struct {
	Code      string `db:"reason_code"`
	Reason    string `db:"reason"`
	ReplyTo   string `db:"reply_to"`
	State     string `db:"response_state"`
	MessageID string `db:"response_message_id"`
}

// selectRejection reads a refusal; pgx.ErrNoRows when there is none.
func selectRejection(ctx context.Context, tx pgx.Tx, busMessageID string) (rejection, error) {
	rows, err := tx.Query(ctx, `SELECT reason_code, reason, reply_to, response_state, response_message_id FROM intake_rejections
		WHERE bus_message_id = @bus_message_id`, pgx.NamedArgs{"bus_message_id": busMessageID})
	if err != nil {
		return rejection{}, err
	}
	return pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[rejection])
}

func setRejectionMessageID(ctx context.Context, tx pgx.Tx, busMessageID, messageID string) error {
	_, err := tx.Exec(ctx, `UPDATE intake_rejections SET response_message_id = @message_id WHERE bus_message_id = @bus_message_id`,
		pgx.NamedArgs{"bus_message_id": busMessageID, "message_id": messageID})
	return err
}

func setRejectionState(ctx context.Context, tx pgx.Tx, busMessageID, state string) error {
	_, err := tx.Exec(ctx, `UPDATE intake_rejections SET response_state = @state WHERE bus_message_id = @bus_message_id`,
		pgx.NamedArgs{"bus_message_id": busMessageID, "state": state})
	return err
}
