package intake

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// OutcomeWithdrawn: the applicant withdrew the application and its case is
// cancelled.
const OutcomeWithdrawn Outcome = "withdrawn"

// WithdrawalForm names the business message by which the portal withdraws
// an application. SMEV 3 schema 1.1 had a Cancel element; 1.3 has none, so
// the portal sends a withdrawal as a request of its own type, and which type
// that is belongs to configuration, not code.
type WithdrawalForm struct {
	Namespace string
	Root      string
	// OrderElement holds the portal's order number of the application;
	// ReasonElement the applicant's words (optional).
	OrderElement  string
	ReasonElement string
}

// DefaultWithdrawalForm is the shape the stand's portal sends.
//
// UNCONFIRMED: the real EPGU's withdrawal message is not in the material we
// have. The nearest public lead is the portal's "universal type for events
// of an electronic application" (универсальный вид сведений для приема
// событий электронного заявления), whose schema we lack; ELK statuses 9
// (в процессе отмены) and 10 (отменено) imply the portal waits for the
// agency's confirmation, as modelled here. Replace these values with the
// agreed ones before production.
func DefaultWithdrawalForm() WithdrawalForm {
	return WithdrawalForm{
		Namespace:     "http://epgu.gosuslugi.ru/concentrator/cancel/1.0.0",
		Root:          "CancelRequest",
		OrderElement:  "orderId",
		ReasonElement: "reason",
	}
}

// Matches reports whether a business document's root is this form.
func (f WithdrawalForm) Matches(ns, root string) bool {
	return ns == f.Namespace && root == f.Root
}

// Limits of a withdrawal document: it carries two short values.
const (
	withdrawalMaxBytes  = 64 << 10
	withdrawalMaxDepth  = 8
	withdrawalMaxOrder  = 64
	withdrawalMaxReason = 2000
)

// withdrawal is a parsed withdrawal message.
type withdrawal struct {
	order  string
	reason string
}

// parseWithdrawal reads a withdrawal document of form f. It refuses DTDs
// and entity declarations, documents deeper or larger than a withdrawal
// can be, and a missing or repeated order number.
func parseWithdrawal(content []byte, f WithdrawalForm) (withdrawal, error) {
	if len(content) > withdrawalMaxBytes {
		return withdrawal{}, fmt.Errorf("withdrawal of %d bytes exceeds %d", len(content), withdrawalMaxBytes)
	}
	dec := xml.NewDecoder(bytes.NewReader(content))
	var w withdrawal
	var orders int
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return withdrawal{}, fmt.Errorf("withdrawal is not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return withdrawal{}, errors.New("withdrawal carries a DTD or entity declaration")
		case xml.StartElement:
			depth++
			if depth > withdrawalMaxDepth {
				return withdrawal{}, fmt.Errorf("withdrawal nests deeper than %d elements", withdrawalMaxDepth)
			}
			if depth == 1 && !f.Matches(t.Name.Space, t.Name.Local) {
				return withdrawal{}, fmt.Errorf("root {%s}%s is not the withdrawal {%s}%s", t.Name.Space, t.Name.Local, f.Namespace, f.Root)
			}
			if depth != 2 || (t.Name.Space != f.Namespace && t.Name.Space != "") {
				continue
			}
			var text string
			switch t.Name.Local {
			case f.OrderElement:
				if err := dec.DecodeElement(&text, &t); err != nil {
					return withdrawal{}, fmt.Errorf("withdrawal %s is not well-formed XML: %w", f.OrderElement, err)
				}
				w.order, orders = strings.TrimSpace(text), orders+1
				depth--
			case f.ReasonElement:
				if err := dec.DecodeElement(&text, &t); err != nil {
					return withdrawal{}, fmt.Errorf("withdrawal %s is not well-formed XML: %w", f.ReasonElement, err)
				}
				w.reason = strings.Join(strings.Fields(text), " ")
				depth--
			}
		case xml.EndElement:
			depth--
		}
	}
	switch {
	case orders == 0 || w.order == "":
		return withdrawal{}, fmt.Errorf("withdrawal has no %s", f.OrderElement)
	case orders > 1:
		return withdrawal{}, fmt.Errorf("withdrawal has %d %s elements, want one", orders, f.OrderElement)
	case len(w.order) > withdrawalMaxOrder:
		return withdrawal{}, fmt.Errorf("withdrawal %s longer than %d bytes", f.OrderElement, withdrawalMaxOrder)
	}
	if utf8.RuneCountInString(w.reason) > withdrawalMaxReason {
		w.reason = truncate(w.reason, withdrawalMaxReason)
	}
	return w, nil
}

