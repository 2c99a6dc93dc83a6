package outbox

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/rivertype"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/people"
)

// Errors of the retry and cancel by hand, which the web layer turns into
// statuses and messages.
var (
	ErrDeliveryDone   = errors.New("outbox: the delivery is no longer on its way")
	ErrNeedReason     = errors.New("outbox: a cancelled delivery needs a reason")
	ErrNotPermitted   = errors.New("outbox: only the agency's administrator or head acts on deliveries")
	maxCancelReason   = 1000
	handRoles         = []people.Role{people.RoleAgencyAdmin, people.RoleHead}
	retryableByHand   = map[string]bool{"queued": true, "failed": true}
	cancellableByHand = map[string]bool{"queued": true, "sent": true}
)

// RetryNow sends a queued or failed delivery again at once, its tries
// counted afresh.
func (s *Service) RetryNow(ctx context.Context, by *people.Principal, caseID uuid.UUID, seq int) error {
	if !by.Has(handRoles...) {
		return ErrNotPermitted
	}
	agencyID := by.Agency.ID
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		d, err := lockDelivery(ctx, tx, caseID, seq)
		if err != nil {
			return err
		}
		if !retryableByHand[d.State] {
			return ErrDeliveryDone
		}
		if err := requeueDelivery(ctx, tx, caseID, seq); err != nil {
			return err
		}
		if err := s.wake(ctx, tx, agencyID, caseID, seq, d.JobID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "case.delivery_retry", ObjectType: "case", ObjectID: caseID.String(),
			Details: map[string]any{"event_seq": seq, "state": d.State}})
	})
	if err != nil {
		return err
	}
	s.refreshStuck(ctx, agencyID)
	return nil
}

// CancelDelivery gives up a queued or sent status for a reason: it is not
// sent (or its answer no longer awaited), and the case's later statuses go
// without waiting for it.
func (s *Service) CancelDelivery(ctx context.Context, by *people.Principal, caseID uuid.UUID, seq int, reason string) error {
	if !by.Has(handRoles...) {
		return ErrNotPermitted
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxCancelReason {
		return ErrNeedReason
	}
	agencyID := by.Agency.ID
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		d, err := lockDelivery(ctx, tx, caseID, seq)
		if err != nil {
			return err
		}
		if !cancellableByHand[d.State] {
			return ErrDeliveryDone
		}
		if err := cancelDelivery(ctx, tx, caseID, seq, reason); err != nil {
			return err
		}
		job, err := jobOf(ctx, tx, agencyID, caseID, seq, d.JobID)
		if err != nil {
			return err
		}
		if job != 0 {
			if _, err := s.cfg.Jobs.JobCancelTx(ctx, tx, job); err != nil && !isJobGone(err) {
				return err
			}
		}
		later, err := laterQueuedJobs(ctx, tx, caseID, seq)
		if err != nil {
			return err
		}
		for _, id := range later {
			if _, err := s.cfg.Jobs.JobRetryTx(ctx, tx, id); err != nil && !isJobGone(err) {
				return err
			}
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "case.delivery_cancel", ObjectType: "case", ObjectID: caseID.String(),
			Details: map[string]any{"event_seq": seq, "state": d.State, "reason": reason}})
	})
	if err != nil {
		return err
	}
	s.refreshStuck(ctx, agencyID)
	return nil
}

// wake makes the delivery's job run now; when River no longer has it (a
// failed delivery's job is gone after a while) a new job carries it.
func (s *Service) wake(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, seq int, jobID *int64) error {
	id, err := jobOf(ctx, tx, agencyID, caseID, seq, jobID)
	if err != nil {
		return err
	}
	if id != 0 {
		_, err := s.cfg.Jobs.JobRetryTx(ctx, tx, id)
		if !isJobGone(err) {
			return err
		}
	}
	_, err = s.cfg.Jobs.InsertTx(ctx, tx, cases.StatusDeliveryArgs{AgencyID: agencyID, CaseID: caseID, EventSeq: seq}, nil)
	return err
}

// jobOf is the delivery's River job: the one its last run named, else the
// one still waiting for its first run; 0 when there is none.
func jobOf(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, seq int, named *int64) (int64, error) {
	if named != nil {
		return *named, nil
	}
	return findDeliveryJob(ctx, tx, agencyID, caseID, seq)
}

// isJobGone: River's table no longer has the job (completed jobs are
// cleaned out after a while).
func isJobGone(err error) bool { return errors.Is(err, rivertype.ErrNotFound) }

// refreshStuck sets the agency's stuck gauge from the database; a failure
// leaves the last value, the next try refreshes it.
func (s *Service) refreshStuck(ctx context.Context, agencyID uuid.UUID) {
	if s.metrics == nil {
		return
	}
	var n int
	if err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) (err error) { n, err = countStuck(ctx, tx); return err }); err == nil {
		s.metrics.setStuck(agencyID, n)
	}
}
