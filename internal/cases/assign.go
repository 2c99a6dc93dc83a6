package cases

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/validation"
)

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
		// Every case of the batch is locked up front in id order, the one
		// order every bulk action takes: two batches over the same cases, or
		// a batch and a single change, then wait for each other instead of
		// deadlocking.
		statuses, err := lockCases(ctx, tx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			status, ok := statuses[id]
			if !ok {
				return ErrNotFound
			}
			if status.Final() {
				return validation.Errors{"cases": "Среди отмеченных есть завершённые дела: их нельзя назначить."}
			}
		}
		for _, id := range ids {
			if err := updateAssignment(ctx, tx, id, a.DepartmentID, a.ExecutorID, s.Now()); err != nil {
				return err
			}
			comment := "Исполнитель: " + execName
			if a.ExecutorID == nil {
				comment = "Передано в отдел"
			}
			if _, err := InsertEvent(ctx, tx, by.Agency.ID, id, &by.User.ID, Event{At: s.Now(), ActorName: by.User.FullName,
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
		ok, err := people.DepartmentExists(ctx, tx, *a.DepartmentID)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return nil, "", validation.Errors{"department_id": "Такого отдела нет."}
		}
		return a.DepartmentID, "", nil
	}
	m, err := people.MemberByID(ctx, tx, *a.ExecutorID)
	if errors.Is(err, people.ErrNotFound) || (err == nil && (m.Disabled || (m.Role != people.RoleClerk && m.Role != people.RoleHead))) {
		return nil, "", validation.Errors{"executor_id": "Выберите исполнителя из списка сотрудников."}
	}
	if err != nil {
		return nil, "", fmt.Errorf("executor: %w", err)
	}
	if a.DepartmentID != nil && (m.DepartmentID == nil || *m.DepartmentID != *a.DepartmentID) {
		return nil, "", validation.Errors{"executor_id": "Исполнитель не работает в выбранном отделе."}
	}
	if a.DepartmentID == nil {
		return m.DepartmentID, m.FullName, nil
	}
	return a.DepartmentID, m.FullName, nil
}
