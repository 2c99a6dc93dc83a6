package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/outbox"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// Puller is the bus intake loop that every worker process runs. One of
// them at a time holds the pull lease, a PostgreSQL advisory lock on a
// connection of its own, and pulls; the others try the lock every second or
// so. The lock dies with its session, and a killed process's session ends
// as soon as the kernel closes its socket, so a survivor takes over within
// a second or two, not after a River leader's lease and a stuck-job rescue
// (the loop replaced River's periodic job for that reason). A message being
// taken when its puller dies was never acknowledged, so the bus delivers
// it again.
//
// A round serves every agency in turn, a share of each: at most Share
// requests and Share answers, the answers taken alongside the requests, so
// a long queue of one agency delays another's first message by one round,
// and the portal's answers to statuses never wait for the requests to run
// out. Rounds follow each other at once while any queue has more, and
// Interval apart when every queue is empty.
type Puller struct {
	Intake *Service
	Outbox *outbox.Service
	Logger *slog.Logger
	// Interval is the wait between rounds when every queue is empty.
	Interval time.Duration
	// Takers is how many requests of an agency are taken at once (at least
	// one); the server runs DefaultTakers.
	Takers int
	// Share is how many requests, and how many answers, an agency gets in
	// one round; DefaultShare when zero.
	Share int
}

// DefaultTakers overlaps enough waiting (bus, fsync, commit) to use the
// puller's node without queueing on the agency's registry counter.
const DefaultTakers = 4

// DefaultShare keeps a round short (a few seconds at worst for each agency
// with a full queue) while amortising the round's own queries.
const DefaultShare = 4 * DefaultTakers

// pullLockKey is the advisory lock of the bus pull ("pull" in ASCII).
const pullLockKey = 0x70756c6c

// leaseCheck bounds the ping that tells the holder it still holds the lease.
const leaseCheck = 2 * time.Second

// Run pulls whenever this process holds the lease, until stop is closed;
// the messages being taken then are finished first. Cancelling ctx cuts
// them short instead (they stay unacknowledged and come again).
func (p *Puller) Run(ctx context.Context, stop <-chan struct{}) {
	var lease *pgx.Conn
	defer func() {
		if lease != nil {
			lease.Close(context.WithoutCancel(ctx)) //nolint:errcheck // the session's end releases the lock
		}
	}()
	held := false
	interval := p.Interval
	if interval <= 0 {
		interval = time.Second
	}
	// The lease is tried at least every second, whatever the interval, so
	// that a dead holder's successor starts within a second or two.
	retry := min(interval, time.Second)
	for !stopped(stop) && ctx.Err() == nil {
		if held {
			if err := p.checkLease(ctx, lease); err != nil {
				p.Logger.Error("bus pull lease lost", "error", err)
				lease.Close(context.WithoutCancel(ctx)) //nolint:errcheck // already broken
				lease, held = nil, false
				continue
			}
			if p.Round(ctx, stop) {
				continue
			}
			wait(ctx, stop, interval)
			continue
		}
		var err error
		if lease, held, err = p.tryLease(ctx, lease); err != nil {
			p.Logger.Error("bus pull lease", "error", err)
			if lease != nil {
				lease.Close(context.WithoutCancel(ctx)) //nolint:errcheck // retried on a new connection
				lease = nil
			}
		}
		if held {
			p.Logger.Info("bus pull lease taken", "pid", os.Getpid())
			continue
		}
		wait(ctx, stop, retry)
	}
}

