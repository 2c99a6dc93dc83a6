package intake

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// DefaultMaxAttempts is how many times a message may fail before it is
// answered and kept as a dead letter.
const DefaultMaxAttempts = 5

// The kinds of message a dead letter can be.
const (
	KindRequest  = "request"  // an application (GetRequest): refused with RequestRejected
	KindResponse = "response" // the portal's answer (GetResponse): acknowledged accepted=false
)

// ErrNoDeadLetter: no dead letter with that message id is open.
var ErrNoDeadLetter = errors.New("intake: no such dead letter")

// AnswerTaker processes the portal's answers to the statuses sent (the
// outbox); a dead answer run again by hand goes to it.
type AnswerTaker interface {
	TakeAnswer(ctx context.Context, agencyID uuid.UUID, d *smevclient.Delivery) error
}

// NewDeadLetterGauge registers okno_intake_dead_letters{agency}: the dead
// letters of each agency waiting for a person.
func NewDeadLetterGauge(reg prometheus.Registerer) (*prometheus.GaugeVec, error) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "okno_intake_dead_letters",
		Help: "Bus messages that failed every attempt, were answered and wait in the dead-letter list.",
	}, []string{"agency"})
	return g, reg.Register(g)
}

// Failed counts a failed attempt at a delivered message of the given kind.
// Below the limit it returns false and the message stays unacknowledged for
// the bus to deliver again. At the limit the message is dead: a request is
// refused (intake_rejections and its RequestRejected answer commit with the
// dead letter) and Failed returns true; the caller then acknowledges it
// (AckAccepted tells how).
//
// A delivery that failed SMEV's signature or attachment check (cause is a
// *smevclient.UnverifiedDeliveryError) is counted the same way, but it is
// not proven to come from the bus: it is never refused with an answer, only
// acknowledged accepted=false, and its dead letter is marked unverified.
func (s *Service) Failed(ctx context.Context, agencyID uuid.UUID, kind string, d *smevclient.Delivery, cause error) (dead bool, err error) {
	kept, err := d.Keep()
	if err != nil {
		return false, err
	}
	reason := cause.Error()
	verified := !unverified(cause)
	err = s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		attempts, state, err := countAttempt(ctx, tx, agencyID, kind, d.MessageID, reason, verified, d.Envelope, kept, s.now())
		if err != nil {
			return err
		}
		if state != "failing" {
			// Answered before, but its acknowledgement was lost: acknowledge again.
			dead = true
			return nil
		}
		if attempts < s.maxAttempts() {
			return nil
		}
		if dead, err = setDeadLetterState(ctx, tx, d.MessageID, "failing", "dead", "", s.now()); err != nil || !dead {
			return err
		}
		if kind == KindRequest && verified {
			ns, root := rootName(d.Content)
			err := s.refuse(ctx, tx, refusal{AgencyID: agencyID, MessageID: d.MessageID, Namespace: ns, Root: root, Code: "FAILURE",
				Reason: fmt.Sprintf("Ведомство не смогло обработать заявление (%d попыток); оно передано администратору. Номер сообщения %s",
					attempts, d.MessageID), ReplyTo: d.ReplyTo}, nil)
			if err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, audit.SystemActor(), audit.Entry{Action: "intake.dead_letter", ObjectType: "bus_message",
			ObjectID: d.MessageID, Details: map[string]any{"kind": kind, "attempts": attempts, "verified": verified, "reason": truncate(reason, 500)}}); err != nil {
			return err
		}
		return s.updateGauge(ctx, tx)
	})
	if err != nil {
		return false, fmt.Errorf("count failed attempt at %s: %w", d.MessageID, err)
	}
	return dead, nil
}

// AckAccepted is the accepted flag a dead message is acknowledged with: true
// for a request refused with its answer, false for a response and for
// anything whose SMEV signature failed (the bus learns it was not taken).
func AckAccepted(kind string, cause error) bool {
	return kind == KindRequest && !unverified(cause)
}

// unverified tells whether a failure is SMEV's signature or attachment
// check of the delivery itself.
func unverified(cause error) bool {
	return errors.As(cause, new(*smevclient.UnverifiedDeliveryError))
}

