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
// whose earlier status is still queued (or, for an order the cabinet does
// not know yet, still unanswered) waits for it. A cancelled status no
// longer holds the later ones: each status message carries the case's
// whole current status, so the cabinet skips one and still ends right.
//
// A delivery that cannot go now (it waits, or the bus refused it) is
// snoozed with a delay that doubles from Backoff.First to Backoff.Cap, so it
// never holds a worker; after Backoff.StuckAfter it is marked stuck (the
// card and the metric show it) and is still retried at the cap until it
// goes or an administrator cancels it. A DestinationOverflow also holds
// the agency's other deliveries until the same delay has passed, without a
// call to the bus: one agency's full queue costs the other agencies nothing.
type StatusDeliveryWorker struct {
	river.WorkerDefaults[cases.StatusDeliveryArgs]
	Outbox *Service
}

// Work sends one status.
func (w *StatusDeliveryWorker) Work(ctx context.Context, job *river.Job[cases.StatusDeliveryArgs]) error {
	s, a := w.Outbox, job.Args
	var c cases.Case
	var e cases.Event
	var messageID string
	var pending, wait bool
	var targetCode string
	err := s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) error {
		d, err := selectDelivery(ctx, tx, a.CaseID, a.EventSeq, job.ID)
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
		return s.snooze(ctx, a, putOff{problem: "ждёт, пока уйдёт предыдущий статус дела или портал ответит на него", waiting: true})
	}
	if until, held := s.overflowHeld(a.AgencyID); held {
		return s.snooze(ctx, a, putOff{problem: "очередь получателя в СМЭВ переполнена (DestinationOverflow), ждёт вместе с другими статусами ведомства",
			least: time.Until(until)})
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
	// The client does not wait out a full destination queue inline: that
	// would hold one of the outbox's workers for every such delivery.
	sent, sendErr := bus.SendRequest(smevclient.WithoutOverflowRetry(ctx), smevclient.Request{MessageID: messageID, Content: content})
	if errors.Is(sendErr, &message.Fault{Kind: message.FaultMessageIsAlreadySent}) {
		// An attempt before a crash got through: the status is on its way.
		return s.finishDelivery(ctx, job, "sent", messageID, "")
	}
	if errors.Is(sendErr, &message.Fault{Kind: message.FaultDestinationOverflow}) {
		s.metrics.attempt("overflow")
		return s.snooze(ctx, a, putOff{problem: sendErr.Error(), sent: true, overflow: true})
	}
	if sendErr != nil {
		s.metrics.attempt("error")
		return s.snooze(ctx, a, putOff{problem: sendErr.Error(), sent: true})
	}
	s.metrics.attempt("sent")
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

// putOff says why a delivery did not go: whether it waits for an earlier
// status, whether it reached the bus (an attempt), whether the bus's queue was full (the agency's other deliveries
// then wait as long), and the least delay (the end of such a hold).
type putOff struct {
	problem  string
	waiting  bool // for an earlier status of the case
	sent     bool
	overflow bool
	least    time.Duration
}

// snooze records why the delivery did not go and puts it off by its backoff.
func (s *Service) snooze(ctx context.Context, a cases.StatusDeliveryArgs, p putOff) error {
	var tries int
	err := s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) (err error) {
		var stuck bool
		if tries, stuck, err = noteDelay(ctx, tx, a.CaseID, a.EventSeq, p.problem, p.sent, s.cfg.Backoff.StuckAfter); err != nil || !stuck || !p.waiting {
			return err
		}
		return markBlockersStuck(ctx, tx, a.CaseID, a.EventSeq)
	})
	if err != nil {
		return err
	}
	s.refreshStuck(ctx, a.AgencyID)
	delay := max(s.cfg.Backoff.delay(tries), p.least)
	if p.overflow {
		s.holdOverflow(a.AgencyID, delay)
	}
	return river.JobSnooze(delay)
}

func (s *Service) finishDelivery(ctx context.Context, job *river.Job[cases.StatusDeliveryArgs], state, messageID, problem string) error {
	a := job.Args
	err := s.inAgency(ctx, a.AgencyID, func(tx pgx.Tx) error {
		return markDelivery(ctx, tx, a.CaseID, a.EventSeq, state, messageID, problem)
	})
	if err == nil {
		s.refreshStuck(ctx, a.AgencyID)
	}
	return err
}