// tryLease takes the pull lock on the lease connection, opening that first
// when there is none. The connection is taken out of the pool: the lock
// lives as long as this one session.
func (p *Puller) tryLease(ctx context.Context, lease *pgx.Conn) (*pgx.Conn, bool, error) {
	if lease == nil {
		pooled, err := p.Intake.cfg.Pool.Acquire(ctx)
		if err != nil {
			return nil, false, err
		}
		lease = pooled.Hijack()
		// A holder whose machine vanishes without closing its socket is
		// noticed by the server's keepalives within about 5 s.
		if _, err := lease.Exec(ctx, `SET tcp_keepalives_idle = 2; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 3`); err != nil {
			return lease, false, err
		}
	}
	var mine bool
	if err := lease.QueryRow(ctx, `SELECT pg_try_advisory_lock(@key)`, pgx.NamedArgs{"key": pullLockKey}).Scan(&mine); err != nil {
		return lease, false, err
	}
	return lease, mine, nil
}

// checkLease tells whether the lease's session is still alive (and so its
// lock still held) before a round is pulled under it.
func (p *Puller) checkLease(ctx context.Context, lease *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, leaseCheck)
	defer cancel()
	return lease.Ping(ctx)
}

// Round gives every agency with a bus connection its share of requests and
// answers, and tells whether any queue may hold more. It takes no lease:
// Run calls it under the lease; the benchmarks call it alone.
func (p *Puller) Round(ctx context.Context, stop <-chan struct{}) (more bool) {
	agencies, err := p.Intake.busAgencies(ctx)
	if err != nil {
		p.Logger.Error("bus pull: agencies", "error", err)
		return false
	}
	for _, agencyID := range agencies {
		if stopped(stop) {
			return false
		}
		agencyMore, err := p.pullAgency(ctx, stop, agencyID)
		if err != nil {
			p.Logger.Error("bus pull failed", "agency", agencyID, "error", err)
		}
		more = more || agencyMore
	}
	return more
}

