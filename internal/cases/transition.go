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
		current, err := LockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if current != expected {
			return ErrStaleStatus
		}
		if err := s.Move(ctx, tx, by.Agency.ID, id, current, to, PersonActor(by), comment); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "case.status", ObjectType: "case", ObjectID: id.String(),
			Details: map[string]any{"from": current, "to": to}})
	})
}
