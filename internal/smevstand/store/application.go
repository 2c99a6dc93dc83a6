package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Application is one application a citizen or company filed on the portal.
type Application struct {
	ID            uuid.UUID // the MessageID it was sent with
	OrderNumber   int64     // the portal's order number (elkOrderNumber)
	ServiceCode   string
	ServiceName   string
	Recipient     string
	ApplicantName string
	Applicant     json.RawMessage
	CreatedAt     time.Time
	Events        []ApplicationEvent
}

// ApplicationEvent is one line of an application's history in the cabinet.
type ApplicationEvent struct {
	At         time.Time
	Direction  string // "out": portal to agency, "in": agency to portal
	StatusCode *int   // ЕЛК status code, when the event is a status
	Title      string
	Comment    string
	MessageID  *uuid.UUID
	Files      []EventFile
}

// EventFile is a file that came or went with an event; its content is in
// the file storage.
type EventFile struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	MimeType  string `json:"mimeType"`
	Signature []byte `json:"signature,omitempty"` // detached CMS, when one came with the file
	DocType   string `json:"docType,omitempty"`
}

// ReserveOrderNumber takes the next order number before the application's
// form is built (the form carries it).
func (s *Store) ReserveOrderNumber(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('smevstand.application', 'order_number'))`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("reserve order number: %w", err)
	}
	return n, nil
}

// InsertApplication records a new application, numbered with a reserved
// order number, with its first events.
func (s *Store) InsertApplication(ctx context.Context, a *Application) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO smevstand.application (id, order_number, service_code, service_name, recipient, applicant_name, applicant, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			a.ID, a.OrderNumber, a.ServiceCode, a.ServiceName, a.Recipient, a.ApplicantName, a.Applicant, a.CreatedAt)
		if err != nil {
			return fmt.Errorf("insert application %s: %w", a.ID, err)
		}
		for _, e := range a.Events {
			if _, err := addEvent(ctx, tx, a.ID, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// addEvent appends an event unless it came with a message whose same
// event is recorded already: a message the bus delivers again (its answer
// was refused, its Ack lost) changes the cabinet once. It reports whether
// the event was added.
func addEvent(ctx context.Context, tx pgx.Tx, app uuid.UUID, e ApplicationEvent) (bool, error) {
	files := e.Files
	if files == nil {
		files = []EventFile{}
	}
	args := pgx.NamedArgs{"app": app, "at": e.At, "direction": e.Direction, "status": e.StatusCode, "title": e.Title,
		"comment": e.Comment, "message": e.MessageID, "files": files}
	if e.MessageID != nil {
		// Two deliveries of one message may be taken at once (two stand processes).
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(@message::text, 0))`, args); err != nil {
			return false, fmt.Errorf("lock events of message %s: %w", *e.MessageID, err)
		}
	}
	tag, err := tx.Exec(ctx, `INSERT INTO smevstand.application_event (application_id, at, direction, status_code, title, comment, message_id, files)
		SELECT @app, @at, @direction, @status, @title, @comment, @message, @files
		WHERE @message::uuid IS NULL OR NOT EXISTS (
			SELECT FROM smevstand.application_event
			WHERE application_id = @app AND message_id = @message AND direction = @direction
				AND status_code IS NOT DISTINCT FROM @status AND title = @title AND comment = @comment)`, args)
	if err != nil {
		return false, fmt.Errorf("add event to application %s: %w", app, err)
	}
	return tag.RowsAffected() == 1, nil
}

// AddApplicationEvent appends an event to an application's history, once
// per message (see RecordApplicationEvent).
func (s *Store) AddApplicationEvent(ctx context.Context, app uuid.UUID, e ApplicationEvent) error {
	_, err := s.RecordApplicationEvent(ctx, app, e)
	return err
}

// RecordApplicationEvent appends an event to an application's history
// unless the same event of the same message is there already, and reports
// whether it was added, so what follows from a status is done once too.
func (s *Store) RecordApplicationEvent(ctx context.Context, app uuid.UUID, e ApplicationEvent) (added bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) (err error) {
		added, err = addEvent(ctx, tx, app, e)
		return err
	})
	return added, err
}

// ApplicationByOrderNumber finds an application by the portal's number.
func (s *Store) ApplicationByOrderNumber(ctx context.Context, n int64) (*Application, error) {
	return s.application(ctx, `order_number = $1`, n)
}

// Application finds an application by id.
func (s *Store) Application(ctx context.Context, id uuid.UUID) (*Application, error) {
	return s.application(ctx, `id = $1`, id)
}

func (s *Store) application(ctx context.Context, where string, arg any) (*Application, error) {
	a := &Application{}
	err := s.pool.QueryRow(ctx, `SELECT id, order_number, service_code, service_name, recipient, applicant_name, applicant, created_at
		FROM smevstand.application WHERE `+where, arg).
		Scan(&a.ID, &a.OrderNumber, &a.ServiceCode, &a.ServiceName, &a.Recipient, &a.ApplicantName, &a.Applicant, &a.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("application %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("application %v: %w", arg, err)
	}
	return a, nil
}

// RecentApplications lists the newest applications with their histories,
// newest first; before (an order number, 0 for the first page) pages by key.
func (s *Store) RecentApplications(ctx context.Context, before int64, limit int) ([]*Application, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, order_number, service_code, service_name, recipient, applicant_name, applicant, created_at
		FROM smevstand.application WHERE ($1 = 0 OR order_number < $1) ORDER BY order_number DESC LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	apps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Application, error) {
		a := &Application{}
		return a, r.Scan(&a.ID, &a.OrderNumber, &a.ServiceCode, &a.ServiceName, &a.Recipient, &a.ApplicantName, &a.Applicant, &a.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	if len(apps) == 0 {
		return apps, nil
	}
	byID := map[uuid.UUID]*Application{}
	ids := make([]uuid.UUID, len(apps))
	for i, a := range apps {
		byID[a.ID] = a
		ids[i] = a.ID
	}
	rows, err = s.pool.Query(ctx, `SELECT application_id, at, direction, status_code, title, comment, message_id, files
		FROM smevstand.application_event WHERE application_id = ANY($1) ORDER BY at, id`, ids)
	if err != nil {
		return nil, fmt.Errorf("list application events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var app uuid.UUID
		var e ApplicationEvent
		if err := rows.Scan(&app, &e.At, &e.Direction, &e.StatusCode, &e.Title, &e.Comment, &e.MessageID, &e.Files); err != nil {
			return nil, fmt.Errorf("list application events: %w", err)
		}
		byID[app].Events = append(byID[app].Events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list application events: %w", err)
	}
	return apps, nil
}

// EventFile finds a file of any application event by its uuid.
func (s *Store) EventFile(ctx context.Context, id string) (*EventFile, error) {
	var files []EventFile
	err := s.pool.QueryRow(ctx, `SELECT files FROM smevstand.application_event WHERE files @> jsonb_build_array(jsonb_build_object('uuid', $1::text)) LIMIT 1`, id).Scan(&files)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("event file %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("event file %s: %w", id, err)
	}
	for _, f := range files {
		if f.UUID == id {
			return &f, nil
		}
	}
	return nil, fmt.Errorf("event file %s: %w", id, ErrNotFound)
}
