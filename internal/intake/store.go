package intake

// All SQL of intake: the record of refused messages (intake_rejections).
// The case's own tables are written through package cases. Every function
// takes a transaction scoped to the agency.

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/cases"
)

// messageTaken reports whether a bus message already made or changed a case
// or was refused.
func messageTaken(ctx context.Context, tx pgx.Tx, messageID string) (bool, error) {
	if taken, err := cases.BusMessageTaken(ctx, tx, messageID); err != nil || taken {
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
