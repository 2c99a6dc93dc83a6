package people

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/database"
)

// SeedUser is a user created by installation tooling with a known password.
type SeedUser struct {
	Login, FullName, Department, Password string
	Role                                  Role
}

// SeedAgency creates an agency with departments and users in one transaction
// unless an agency with the same code exists (then it changes nothing). It is
// for installation tooling and demo data, acting as the system.
func (s *Service) SeedAgency(ctx context.Context, a Agency, departments []string, users []SeedUser) (created bool, err error) {
	err = database.Unscoped(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := selectAgencyByCode(ctx, tx, a.Code)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		created = true
		return nil
	})
	if err != nil || !created {
		return false, wrap("seed agency", err)
	}
	if a.ID == uuid.Nil {
		a.ID = uuid.New()
	}
	err = s.inAgency(ctx, a.ID, func(tx pgx.Tx) error {
		if err := insertAgency(ctx, tx, a); err != nil {
			return err
		}
		actor := audit.SystemActor()
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "agency.create", ObjectType: "agency", ObjectID: a.ID.String(),
			Details: map[string]any{"code": a.Code, "name": a.Name}}); err != nil {
			return err
		}
		deptIDs := map[string]uuid.UUID{}
		for _, name := range departments {
			id := uuid.New()
			if err := insertDepartment(ctx, tx, a.ID, id, name); err != nil {
				return err
			}
			deptIDs[name] = id
		}
		for _, su := range users {
			u := User{AgencyID: a.ID, ID: uuid.New(), Login: su.Login, FullName: su.FullName, Role: su.Role}
			if id, ok := deptIDs[su.Department]; ok {
				u.DepartmentID = &id
			}
			if err := createUser(ctx, tx, u, su.Password); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "user.create", ObjectType: "user", ObjectID: u.ID.String(),
				Details: map[string]any{"login": u.Login, "role": u.Role}}); err != nil {
				return err
			}
		}
		return nil
	})
	return err == nil, wrap("seed agency", err)
}
