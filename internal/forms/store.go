package forms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Store errors.
var (
	ErrNotFound = errors.New("service type not found")
	// ErrConflict: the agency already has a service type with this code, or
	// an active one for this form.
	ErrConflict = errors.New("service type conflicts with an existing one")
)

// Every function here takes a transaction scoped to one agency by
// database.InAgency; row-level security limits it to that agency's rows.

const serviceTypeColumns = `agency_id, id, code, title, namespace_uri, root_element, registry_pattern,
	deadline_working_days, on_problem, fields, required_documents, mapping, version, active, service_target_code`

// serviceTypeRow is a service_types row by column name; the JSON columns
// stay raw until serviceType decodes and checks them.
type serviceTypeRow struct {
	AgencyID            uuid.UUID `db:"agency_id"`
	ID                  uuid.UUID `db:"id"`
	Code                string    `db:"code"`
	Title               string    `db:"title"`
	NamespaceURI        string    `db:"namespace_uri"`
	RootElement         string    `db:"root_element"`
	RegistryPattern     string    `db:"registry_pattern"`
	DeadlineWorkingDays int       `db:"deadline_working_days"`
	OnProblem           OnProblem `db:"on_problem"`
	Fields              []byte    `db:"fields"`
	RequiredDocuments   []byte    `db:"required_documents"`
	Mapping             []byte    `db:"mapping"`
	Version             int       `db:"version"`
	Active              bool      `db:"active"`
	TargetCode          string    `db:"service_target_code"`
}

// queryServiceType reads the one service type the query selects.
func queryServiceType(ctx context.Context, tx pgx.Tx, sql string, args ...any) (ServiceType, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return ServiceType{}, fmt.Errorf("read service type: %w", err)
	}
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[serviceTypeRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return ServiceType{}, ErrNotFound
	}
	if err != nil {
		return ServiceType{}, fmt.Errorf("read service type: %w", err)
	}
	return serviceType(row)
}

func serviceType(row serviceTypeRow) (ServiceType, error) {
	st := ServiceType{AgencyID: row.AgencyID, ID: row.ID, Code: row.Code, Title: row.Title, NamespaceURI: row.NamespaceURI,
		RootElement: row.RootElement, RegistryPattern: row.RegistryPattern, DeadlineWorkingDays: row.DeadlineWorkingDays,
		OnProblem: row.OnProblem, Version: row.Version, Active: row.Active, TargetCode: row.TargetCode}
	for _, part := range []struct {
		name string
		raw  []byte
		into any
	}{{"fields", row.Fields, &st.Fields}, {"required documents", row.RequiredDocuments, &st.RequiredDocuments}, {"mapping", row.Mapping, &st.Mapping}} {
		if err := json.Unmarshal(part.raw, part.into); err != nil {
			return ServiceType{}, fmt.Errorf("read %s of service type %s: %w", part.name, st.Code, err)
		}
	}
	// A row edited by hand into an unusable shape must not reach intake.
	if err := st.Validate(); err != nil {
		return ServiceType{}, fmt.Errorf("read service type %s: %w", st.ID, err)
	}
	return st, nil
}

// ByID returns the agency's service type with this id.
func ByID(ctx context.Context, tx pgx.Tx, id uuid.UUID) (ServiceType, error) {
	st, err := queryServiceType(ctx, tx, `SELECT `+serviceTypeColumns+` FROM service_types WHERE id = $1`, id)
	if err != nil {
		return ServiceType{}, fmt.Errorf("service type %s: %w", id, err)
	}
	return st, nil
}

// ByCode returns the agency's service type with this code.
func ByCode(ctx context.Context, tx pgx.Tx, code string) (ServiceType, error) {
	st, err := queryServiceType(ctx, tx, `SELECT `+serviceTypeColumns+` FROM service_types WHERE code = $1`, code)
	if err != nil {
		return ServiceType{}, fmt.Errorf("service type %s: %w", code, err)
	}
	return st, nil
}

