package cases

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/people"
)

// Card is everything the case card shows.
type Card struct {
	Case        Case
	ServiceType forms.ServiceType // the version's fields label the attributes
	Documents   []Document
	Events      []Event
	Actions     []Transition // what the viewer may do now
	Today       time.Time    // the agency's date, for the overdue mark
}

// Card returns a case of the viewer's agency; another agency's case is
// ErrNotFound, exactly like a case that does not exist.
func (s *Service) Card(ctx context.Context, by *people.Principal, id uuid.UUID) (Card, error) {
	if err := allowed(by, workers()...); err != nil {
		return Card{}, err
	}
	var card Card
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) (err error) {
		if card.Case, err = SelectCase(ctx, tx, id); err != nil {
			return err
		}
		if card.ServiceType, err = forms.ByID(ctx, tx, card.Case.ServiceTypeID); err != nil {
			return err
		}
		if card.Documents, err = selectDocuments(ctx, tx, id); err != nil {
			return err
		}
		if card.Events, err = selectEvents(ctx, tx, id); err != nil {
			return err
		}
		if card.Today, err = s.today(ctx, tx, by.Agency.ID); err != nil {
			return err
		}
		// Access to an applicant's personal data is itself recorded (152-FZ).
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "case.view", ObjectType: "case", ObjectID: id.String()})
	})
	if err != nil {
		return Card{}, err
	}
	card.Actions = ActionsFor(card.Case.Status, by.User.Role)
	return card, nil
}

// Document returns one file of a case for download, with the blob key.
func (s *Service) Document(ctx context.Context, by *people.Principal, caseID, docID uuid.UUID) (Document, error) {
	if err := allowed(by, workers()...); err != nil {
		return Document{}, err
	}
	var d Document
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) (err error) {
		d, err = selectDocument(ctx, tx, caseID, docID)
		if err == nil {
			err = audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "case.document_open", ObjectType: "case", ObjectID: caseID.String(),
				Details: map[string]any{"document": docID.String(), "file": d.FileName}})
		}
		return err
	})
	return d, err
}
