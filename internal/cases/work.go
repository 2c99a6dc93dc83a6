package cases

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/validation"
)

// workers are the roles that work cases.
func workers() []people.Role { return []people.Role{people.RoleClerk, people.RoleHead} }

func personActor(p *people.Principal) actor {
	id := p.User.ID
	return actor{id: &id, name: p.User.FullName, audit: p.Actor()}
}

func allowed(p *people.Principal, roles ...people.Role) error {
	if p == nil || !p.Has(roles...) {
		return ErrForbidden
	}
	return nil
}

// Card is everything the case card shows.
type Card struct {
	Case        Case
	ServiceType forms.ServiceType // the version's fields label the attributes
	Documents   []Document
	Events      []Event
	Actions     []Transition // what the viewer may do now
}

// Card returns a case of the viewer's agency; another agency's case is
// ErrNotFound, exactly like a case that does not exist.
func (s *Service) Card(ctx context.Context, by *people.Principal, id uuid.UUID) (Card, error) {
	if err := allowed(by, workers()...); err != nil {
		return Card{}, err
	}
	var card Card
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) (err error) {
		if card.Case, err = selectCase(ctx, tx, id); err != nil {
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

// ChangeStatus moves a case along the status machine. expected is the status
// the person saw: if the case moved meanwhile, nothing changes
// (ErrStaleStatus) so that two clerks never act on different pictures.
func (s *Service) ChangeStatus(ctx context.Context, by *people.Principal, id uuid.UUID, expected, to Status, comment string) error {
	if err := allowed(by, workers()...); err != nil {
		return err
	}
	comment = strings.TrimSpace(comment)
	t, ok := TransitionFor(expected, to, by.User.Role)
	if !ok {
		return ErrTransition
	}
	if t.NeedsComment && comment == "" {
		return validation.Errors{"comment": "Укажите причину: её увидит заявитель или исполнитель."}
	}
	if utf8.RuneCountInString(comment) > 2000 {
		return validation.Errors{"comment": "Не длиннее 2000 символов."}
	}
	return s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		current, err := lockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if current != expected {
			return ErrStaleStatus
		}
		if err := updateStatus(ctx, tx, id, to, s.cfg.Now()); err != nil {
			return err
		}
		if err := s.recordStatus(ctx, tx, by.Agency.ID, id, current, to, personActor(by), comment); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "case.status", ObjectType: "case", ObjectID: id.String(),
			Details: map[string]any{"from": current, "to": to}})
	})
}

// Assignment is who a case goes to.
type Assignment struct {
	DepartmentID *uuid.UUID
	ExecutorID   *uuid.UUID
}

// Assign gives cases to a department and an executor, all or none: a case
// that cannot be assigned (closed, or of another agency) stops the whole
// batch. The executor must belong to the agency and, when a department is
// named, to that department.
func (s *Service) Assign(ctx context.Context, by *people.Principal, ids []uuid.UUID, a Assignment) (int, error) {
	if err := allowed(by, workers()...); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, validation.Errors{"cases": "Отметьте хотя бы одно дело."}
	}
	if len(ids) > 1000 {
		return 0, validation.Errors{"cases": "За один раз можно назначить не больше 1000 дел."}
	}
	if a.DepartmentID == nil && a.ExecutorID == nil {
		return 0, validation.Errors{"executor_id": "Выберите отдел или исполнителя."}
	}
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		dept, execName, err := checkAssignee(ctx, tx, a)
		if err != nil {
			return err
		}
		a.DepartmentID = dept
		for _, id := range ids {
			status, err := lockCase(ctx, tx, id)
			if err != nil {
				return err
			}
			if status.Final() {
				return validation.Errors{"cases": "Среди отмеченных есть завершённые дела: их нельзя назначить."}
			}
			if err := updateAssignment(ctx, tx, id, a.DepartmentID, a.ExecutorID, s.cfg.Now()); err != nil {
				return err
			}
			comment := "Исполнитель: " + execName
			if a.ExecutorID == nil {
				comment = "Передано в отдел"
			}
			if _, err := insertEvent(ctx, tx, by.Agency.ID, id, &by.User.ID, Event{At: s.cfg.Now(), ActorName: by.User.FullName,
				Kind: "assigned", Comment: comment, Data: assignmentData(a)}); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "case.assign", ObjectType: "case", ObjectID: id.String(),
				Details: assignmentData(a)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

func assignmentData(a Assignment) map[string]any {
	d := map[string]any{}
	if a.DepartmentID != nil {
		d["department_id"] = a.DepartmentID.String()
	}
	if a.ExecutorID != nil {
		d["executor_id"] = a.ExecutorID.String()
	}
	return d
}

// checkAssignee confirms the executor is an active worker of the agency and
// returns the department the case goes to (the executor's, if none named).
func checkAssignee(ctx context.Context, tx pgx.Tx, a Assignment) (*uuid.UUID, string, error) {
	if a.ExecutorID == nil {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM departments WHERE id = $1`, a.DepartmentID).Scan(&n); err != nil {
			return nil, "", err
		}
		if n == 0 {
			return nil, "", validation.Errors{"department_id": "Такого отдела нет."}
		}
		return a.DepartmentID, "", nil
	}
	var name string
	var role people.Role
	var dept *uuid.UUID
	var disabled bool
	err := tx.QueryRow(ctx, `SELECT full_name, role, department_id, disabled_at IS NOT NULL FROM users WHERE id = $1`, a.ExecutorID).
		Scan(&name, &role, &dept, &disabled)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && (disabled || (role != people.RoleClerk && role != people.RoleHead))) {
		return nil, "", validation.Errors{"executor_id": "Выберите исполнителя из списка сотрудников."}
	}
	if err != nil {
		return nil, "", fmt.Errorf("executor: %w", err)
	}
	if a.DepartmentID != nil && (dept == nil || *dept != *a.DepartmentID) {
		return nil, "", validation.Errors{"executor_id": "Исполнитель не работает в выбранном отделе."}
	}
	if a.DepartmentID == nil {
		return dept, name, nil
	}
	return a.DepartmentID, name, nil
}
