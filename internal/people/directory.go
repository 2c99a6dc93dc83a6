package people

// The directory: what other domains read of agencies, departments and
// people, so that no other store queries these tables. Functions take a
// transaction the caller has scoped to the agency (agencies are a reference
// table and need no scope).

import (
	"context"
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // agencies' zones resolve on servers without a tz database

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// AgencyBusMnemonic is the agency's information system in SMEV 3; ok is
// false when the agency has no bus connection.
func AgencyBusMnemonic(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID) (mnemonic string, ok bool, err error) {
	var m *string
	err = tx.QueryRow(ctx, `SELECT smev_mnemonic FROM agencies WHERE id = @id`, pgx.NamedArgs{"id": agencyID}).Scan(&m)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, ErrNotFound
	}
	if err != nil || m == nil {
		return "", false, err
	}
	return *m, true, nil
}

// AgenciesWithBus lists the agencies that have a SMEV 3 connection, by code.
func AgenciesWithBus(ctx context.Context, tx pgx.Tx) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM agencies WHERE smev_mnemonic IS NOT NULL ORDER BY code`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// AgencyTimeZone is the zone the agency's days are counted in.
func AgencyTimeZone(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID) (*time.Location, error) {
	var name string
	err := tx.QueryRow(ctx, `SELECT time_zone FROM agencies WHERE id = @id`, pgx.NamedArgs{"id": agencyID}).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	zone, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone of agency %s: %w", agencyID, err)
	}
	return zone, nil
}

// DepartmentExists reports whether the agency has the department.
func DepartmentExists(ctx context.Context, tx pgx.Tx, id uuid.UUID) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM departments WHERE id = @id)`, pgx.NamedArgs{"id": id}).Scan(&ok)
	return ok, err
}

// Member is what another domain needs to know of a person of the agency.
type Member struct {
	FullName     string     `db:"full_name"`
	Role         Role       `db:"role"`
	DepartmentID *uuid.UUID `db:"department_id"`
	Disabled     bool       `db:"disabled"`
}

// MemberByID returns a person of the agency, or ErrNotFound.
func MemberByID(ctx context.Context, tx pgx.Tx, id uuid.UUID) (Member, error) {
	rows, err := tx.Query(ctx, `SELECT full_name, role, department_id, disabled_at IS NOT NULL AS disabled FROM users WHERE id = @id`,
		pgx.NamedArgs{"id": id})
	if err != nil {
		return Member{}, err
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Member])
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ErrNotFound
	}
	return m, err
}

// DepartmentNames names the agency's departments with these ids.
func DepartmentNames(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	if len(ids) == 0 {
		return map[uuid.UUID]string{}, nil
	}
	return namesBy(ctx, tx, `SELECT id, name FROM departments WHERE id = ANY(@ids)`, ids)
}

// AllDepartmentNames names every department of the agency.
func AllDepartmentNames(ctx context.Context, tx pgx.Tx) (map[uuid.UUID]string, error) {
	return namesBy(ctx, tx, `SELECT id, name FROM departments`, nil)
}

// PeopleNames gives the full names of the agency's people with these ids.
func PeopleNames(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	if len(ids) == 0 {
		return map[uuid.UUID]string{}, nil
	}
	return namesBy(ctx, tx, `SELECT id, full_name AS name FROM users WHERE id = ANY(@ids)`, ids)
}

// AllPeopleNames gives the full name of everyone in the agency.
func AllPeopleNames(ctx context.Context, tx pgx.Tx) (map[uuid.UUID]string, error) {
	return namesBy(ctx, tx, `SELECT id, full_name AS name FROM users`, nil)
}

func namesBy(ctx context.Context, tx pgx.Tx, sql string, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	var args []any
	if ids != nil {
		args = append(args, pgx.NamedArgs{"ids": ids})
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	type named struct {
		ID   uuid.UUID `db:"id"`
		Name string    `db:"name"`
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[named])
	if err != nil {
		return nil, err
	}
	names := make(map[uuid.UUID]string, len(list))
	for _, n := range list {
		names[n.ID] = n.Name
	}
	return names, nil
}