// withdraw handles the applicant's withdrawal, exactly once: the bus
// message id joins the case's timeline (or the refusals) in the same
// transaction that cancels the case or refuses the withdrawal, so a
// redelivery finds it taken. A case whose decision is signed, or which is
// closed, keeps its status and the portal gets RequestRejected.
func (s *Service) withdraw(ctx context.Context, agencyID uuid.UUID, d *smevclient.Delivery) (Outcome, cases.Case, error) {
	form := s.cfg.Withdrawal
	w, parseErr := parseWithdrawal(d.Content, form)
	var outcome Outcome
	var c cases.Case
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		taken, err := messageTaken(ctx, tx, d.MessageID, false)
		if err != nil || taken {
			outcome = OutcomeDuplicate
			return err
		}
		outcome = OutcomeRejected
		if parseErr != nil {
			return s.refuseWithdrawal(ctx, tx, agencyID, d, form, "UNKNOWN_REQUEST_DESCRIPTION",
				"Отзыв заявления не разобран: "+parseErr.Error(), nil)
		}
		id, err := cases.CaseByPortalOrder(ctx, tx, w.order)
		if errors.Is(err, cases.ErrNotFound) {
			return s.refuseWithdrawal(ctx, tx, agencyID, d, form, "NO_DATA", "Заявление не найдено", nil)
		}
		if err != nil {
			return err
		}
		status, err := cases.LockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		said := "Заявитель отозвал заявление"
		if w.reason != "" {
			said += ": " + w.reason
		}
		data := map[string]any{"bus_message_id": d.MessageID, "order": w.order}
		by := cases.SystemActor()
		if _, ok := cases.TransitionFor(status, cases.StatusCancelled, ""); !ok {
			state := fmt.Sprintf("дело в статусе «%s»", status.Title())
			if status == cases.StatusDecisionSigned {
				state = "решение по нему уже подписано"
			}
			late := cases.Event{At: s.now(), ActorName: by.Name, Kind: "withdrawal_refused",
				Comment: said + ". Отзыв поступил слишком поздно: " + state, Data: data}
			if _, err := cases.InsertEvent(ctx, tx, agencyID, id, nil, late); err != nil {
				return err
			}
			return s.refuseWithdrawal(ctx, tx, agencyID, d, form, "FAILURE", "Заявление не может быть отозвано: "+state, &id)
		}
		event := cases.Event{At: s.now(), ActorName: by.Name, Kind: "withdrawal", Comment: said, Data: data}
		if _, err := cases.InsertEvent(ctx, tx, agencyID, id, nil, event); err != nil {
			return err
		}
		if err := s.cfg.Cases.Move(ctx, tx, agencyID, id, status, cases.StatusCancelled, by, cases.Note{Comment: said, ToApplicant: said}); err != nil {
			return err
		}
		if c, err = cases.SelectCase(ctx, tx, id); err != nil {
			return err
		}
		outcome = OutcomeWithdrawn
		return audit.Record(ctx, tx, by.Audit, audit.Entry{Action: "case.cancel", ObjectType: "case", ObjectID: id.String(),
			Details: map[string]any{"bus_message_id": d.MessageID, "from": status, "reason": w.reason}})
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "case_events_bus_message" {
		// Another node took the same message a moment ago.
		return OutcomeDuplicate, cases.Case{}, nil
	}
	if err != nil {
		return "", cases.Case{}, fmt.Errorf("withdrawal %s: %w", d.MessageID, err)
	}
	return outcome, c, nil
}

// refuseWithdrawal records the refusal of a withdrawal inside the
// caller's transaction (reject opens its own, which would split the refusal
// from the timeline entry that marks the message taken).
func (s *Service) refuseWithdrawal(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID, d *smevclient.Delivery, form WithdrawalForm,
	code, reason string, caseID *uuid.UUID) error {
	return s.refuse(ctx, tx, refusal{AgencyID: agencyID, MessageID: d.MessageID, Namespace: form.Namespace, Root: form.Root,
		Code: code, Reason: reason, ReplyTo: d.ReplyTo}, caseID)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
