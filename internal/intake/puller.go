package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/outbox"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// PullArgs is the periodic job that takes new messages from the bus for
// every agency. River's leader alone schedules it, and a run holds a
// PostgreSQL advisory lock, so one node pulls at a time however many servers
// run; the lock dies with its connection, so a crashed node's pull is taken
// over at the next tick instead of after River's stuck-job rescue.
type PullArgs struct{}

// Kind names the job in River's table.
func (PullArgs) Kind() string { return "bus_pull" }

// InsertOpts: a pull is never retried; the next tick is the retry.
func (PullArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1}
}

// Queue is River's queue of the bus pull.
const Queue = "intake"

// DefaultTakers overlaps enough waiting (bus, fsync, commit) to use the
// puller's node without queueing on the agency's registry counter.
const DefaultTakers = 4

// pullLockKey is the advisory lock of the bus pull ("pull" in ASCII).
const pullLockKey = 0x70756c6c

// PullWorker drains the agencies' bus queues: applications go to intake,
// the portal's answers to sent statuses to the outbox.
type PullWorker struct {
	river.WorkerDefaults[PullArgs]
	Intake *Service
	Outbox *outbox.Service
	Logger *slog.Logger
	// Budget bounds one run, so that a full queue does not hold the job
	// forever; the next periodic run continues.
	Budget time.Duration
	// Takers is how many messages are taken at once (at least one); the
	// server runs DefaultTakers.
	Takers int
}

// Timeout lets a run last its budget plus the time to finish a message.
func (w *PullWorker) Timeout(*river.Job[PullArgs]) time.Duration { return w.Budget + 5*time.Second }

// Work pulls for every agency with a bus connection.
func (w *PullWorker) Work(ctx context.Context, job *river.Job[PullArgs]) error {
	conn, err := w.Intake.cfg.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var mine bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(@key)`, pgx.NamedArgs{"key": pullLockKey}).Scan(&mine); err != nil {
		return err
	}
	if !mine {
		return nil // another node is pulling
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(@key)`, pgx.NamedArgs{"key": pullLockKey}) //nolint:errcheck // released with the connection anyway
	agencies, err := w.Intake.busAgencies(ctx)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(w.Budget)
	var errs []error
	for _, agencyID := range agencies {
		if err := w.pullAgency(ctx, agencyID, deadline); err != nil {
			w.Logger.Error("bus pull failed", "agency", agencyID, "error", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (w *PullWorker) pullAgency(ctx context.Context, agencyID uuid.UUID, deadline time.Time) error {
	bus, err := w.Intake.cfg.Cases.BusOf(ctx, agencyID)
	if errors.Is(err, cases.ErrNoBus) {
		return nil
	}
	if err != nil {
		return err
	}
	// Several takers overlap the waits on the bus, the blob store and the
	// commit; each message is still stored before it is acknowledged.
	takers := max(w.Takers, 1)
	errs := make(chan error, takers)
	for range takers {
		go func() { errs <- w.take(ctx, agencyID, bus, deadline) }()
	}
	var first error
	for range takers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	// The portal's answers are taken even when a taker failed: a broken
	// request queue must not leave the agency's statuses "sent".
	return errors.Join(first, w.pullAnswers(ctx, agencyID, bus, deadline))
}

// take receives messages of any type until the queue is empty or the
// budget is spent. Any type: a message of a type the agency does not serve
// must be refused with an answer, not left in the queue forever.
func (w *PullWorker) take(ctx context.Context, agencyID uuid.UUID, bus cases.Bus, deadline time.Time) error {
	for time.Now().Before(deadline) {
		d, err := bus.GetRequest(ctx, smevclient.Selector{})
		if err != nil {
			return fmt.Errorf("GetRequest: %w", err)
		}
		if d == nil {
			return nil
		}
		outcome, c, err := w.Intake.Receive(ctx, agencyID, bus, d)
		if err != nil {
			if err := w.failed(ctx, agencyID, bus, KindRequest, d, err); err != nil {
				return err
			}
			continue // the next message is not held up by this one
		}
		if err := bus.Ack(ctx, d.MessageID, true); err != nil {
			return fmt.Errorf("ack %s: %w", d.MessageID, err)
		}
		w.Logger.Info("bus message taken", "agency", agencyID, "message_id", d.MessageID, "outcome", outcome, "case", c.Number)
	}
	return nil
}

// failed counts a failed attempt at a message. Until the limit the message
// stays unacknowledged and the bus delivers it again; at the limit it is
// answered (a request refused by Failed, a response acknowledged
// accepted=false) and kept as a dead letter. An error here (the database
// is down) stops the taker.
func (w *PullWorker) failed(ctx context.Context, agencyID uuid.UUID, bus cases.Bus, kind string, d *smevclient.Delivery, cause error) error {
	if d.MessageID == "" {
		return cause
	}
	dead, err := w.Intake.Failed(ctx, agencyID, kind, d, cause)
	if err != nil {
		return errors.Join(cause, err)
	}
	if !dead {
		w.Logger.Warn("bus message failed; the bus delivers it again", "agency", agencyID, "message_id", d.MessageID, "kind", kind, "error", cause)
		return nil
	}
	if err := bus.Ack(ctx, d.MessageID, kind == KindRequest); err != nil {
		return fmt.Errorf("ack dead letter %s: %w", d.MessageID, err)
	}
	w.Logger.Error("bus message is a dead letter", "agency", agencyID, "message_id", d.MessageID, "kind", kind, "error", cause)
	return nil
}

// pullAnswers takes the portal's answers to the statuses sent.
func (w *PullWorker) pullAnswers(ctx context.Context, agencyID uuid.UUID, bus cases.Bus, deadline time.Time) error {
	for time.Now().Before(deadline) {
		d, err := bus.GetResponse(ctx, smevclient.Selector{NamespaceURI: outbox.ELKNamespace, RootElement: outbox.ELKResponseRoot})
		if err != nil {
			return fmt.Errorf("GetResponse ELK: %w", err)
		}
		if d == nil {
			return nil
		}
		if err := w.Outbox.TakeAnswer(ctx, agencyID, d); err != nil {
			if err := w.failed(ctx, agencyID, bus, KindResponse, d, err); err != nil {
				return err
			}
			continue
		}
		if err := bus.Ack(ctx, d.MessageID, true); err != nil {
			return fmt.Errorf("ack %s: %w", d.MessageID, err)
		}
	}
	return nil
}

// busAgencies lists the agencies that have a SMEV connection.
func (s *Service) busAgencies(ctx context.Context) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := database.Unscoped(ctx, s.cfg.Pool, func(tx pgx.Tx) (err error) {
		ids, err = people.AgenciesWithBus(ctx, tx)
		return err
	})
	return ids, err
}
