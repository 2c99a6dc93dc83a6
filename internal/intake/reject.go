package intake

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/outbox"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// reject records that an application is refused and queues the
// RequestRejected answer, in one transaction; nothing from the bus is
// silently dropped.
func (s *Service) reject(ctx context.Context, agencyID uuid.UUID, d *smevclient.Delivery, ns, root, code, reason string) (Outcome, cases.Case, error) {
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		return s.refuse(ctx, tx, refusal{AgencyID: agencyID, MessageID: d.MessageID, Namespace: ns, Root: root,
			Code: code, Reason: reason, ReplyTo: d.ReplyTo}, nil)
	})
	if err != nil {
		return "", cases.Case{}, fmt.Errorf("reject message %s: %w", d.MessageID, err)
	}
	return OutcomeRejected, cases.Case{}, nil
}

// refuse records a refusal and queues its RequestRejected answer through
// the outbox, inside the caller's transaction, with the audit entry;
// caseID names the case a refused withdrawal was about.
func (s *Service) refuse(ctx context.Context, tx pgx.Tx, r refusal, caseID *uuid.UUID) error {
	if err := insertRejection(ctx, tx, r); err != nil {
		return fmt.Errorf("record refusal: %w", err)
	}
	if _, err := s.cfg.Jobs.InsertTx(ctx, tx, outbox.RejectionArgs{AgencyID: r.AgencyID, BusMessageID: r.MessageID}, nil); err != nil {
		return fmt.Errorf("queue refusal: %w", err)
	}
	details := map[string]any{"code": r.Code, "reason": r.Reason, "form": "{" + r.Namespace + "}" + r.Root}
	if caseID != nil {
		details["case"] = caseID.String()
	}
	return audit.Record(ctx, tx, audit.SystemActor(), audit.Entry{Action: "intake.reject", ObjectType: "bus_message", ObjectID: r.MessageID,
		Details: details})
}
