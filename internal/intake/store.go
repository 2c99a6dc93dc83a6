package intake

// All SQL of intake: the record of refused messages (intake_rejections)
// and the dead letters (intake_dead_letters).
// The case's own tables are written through package cases. Every function
// takes a transaction scoped to the agency.

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/cases"
)

// messageTaken reports whether a bus message already made or changed a case
// or was refused; casesOnly leaves refusals out.
func messageTaken(ctx context.Context, tx pgx.Tx, messageID string, casesOnly bool) (bool, error) {
	if taken, err := cases.BusMessageTaken(ctx, tx, messageID); err != nil || taken || casesOnly {
		return taken, err
	}
	var refused bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM intake_rejections WHERE bus_message_id = @message_id)`,
		pgx.NamedArgs{"message_id": messageID}).Scan(&refused)
	return refused, err
}

// refusal is one refused message and the answer it is owed.
type refusal struct {
	AgencyID  uuid.UUID
	MessageID string // the refused message's
	Namespace string // its business document's root
	Root      string
	Code      string // RequestRejected's reason code
	Reason    string
	ReplyTo   string
}

func insertRejection(ctx context.Context, tx pgx.Tx, r refusal) error {
	_, err := tx.Exec(ctx, `INSERT INTO intake_rejections (agency_id, bus_message_id, namespace_uri, root_element, reason_code, reason, reply_to, response_state)
		VALUES (@agency_id, @bus_message_id, @namespace_uri, @root_element, @reason_code, @reason, @reply_to, 'queued') ON CONFLICT DO NOTHING`,
		pgx.NamedArgs{"agency_id": r.AgencyID, "bus_message_id": r.MessageID, "namespace_uri": r.Namespace, "root_element": r.Root,
			"reason_code": r.Code, "reason": r.Reason, "reply_to": r.ReplyTo})
	return err
}

// DeadLetter is a bus message that failed every attempt at it, or one
// still being counted (State "failing").
type DeadLetter struct {
	AgencyID     uuid.UUID  `db:"agency_id"`
	AgencyCode   string     `db:"agency_code"`
	MessageID    string     `db:"bus_message_id"`
	Kind         string     `db:"kind"`
	State        string     `db:"state"`
	Attempts     int        `db:"attempts"`
	FirstSeen    time.Time  `db:"first_seen"`
	LastSeen     time.Time  `db:"last_seen"`
	Reason       string     `db:"reason"`
	Envelope     []byte     `db:"envelope"`
	ClosedAt     *time.Time `db:"closed_at"`
	ClosedReason string     `db:"closed_reason"`
	// Verified is false for a delivery whose SMEV signature or attachments
	// failed the check: it may only be closed.
	Verified bool `db:"verified"`
}

const deadLetterColumns = `d.agency_id, a.code AS agency_code, d.bus_message_id, d.kind, d.state, d.attempts, d.first_seen, d.last_seen,
	d.reason, d.envelope, d.closed_at, d.closed_reason, d.verified`

// countAttempt records one failed attempt at a message and returns how many
// there have been and the entry's state; the first attempt keeps the
// message as it came. Once an attempt came unverified the entry stays
// unverified: a forged copy under a real message's id must not make what is
// kept runnable again.
func countAttempt(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID, kind, messageID, reason string, verified bool, envelope, kept []byte, at time.Time) (attempts int, state string, err error) {
	err = tx.QueryRow(ctx, `INSERT INTO intake_dead_letters (agency_id, bus_message_id, kind, state, attempts, first_seen, last_seen, reason, verified, envelope, delivery)
		VALUES (@agency_id, @message_id, @kind, 'failing', 1, @at, @at, @reason, @verified, @envelope, @delivery)
		ON CONFLICT (agency_id, bus_message_id) DO UPDATE SET attempts = intake_dead_letters.attempts + 1, last_seen = @at, reason = @reason,
			verified = intake_dead_letters.verified AND EXCLUDED.verified
		RETURNING attempts, state`,
		pgx.NamedArgs{"agency_id": agencyID, "message_id": messageID, "kind": kind, "at": at, "reason": reason, "verified": verified,
			"envelope": envelope, "delivery": kept}).Scan(&attempts, &state)
	return attempts, state, err
}

// setDeadLetterState moves an entry from one state to another; false when
// it was not in that state (another node or person moved it first).
func setDeadLetterState(ctx context.Context, tx pgx.Tx, messageID, from, to, closedReason string, at time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE intake_dead_letters SET state = @to,
			closed_at = CASE WHEN @to = 'closed' THEN @at::timestamptz END, closed_reason = @closed_reason
		WHERE bus_message_id = @message_id AND state = @from`,
		pgx.NamedArgs{"message_id": messageID, "from": from, "to": to, "at": at, "closed_reason": closedReason})
	return tag.RowsAffected() == 1, err
}

func selectDeadLetters(ctx context.Context, tx pgx.Tx, state string) ([]DeadLetter, error) {
	rows, err := tx.Query(ctx, `SELECT `+deadLetterColumns+` FROM intake_dead_letters d JOIN agencies a ON a.id = d.agency_id
		WHERE d.state = @state ORDER BY d.last_seen DESC, d.bus_message_id`, pgx.NamedArgs{"state": state})
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[DeadLetter])
}

// selectDeadLetter locks one entry for a person's action on it and returns
// it with the delivery kept for running it again.
func selectDeadLetter(ctx context.Context, tx pgx.Tx, messageID string) (DeadLetter, []byte, error) {
	var kept []byte
	rows, err := tx.Query(ctx, `SELECT `+deadLetterColumns+`, d.delivery FROM intake_dead_letters d JOIN agencies a ON a.id = d.agency_id
		WHERE d.bus_message_id = @message_id FOR UPDATE OF d`, pgx.NamedArgs{"message_id": messageID})
	if err != nil {
		return DeadLetter{}, nil, err
	}
	type withDelivery struct {
		DeadLetter
		Delivery []byte `db:"delivery"`
	}
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[withDelivery])
	if errors.Is(err, pgx.ErrNoRows) {
		return DeadLetter{}, nil, ErrNoDeadLetter
	}
	kept = row.Delivery
	return row.DeadLetter, kept, err
}

func countDeadLetters(ctx context.Context, tx pgx.Tx) (code string, dead int, err error) {
	err = tx.QueryRow(ctx, `SELECT a.code, (SELECT count(*) FROM intake_dead_letters WHERE state = 'dead')
		FROM agencies a WHERE a.id = current_agency_id()`).Scan(&code, &dead)
	return code, dead, err
}
