package cases

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/validation"
)

// ChangeStatus moves a case along the status machine. expected is the status
// the person saw: if the case moved meanwhile, nothing changes
// (ErrStaleStatus) so that two clerks never act on different pictures.
//
// The note's comment stays in the agency; its message to the applicant goes
// to the cabinet, and only a move that tells the applicant takes one.
// Taking an unassigned case into work makes the person its executor, and a
// case goes to signing only with an executor who answers for it.
func (s *Service) ChangeStatus(ctx context.Context, by *people.Principal, id uuid.UUID, expected, to Status, note Note) error {
	if err := allowed(by, workers()...); err != nil {
		return err
	}
	note = Note{Comment: strings.TrimSpace(note.Comment), ToApplicant: strings.TrimSpace(note.ToApplicant)}
	t, ok := TransitionFor(expected, to, by.User.Role)
	if !ok {
		return ErrTransition
	}
	if err := checkNote(t, note); err != nil {
		return err
	}
	return s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		current, err := LockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if current != expected {
			return ErrStaleStatus
		}
		c, err := SelectCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if to == StatusOnApproval && c.ExecutorID == nil {
			return validation.Errors{"executor_id": "Назначьте исполнителя: без него дело нельзя передать на подписание."}
		}
		details := map[string]any{"from": current, "to": to}
		if current == StatusRegistered && to == StatusInProgress && c.ExecutorID == nil {
			if err := s.takeForOneself(ctx, tx, by, c); err != nil {
				return err
			}
			details["executor_id"] = by.User.ID.String()
		}
		if err := s.Move(ctx, tx, by.Agency.ID, id, current, to, PersonActor(by), note); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "case.status", ObjectType: "case", ObjectID: id.String(),
			Details: details})
	})
}

// checkNote holds what is written to the move: the comment where the next
// person must know why, the applicant's message where the applicant must
// be told, and no message where the move tells the applicant nothing.
func checkNote(t Transition, note Note) error {
	problems := validation.Errors{}
	switch {
	case t.NeedsComment && note.Comment == "":
		problems["comment"] = "Напишите, что сделать: это увидит исполнитель."
	case utf8.RuneCountInString(note.Comment) > 2000:
		problems["comment"] = "Не длиннее 2000 символов."
	}
	switch {
	case t.Tells == TellsNothing && note.ToApplicant != "":
		problems["to_applicant"] = "Это действие заявителю не сообщается: напишите текст в комментарий для сотрудников."
	case t.Tells == TellsMust && note.ToApplicant == "":
		problems["to_applicant"] = "Напишите сообщение заявителю: он увидит его в личном кабинете."
	case utf8.RuneCountInString(note.ToApplicant) > 2000:
		problems["to_applicant"] = "Не длиннее 2000 символов."
	}
	if len(problems) > 0 {
		return problems
	}
	return nil
}

// takeForOneself makes the person taking an unassigned case its executor,
// in their department (or the case's, if they have none), and says so on
// the timeline.
func (s *Service) takeForOneself(ctx context.Context, tx pgx.Tx, by *people.Principal, c Case) error {
	a := Assignment{DepartmentID: c.DepartmentID, ExecutorID: &by.User.ID}
	if by.User.DepartmentID != nil {
		a.DepartmentID = by.User.DepartmentID
	}
	if err := updateAssignment(ctx, tx, c.ID, a.DepartmentID, a.ExecutorID, s.Now()); err != nil {
		return err
	}
	_, err := InsertEvent(ctx, tx, by.Agency.ID, c.ID, &by.User.ID, Event{At: s.Now(), ActorName: by.User.FullName,
		Kind: "assigned", Comment: "Исполнитель: " + by.User.FullName + " (дело взято в работу)", Data: assignmentData(a)})
	return err
}