// ByNamespace returns the agency's active service type for a portal form.
func ByNamespace(ctx context.Context, tx pgx.Tx, namespaceURI, rootElement string) (ServiceType, error) {
	st, err := queryServiceType(ctx, tx, `SELECT `+serviceTypeColumns+` FROM service_types
		WHERE namespace_uri = $1 AND root_element = $2 AND active`, namespaceURI, rootElement)
	if err != nil {
		return ServiceType{}, fmt.Errorf("service type for {%s}%s: %w", namespaceURI, rootElement, err)
	}
	return st, nil
}

// List returns the agency's service types, active first, by title.
func List(ctx context.Context, tx pgx.Tx) ([]ServiceType, error) {
	rows, err := tx.Query(ctx, `SELECT `+serviceTypeColumns+` FROM service_types ORDER BY active DESC, title, code`)
	if err != nil {
		return nil, fmt.Errorf("list service types: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ServiceType, error) {
		row, err := pgx.RowToStructByName[serviceTypeRow](r)
		if err != nil {
			return ServiceType{}, fmt.Errorf("read service type: %w", err)
		}
		return serviceType(row)
	})
	if err != nil {
		return nil, fmt.Errorf("list service types: %w", err)
	}
	return list, nil
}

// Insert stores a new service type after Validate accepts it.
func Insert(ctx context.Context, tx pgx.Tx, st ServiceType) error {
	if err := st.Validate(); err != nil {
		return err
	}
	if st.AgencyID == uuid.Nil || st.ID == uuid.Nil {
		return fmt.Errorf("%w %q: agency and id are required", ErrInvalidServiceType, st.Code)
	}
	if st.RegistryPattern == "" {
		st.RegistryPattern = DefaultRegistryPattern
	}
	if st.Fields == nil {
		st.Fields = []Field{}
	}
	if st.RequiredDocuments == nil {
		st.RequiredDocuments = []string{}
	}
	fields, err := json.Marshal(st.Fields)
	if err != nil {
		return fmt.Errorf("encode fields of service type %s: %w", st.Code, err)
	}
	docs, err := json.Marshal(st.RequiredDocuments)
	if err != nil {
		return fmt.Errorf("encode required documents of service type %s: %w", st.Code, err)
	}
	mapping, err := json.Marshal(st.Mapping)
	if err != nil {
		return fmt.Errorf("encode mapping of service type %s: %w", st.Code, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO service_types (`+serviceTypeColumns+`)
		VALUES (@agency_id, @id, @code, @title, @namespace_uri, @root_element, @registry_pattern,
			@deadline_working_days, @on_problem, @fields, @required_documents, @mapping, @version, @active, @service_target_code)`,
		pgx.NamedArgs{"agency_id": st.AgencyID, "id": st.ID, "code": st.Code, "title": st.Title, "namespace_uri": st.NamespaceURI,
			"root_element": st.RootElement, "registry_pattern": st.RegistryPattern, "deadline_working_days": st.DeadlineWorkingDays,
			"on_problem": st.OnProblem, "fields": fields, "required_documents": docs, "mapping": mapping, "version": st.Version,
			"active": st.Active, "service_target_code": st.TargetCode})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		return fmt.Errorf("insert service type %s: %w (%s)", st.Code, ErrConflict, pgErr.ConstraintName)
	}
	if err != nil {
		return fmt.Errorf("insert service type %s: %w", st.Code, err)
	}
	return nil
}

// Selector names a portal form the agency accepts: what the intake worker
// asks the bus for (MessageTypeSelector).
type Selector struct {
	NamespaceURI string `db:"namespace_uri"`
	RootElement  string `db:"root_element"`
}

// Selectors lists the forms of the agency's active service types.
func Selectors(ctx context.Context, tx pgx.Tx) ([]Selector, error) {
	rows, err := tx.Query(ctx, `SELECT namespace_uri, root_element FROM service_types WHERE active
		ORDER BY namespace_uri, root_element`)
	if err != nil {
		return nil, fmt.Errorf("list form selectors: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Selector])
	if err != nil {
		return nil, fmt.Errorf("list form selectors: %w", err)
	}
	return list, nil
}
