package intake

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// supplementNote finds the portal's AdditionalInformation element: a form
// that answers the agency's request for more documents carries it, with the
// applicant's note, instead of being a new application.
func supplementNote(content []byte) (string, bool) {
	dec := xml.NewDecoder(bytes.NewReader(content))
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && t.Name.Local == "AdditionalInformation" {
				var text string
				if err := dec.DecodeElement(&text, &t); err != nil {
					return "", false
				}
				return strings.TrimSpace(text), true
			}
		case xml.EndElement:
			depth--
		}
	}
}

// addSupplement attaches the applicant's new documents to the case of the
// same portal order and, if the case waits for them, puts it back to work.
// The answer brings what the agency asked for, not a new application: the
// fields and documents of the original are already on the case, so only
// the files that came (problems of their storing and signatures, or none at
// all) are checked.
func (s *Service) addSupplement(ctx context.Context, agencyID uuid.UUID, d *smevclient.Delivery, app forms.Application,
	docs []cases.Document, problems []forms.Problem, note string) (cases.Case, error) {
	var c cases.Case
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		id, err := cases.CaseByPortalOrder(ctx, tx, app.PortalOrderID)
		if err != nil {
			return err
		}
		status, err := cases.LockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, doc := range docs {
			if err := cases.InsertDocument(ctx, tx, agencyID, id, doc); err != nil {
				return err
			}
		}
		by := cases.SystemActor()
		comment := note
		if len(docs) == 0 {
			problems = append(problems, forms.Problem{Field: "documents", Message: "Заявитель не приложил ни одного файла"})
		}
		if len(problems) > 0 {
			comment = strings.TrimSpace(comment + " Замечания: " + problemsText(problems))
		}
		event := cases.Event{At: s.now(), ActorName: by.Name, Kind: "documents_received", Comment: comment,
			Data: map[string]any{"bus_message_id": d.MessageID, "files": len(docs)}}
		if _, err := cases.InsertEvent(ctx, tx, agencyID, id, nil, event); err != nil {
			return err
		}
		if _, ok := cases.TransitionFor(status, cases.StatusInProgress, ""); ok && status == cases.StatusAwaitingApplicant {
			if err := s.cfg.Cases.Move(ctx, tx, agencyID, id, status, cases.StatusInProgress, by,
				cases.Note{Comment: "Получены документы от заявителя", ToApplicant: "Получены документы от заявителя"}); err != nil {
				return err
			}
		}
		if c, err = cases.SelectCase(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Audit, audit.Entry{Action: "case.supplement", ObjectType: "case", ObjectID: id.String(),
			Details: map[string]any{"bus_message_id": d.MessageID, "files": len(docs)}})
	})
	if err != nil {
		return cases.Case{}, fmt.Errorf("supplement for order %s: %w", app.PortalOrderID, err)
	}
	return c, nil
}