// Drain pulls rounds until every queue is empty.
func (p *Puller) Drain(ctx context.Context) error {
	for p.Round(ctx, nil) {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// pullAgency takes the agency's share: its requests by several takers and
// its answers beside them. more is true when a share ran out before its
// queue did.
func (p *Puller) pullAgency(ctx context.Context, stop <-chan struct{}, agencyID uuid.UUID) (more bool, err error) {
	bus, err := p.Intake.cfg.Cases.BusOf(ctx, agencyID)
	if errors.Is(err, cases.ErrNoBus) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	share := p.Share
	if share <= 0 {
		share = DefaultShare
	}
	// Several takers overlap the waits on the bus, the blob store and the
	// commit; each message is still stored before it is acknowledged.
	requests := &quota{left: int64(share)}
	takers := max(p.Takers, 1)
	errs := make(chan error, takers+1)
	for range takers {
		go func() { errs <- p.takeRequests(ctx, stop, agencyID, bus, requests) }()
	}
	answers := &quota{left: int64(share)}
	go func() { errs <- p.takeAnswers(ctx, stop, agencyID, bus, answers) }()
	var failed []error
	for range takers + 1 {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		// A failing agency waits for the next interval rather than being
		// hammered in a tight loop.
		return false, errors.Join(failed...)
	}
	return requests.spent() || answers.spent(), nil
}

// quota is a share of one round that several takers draw from.
type quota struct {
	left      int64
	exhausted atomic.Bool
}

// take claims one message of the share; false when the share is spent.
func (q *quota) take() bool {
	if atomic.AddInt64(&q.left, -1) < 0 {
		q.exhausted.Store(true)
		return false
	}
	return true
}

func (q *quota) spent() bool { return q.exhausted.Load() }

// takeRequests receives messages of any type until the queue is empty or
// the share is spent. Any type: a message of a type the agency does not
// serve must be refused with an answer, not left in the queue forever.
func (p *Puller) takeRequests(ctx context.Context, stop <-chan struct{}, agencyID uuid.UUID, bus cases.Bus, share *quota) error {
	for !stopped(stop) && share.take() {
		d, err := bus.GetRequest(ctx, smevclient.Selector{})
		if untrusted, ok := untrustedDelivery(err); ok {
			// Counted by the id it claims, like a message Receive fails.
			if err := p.failed(ctx, agencyID, bus, KindRequest, untrusted, err); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("GetRequest: %w", err)
		}
		if d == nil {
			return nil
		}
		if err := p.takeRequest(ctx, agencyID, bus, d); err != nil {
			return err
		}
	}
	return nil
}

// takeRequest makes a case (or a refusal) of one request and acknowledges it.
func (p *Puller) takeRequest(ctx context.Context, agencyID uuid.UUID, bus cases.Bus, d *smevclient.Delivery) error {
	outcome, c, err := p.Intake.Receive(ctx, agencyID, bus, d)
	if err != nil {
		// Counted: not acknowledged (the bus delivers it again) until the
		// limit, then refused and kept as a dead letter. The next message
		// is not held up by this one.
		return p.failed(ctx, agencyID, bus, KindRequest, d, err)
	}
	if err := bus.Ack(ctx, d.MessageID, true); err != nil {
		return fmt.Errorf("ack %s: %w", d.MessageID, err)
	}
	p.Logger.Info("bus message taken", "agency", agencyID, "message_id", d.MessageID, "outcome", outcome, "case", c.Number)
	return nil
}

// failed counts a failed attempt at a message. Until the limit the message
// stays unacknowledged and the bus delivers it again; at the limit it is
// answered (a request refused by Failed, a response or an unverified
// delivery acknowledged accepted=false) and kept as a dead letter. An error here (the database
// is down) stops the taker.
func (p *Puller) failed(ctx context.Context, agencyID uuid.UUID, bus cases.Bus, kind string, d *smevclient.Delivery, cause error) error {
	if d.MessageID == "" {
		return cause
	}
	dead, err := p.Intake.Failed(ctx, agencyID, kind, d, cause)
	if err != nil {
		return errors.Join(cause, err)
	}
	if !dead {
		p.Logger.Warn("bus message failed; the bus delivers it again", "agency", agencyID, "message_id", d.MessageID, "kind", kind, "error", cause)
		return nil
	}
	if err := bus.Ack(ctx, d.MessageID, AckAccepted(kind, cause)); err != nil {
		return fmt.Errorf("ack dead letter %s: %w", d.MessageID, err)
	}
	p.Logger.Error("bus message is a dead letter", "agency", agencyID, "message_id", d.MessageID, "kind", kind, "error", cause)
	return nil
}

// untrustedDelivery turns a delivery that failed SMEV's signature or
// attachment check into what failed needs to count it: the id it claims
// and its envelope as received. Its content is not kept apart; nothing of
// it will be run.
func untrustedDelivery(err error) (*smevclient.Delivery, bool) {
	var untrusted *smevclient.UnverifiedDeliveryError
	if !errors.As(err, &untrusted) {
		return nil, false
	}
	return &smevclient.Delivery{MessageID: untrusted.MessageID, ReplyTo: untrusted.ReplyTo, Envelope: untrusted.Envelope}, true
}

// takeAnswers takes the portal's answers to the statuses sent, until the
// queue is empty or the share is spent.
func (p *Puller) takeAnswers(ctx context.Context, stop <-chan struct{}, agencyID uuid.UUID, bus cases.Bus, share *quota) error {
	for !stopped(stop) && share.take() {
		d, err := bus.GetResponse(ctx, smevclient.Selector{NamespaceURI: outbox.ELKNamespace, RootElement: outbox.ELKResponseRoot})
		if untrusted, ok := untrustedDelivery(err); ok {
			if err := p.failed(ctx, agencyID, bus, KindResponse, untrusted, err); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("GetResponse ELK: %w", err)
		}
		if d == nil {
			return nil
		}
		if err := p.Outbox.TakeAnswer(ctx, agencyID, d); err != nil {
			if err := p.failed(ctx, agencyID, bus, KindResponse, d, err); err != nil {
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

// stopped tells whether stop is closed; a nil stop never is.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// wait sleeps for d, or less when ctx ends or stop closes.
func wait(ctx context.Context, stop <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-stop:
	case <-ctx.Done():
	}
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
