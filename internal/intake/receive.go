package intake

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// Outcome says what intake did with a delivered message. Every outcome means
// the message is durably handled and may be acknowledged.
type Outcome string

const (
	OutcomeRegistered Outcome = "registered" // a new case
	OutcomeDuplicate  Outcome = "duplicate"  // redelivered: its case or rejection exists
	OutcomeRejected   Outcome = "rejected"   // refused; RequestRejected is queued
	OutcomeSupplement Outcome = "supplement" // documents the applicant sent for an existing case
)

// Receive registers one application delivered by the bus, exactly once:
// files go to the blob store first (under keys derived from the message, so
// a redelivery overwrites rather than duplicates), then the case, its
// documents, timeline and outbox job commit in one transaction. The caller
// acknowledges the message only after Receive returns without error.
func (s *Service) Receive(ctx context.Context, agencyID uuid.UUID, bus cases.Bus, d *smevclient.Delivery) (Outcome, cases.Case, error) {
	return s.receive(ctx, agencyID, bus, d, false)
}

// receive is Receive; again is a dead letter run by hand, whose refusal
// at its last attempt does not count as having taken it.
func (s *Service) receive(ctx context.Context, agencyID uuid.UUID, bus cases.Bus, d *smevclient.Delivery, again bool) (Outcome, cases.Case, error) {
	if d == nil || d.MessageID == "" {
		return "", cases.Case{}, errors.New("intake: delivery without a message id")
	}
	ns, root := rootName(d.Content)
	if s.cfg.Withdrawal.Matches(ns, root) {
		return s.withdraw(ctx, agencyID, d)
	}
	var st forms.ServiceType
	var known bool
	var outcome Outcome
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		if taken, err := messageTaken(ctx, tx, d.MessageID, again); err != nil || taken {
			if taken {
				outcome = OutcomeDuplicate
			}
			return err
		}
		var err error
		st, err = forms.ByNamespace(ctx, tx, ns, root)
		if errors.Is(err, forms.ErrNotFound) {
			return nil
		}
		known = err == nil
		return err
	})
	if err != nil || outcome == OutcomeDuplicate {
		return outcome, cases.Case{}, err
	}
	if !known {
		return s.reject(ctx, agencyID, d, ns, root, "UNKNOWN_REQUEST_DESCRIPTION",
			fmt.Sprintf("Ведомство не оказывает услугу с формой {%s}%s", ns, root))
	}

	app, err := st.MapApplication(d.Content)
	if err != nil {
		return s.reject(ctx, agencyID, d, ns, root, "UNKNOWN_REQUEST_DESCRIPTION",
			"Заявление не соответствует форме услуги «"+st.Title+"»: "+err.Error())
	}
	docs, problems, err := s.storeAttachments(ctx, agencyID, bus, d, app)
	if err != nil {
		return "", cases.Case{}, err // e.g. the blob store is down: do not ack, the bus redelivers
	}
	if note, ok := supplementNote(d.Content); ok && app.PortalOrderID != "" {
		// The form's own problems (required fields of a new application) do
		// not concern an answer; only its files are checked.
		c, err := s.addSupplement(ctx, agencyID, d, app, docs[1:], problems, note)
		if !errors.Is(err, cases.ErrNotFound) {
			return OutcomeSupplement, c, err
		}
		// No case for that order: register the documents as a new application.
	}
	app.Problems = append(app.Problems, problems...)
	if msg := personalSignatureProblem(d); msg != "" {
		app.Problems = append(app.Problems, forms.Problem{Field: "applicant.signature", Message: msg})
	}
	if len(app.Problems) > 0 && st.OnProblem == forms.OnProblemReject {
		outcome, c, err := s.reject(ctx, agencyID, d, ns, root, "FAILURE", problemsText(app.Problems))
		if err == nil {
			// A refused application keeps nothing but the record of its refusal.
			s.cfg.Cases.DiscardScans(ctx, docs)
		}
		return outcome, c, err
	}

	var c cases.Case
	err = s.inAgency(ctx, agencyID, func(tx pgx.Tx) (err error) {
		c, err = s.cfg.Cases.Register(ctx, tx, cases.Registration{AgencyID: agencyID, ServiceType: st, Application: app,
			ReceivedAt: deliveredAt(d, s.now()), BusMessageID: d.MessageID, ReplyTo: d.ReplyTo,
			Documents: docs, Actor: cases.SystemActor()})
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.ConstraintName == "cases_bus_message" || pgErr.ConstraintName == "case_events_bus_message") {
		// Another node registered the same message a moment ago.
		return OutcomeDuplicate, cases.Case{}, nil
	}
	if err != nil {
		return "", cases.Case{}, fmt.Errorf("register message %s: %w", d.MessageID, err)
	}
	return OutcomeRegistered, c, nil
}

func problemsText(ps []forms.Problem) string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "; ")
}

// rootName is the namespace and local name of the business document's root.
func rootName(content []byte) (ns, local string) {
	dec := xml.NewDecoder(bytes.NewReader(content))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Space, se.Name.Local
		}
	}
}

// deliveredAt is when the applicant sent the application: SMEV's sending
// time, from which the regulation's terms count.
func deliveredAt(d *smevclient.Delivery, fallback time.Time) time.Time {
	if t := d.Metadata.SendingTimestamp; !t.IsZero() {
		return t
	}
	return fallback
}
