package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// StatusDeliveryWorker carries statuses to the applicant's cabinet: it
// sends ElkOrderRequest through the bus and records the outcome on the
// delivery row the card shows. Statuses of one case leave in order: a job
// whose earlier status is still queued waits for it.
type StatusDeliveryWorker struct {
	river.WorkerDefaults[cases.StatusDeliveryArgs]
	Outbox *Service
}

// waitForEarlier is how long a later status waits for an earlier one.
const waitForEarlier = 500 * time.Millisecond

// Work sends one status.
func (w *StatusDeliveryWorker) Work(ctx context.Context, job *river.Job[cases.StatusDeliveryArgs]) error {
	s, a := w.Outbox, job.Args
	var c cases.Case
	var e cases.Event
	var messageID string
	var pending, wait bool
	var targetCode string
	err := s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) error {
		d, err := selectDelivery(ctx, tx, a.CaseID, a.EventSeq)
		if err != nil {
			return err
		}
		if pending = d.State == "queued"; !pending {
			return nil
		}
		messageID = d.MessageID
		if c, err = cases.SelectCase(ctx, tx, a.CaseID); err != nil {
			return err
		}
		if wait, err = undeliveredBefore(ctx, tx, a.CaseID, a.EventSeq, c.PortalOrderID != ""); err != nil || wait {
			return err
		}
		if e, err = cases.SelectEvent(ctx, tx, a.CaseID, a.EventSeq); err != nil {
			return err
		}
		if createsOrder(c) {
			// The cabinet names an office application's service by its target code.
			st, err := forms.ByID(ctx, tx, c.ServiceTypeID)
			if err != nil {
				return err
			}
			targetCode = st.TargetCode
		}
		return nil
	})
	switch {
	case errors.Is(err, cases.ErrNotFound):
		return river.JobCancel(fmt.Errorf("status %d of case %s no longer exists", a.EventSeq, a.CaseID))
	case err != nil:
		return err
	case !pending:
		return nil
	case wait:
		return river.JobSnooze(waitForEarlier)
	}
	content, err := elkStatusRequest(s.cfg.ELKEnv, s.cfg.SenderINN, c, targetCode, e, e.ToStatus.ELKStatus())
	if err != nil {
		return river.JobCancel(err)
	}
	bus, err := s.cfg.Cases.BusOf(ctx, a.AgencyID)
	if errors.Is(err, cases.ErrNoBus) {
		return s.finishDelivery(ctx, job, "failed", "", "у ведомства не настроено подключение к СМЭВ")
	}
	if err != nil {
		return err
	}
	// The message id is fixed before the first attempt and reused by every
	// retry, so a send that reached the bus just before a crash is answered
	// MessageIsAlreadySent instead of reaching the cabinet twice.
	if messageID == "" {
		if messageID, err = s.reserveMessageID(ctx, a); err != nil {
			return err
		}
	}
	sent, sendErr := bus.SendRequest(ctx, smevclient.Request{MessageID: messageID, Content: content})
	if errors.Is(sendErr, &message.Fault{Kind: message.FaultMessageIsAlreadySent}) {
		// An attempt before a crash got through: the status is on its way.
		return s.finishDelivery(ctx, job, "sent", messageID, "")
	}
	if sendErr != nil {
		state := "queued"
		if job.Attempt >= job.MaxAttempts {
			state = "failed"
		}
		if err := s.finishDelivery(ctx, job, state, "", sendErr.Error()); err != nil {
			return err
		}
		return sendErr
	}
	return s.finishDelivery(ctx, job, "sent", sent.MessageID, "")
}

func (s *Service) reserveMessageID(ctx context.Context, a cases.StatusDeliveryArgs) (string, error) {
	id, err := uuid.NewUUID() // SMEV wants time-based (version 1) ids
	if err != nil {
		return "", fmt.Errorf("message id: %w", err)
	}
	err = s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) error {
		return setDeliveryMessageID(ctx, tx, a.CaseID, a.EventSeq, id.String())
	})
	return id.String(), err
}

func (s *Service) finishDelivery(ctx context.Context, job *river.Job[cases.StatusDeliveryArgs], state, messageID, problem string) error {
	a := job.Args
	return s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) error {
		return markDelivery(ctx, tx, a.CaseID, a.EventSeq, state, messageID, problem)
	})
}
