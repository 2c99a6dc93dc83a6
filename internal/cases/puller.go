package cases

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/okno-oiv/okno/internal/database"
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
	return river.InsertOpts{Queue: QueueIntake, MaxAttempts: 1}
}

// DefaultTakers overlaps enough waiting (bus, fsync, commit) to use the
// puller's node without queueing on the agency's registry counter.
const DefaultTakers = 4

// pullLockKey is the advisory lock of the bus pull ("pull" in ASCII).
const pullLockKey = 0x70756c6c

// PullWorker drains the agencies' bus queues.
type PullWorker struct {
	river.WorkerDefaults[PullArgs]
	Service *Service
	Logger  *slog.Logger
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
	conn, err := w.Service.cfg.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var mine bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, pullLockKey).Scan(&mine); err != nil {
		return err
	}
	if !mine {
		return nil // another node is pulling
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, pullLockKey) //nolint:errcheck // released with the connection anyway
	agencies, err := w.Service.busAgencies(ctx)
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
	s := w.Service
	bus, err := s.busOf(ctx, agencyID)
	if errors.Is(err, ErrNoBus) {
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
	if first != nil {
		return first
	}
	return w.pullAnswers(ctx, agencyID, bus, deadline)
}

// take receives messages of any type until the queue is empty or the
// budget is spent. Any type: a message of a type the agency does not serve
// must be refused with an answer, not left in the queue forever.
func (w *PullWorker) take(ctx context.Context, agencyID uuid.UUID, bus Bus, deadline time.Time) error {
	for time.Now().Before(deadline) {
		d, err := bus.GetRequest(ctx, smevclient.Selector{})
		if err != nil {
			return fmt.Errorf("GetRequest: %w", err)
		}
		if d == nil {
			return nil
		}
		outcome, c, err := w.Service.Receive(ctx, agencyID, bus, d)
		if err != nil {
			return err // not acknowledged: the bus delivers it again
		}
		if err := bus.Ack(ctx, d.MessageID, true); err != nil {
			return fmt.Errorf("ack %s: %w", d.MessageID, err)
		}
		w.Logger.Info("bus message taken", "agency", agencyID, "message_id", d.MessageID, "outcome", outcome, "case", c.Number)
	}
	return nil
}

// pullAnswers takes the portal's answers to the statuses sent.
func (w *PullWorker) pullAnswers(ctx context.Context, agencyID uuid.UUID, bus Bus, deadline time.Time) error {
	s := w.Service
	for time.Now().Before(deadline) {
		d, err := bus.GetResponse(ctx, smevclient.Selector{NamespaceURI: ELKNamespace, RootElement: ELKResponseRoot})
		if err != nil {
			return fmt.Errorf("GetResponse ELK: %w", err)
		}
		if d == nil {
			return nil
		}
		answer, perr := parseELKResponse(d.Content)
		if perr != nil {
			answer = elkAnswer{reason: perr.Error()}
		}
		original := ""
		if d.Response != nil {
			original = d.Response.OriginalMessageID
		}
		if err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
			caseID, err := markDeliveryAnswered(ctx, tx, original, answer.accepted, answer.reason)
			if err != nil || caseID == uuid.Nil || answer.orderNumber == "" {
				return err
			}
			return learnPortalOrder(ctx, tx, caseID, answer.orderNumber)
		}); err != nil {
			return err
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
	err := database.Unscoped(ctx, s.cfg.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM agencies WHERE smev_mnemonic IS NOT NULL ORDER BY code`)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	return ids, err
}