// DeadLetters lists every agency's dead letters, newest first, for the
// platform administrator.
func (s *Service) DeadLetters(ctx context.Context, by *people.Principal) ([]DeadLetter, error) {
	if by == nil || !by.Has(people.RolePlatformAdmin) {
		return nil, people.ErrForbidden
	}
	agencies, err := s.busAgencies(ctx)
	if err != nil {
		return nil, err
	}
	var out []DeadLetter
	for _, id := range agencies {
		err := s.inAgency(ctx, id, func(tx pgx.Tx) error {
			got, err := selectDeadLetters(ctx, tx, "dead")
			out = append(out, got...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
	}
	return out, nil
}

// DeadLetter is one entry, for its page.
func (s *Service) DeadLetter(ctx context.Context, by *people.Principal, agencyID uuid.UUID, messageID string) (DeadLetter, error) {
	if by == nil || !by.Has(people.RolePlatformAdmin) {
		return DeadLetter{}, people.ErrForbidden
	}
	var dl DeadLetter
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) (err error) {
		dl, _, err = selectDeadLetter(ctx, tx, messageID)
		return err
	})
	return dl, err
}

// RetryDeadLetter runs a dead message again, as if the bus delivered it
// now: a request through Receive (its earlier refusal does not count as
// taking it), a response through the outbox. If it goes through, the entry
// is closed; if it fails, the entry stays with the new reason. Either way
// the attempt is audited. An unverified one is never run (ErrUnverified)
// and nothing changes.
func (s *Service) RetryDeadLetter(ctx context.Context, by *people.Principal, agencyID uuid.UUID, messageID string) (Outcome, cases.Case, error) {
	if by == nil || !by.Has(people.RolePlatformAdmin) {
		return "", cases.Case{}, people.ErrForbidden
	}
	dl, kept, err := s.openDeadLetter(ctx, agencyID, messageID)
	if err != nil {
		return "", cases.Case{}, err
	}
	if !dl.Verified {
		return "", cases.Case{}, ErrUnverified
	}
	d, err := smevclient.RestoreDelivery(kept)
	if err != nil {
		return "", cases.Case{}, err
	}
	var outcome Outcome
	var c cases.Case
	var runErr error
	if dl.Kind == KindRequest {
		var bus cases.Bus
		if bus, runErr = s.cfg.Cases.BusOf(ctx, agencyID); runErr == nil {
			outcome, c, runErr = s.receive(ctx, agencyID, bus, d, true)
		}
	} else if s.cfg.Answers == nil {
		runErr = errors.New("intake: no answer taker configured")
	} else if runErr = s.cfg.Answers.TakeAnswer(ctx, agencyID, d); runErr == nil {
		outcome = "answer"
	}
	err = s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		details := map[string]any{"kind": dl.Kind, "outcome": string(outcome)}
		if runErr != nil {
			details["error"] = truncate(runErr.Error(), 500)
			if _, err := tx.Exec(ctx, `UPDATE intake_dead_letters SET reason = @reason, last_seen = @at WHERE bus_message_id = @message_id`,
				pgx.NamedArgs{"reason": runErr.Error(), "at": s.now(), "message_id": messageID}); err != nil {
				return err
			}
		} else {
			note := "Обработано повторно"
			if c.Number != "" {
				note += ": дело " + c.Number
				details["case"] = c.ID.String()
			}
			if _, err := setDeadLetterState(ctx, tx, messageID, "dead", "closed", note, s.now()); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "intake.dead_letter.retry", ObjectType: "bus_message",
			ObjectID: messageID, Details: details}); err != nil {
			return err
		}
		return s.updateGauge(ctx, tx)
	})
	if err != nil {
		return "", cases.Case{}, err
	}
	if runErr != nil {
		return "", cases.Case{}, fmt.Errorf("%w: %w", ErrStillFailing, runErr)
	}
	return outcome, c, nil
}

// ErrUnverified: a dead letter whose SMEV signature failed is not run
// again (nothing proves it came from the bus); it can only be closed.
var ErrUnverified = errors.New("intake: the dead letter failed SMEV's signature check and can only be closed")

// ErrStillFailing: a dead letter run again failed again.
var ErrStillFailing = errors.New("intake: the message fails again")

// CloseDeadLetter closes an entry without running it, with the person's reason.
func (s *Service) CloseDeadLetter(ctx context.Context, by *people.Principal, agencyID uuid.UUID, messageID, reason string) error {
	if by == nil || !by.Has(people.RolePlatformAdmin) {
		return people.ErrForbidden
	}
	if !utf8.ValidString(reason) || reason == "" || utf8.RuneCountInString(reason) > 1000 {
		return ErrCloseReason
	}
	return s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		closed, err := setDeadLetterState(ctx, tx, messageID, "dead", "closed", reason, s.now())
		if err != nil {
			return err
		}
		if !closed {
			return ErrNoDeadLetter
		}
		if err := audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "intake.dead_letter.close", ObjectType: "bus_message",
			ObjectID: messageID, Details: map[string]any{"reason": reason}}); err != nil {
			return err
		}
		return s.updateGauge(ctx, tx)
	})
}

// ErrCloseReason: a dead letter is closed only with a reason of 1 to 1000 characters.
var ErrCloseReason = errors.New("intake: closing a dead letter needs a reason of 1 to 1000 characters")

func (s *Service) openDeadLetter(ctx context.Context, agencyID uuid.UUID, messageID string) (DeadLetter, []byte, error) {
	var dl DeadLetter
	var kept []byte
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) (err error) {
		dl, kept, err = selectDeadLetter(ctx, tx, messageID)
		if err == nil && dl.State != "dead" {
			err = ErrNoDeadLetter
		}
		return err
	})
	return dl, kept, err
}

func (s *Service) updateGauge(ctx context.Context, tx pgx.Tx) error {
	if s.cfg.DeadLetterGauge == nil {
		return nil
	}
	code, n, err := countDeadLetters(ctx, tx)
	if err != nil {
		return err
	}
	s.cfg.DeadLetterGauge.WithLabelValues(code).Set(float64(n))
	return nil
}

func (s *Service) maxAttempts() int {
	if s.cfg.MaxAttempts > 0 {
		return s.cfg.MaxAttempts
	}
	return DefaultMaxAttempts
}
