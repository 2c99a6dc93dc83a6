package cases

import (
	"github.com/google/uuid"
	"github.com/riverqueue/river"
)

// StatusDeliveryArgs is the outbox job that carries one status of one case
// to the applicant's cabinet. A status change writes it in its own
// transaction (Move, Register); package outbox runs it.
type StatusDeliveryArgs struct {
	AgencyID uuid.UUID `json:"agency_id"`
	CaseID   uuid.UUID `json:"case_id"`
	EventSeq int       `json:"event_seq"`
}

// Kind names the job in River's table.
func (StatusDeliveryArgs) Kind() string { return "case_status_delivery" }

// InsertOpts: the outbox has its own queue so that a slow bus never delays
// intake; 25 attempts with River's backoff cover about three weeks.
func (StatusDeliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutbox, MaxAttempts: 25}
}

// QueueOutbox is River's queue of everything Okno sends to the bus.
const QueueOutbox = "outbox"
