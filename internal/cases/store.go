package cases

// All SQL of a case, its documents and timeline, and of saved filters,
// except the registry list's query builder (registry.go). Every function
// takes a transaction already scoped to the agency. Columns and arguments
// go by name: a struct's db tags, pgx.NamedArgs.
//
// The exported functions are the steps intake and the outbox take inside
// their own transactions; each is documented for that caller.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/people"
)

// nextNumber takes the next registry sequence of the year. The counter row
// stays locked until the registering transaction ends, and rolls back with
// it, so numbers have no gaps.
func nextNumber(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID, year int) (int64, error) {
	var seq int64
	err := tx.QueryRow(ctx, `INSERT INTO registry_counters (agency_id, year, last_seq) VALUES (@agency_id, @year, 1)
		ON CONFLICT (agency_id, year) DO UPDATE SET last_seq = registry_counters.last_seq + 1
		RETURNING last_seq`, pgx.NamedArgs{"agency_id": agencyID, "year": year}).Scan(&seq)
	return seq, err
}

// updateNumber gives a case, just inserted in tx, its registry number.
func updateNumber(ctx context.Context, tx pgx.Tx, id uuid.UUID, number string) error {
	_, err := tx.Exec(ctx, `UPDATE cases SET number = @number WHERE id = @id`, pgx.NamedArgs{"id": id, "number": number})
	return err
}

func insertCase(ctx context.Context, tx pgx.Tx, c Case) error {
	_, err := tx.Exec(ctx, `INSERT INTO cases (agency_id, id, number, service_type_id, service_type_version, status, channel,
			applicant_kind, applicant_name, applicant_snils, applicant_inn, applicant_ogrn, applicant, fields, region, problems,
			received_at, registered_at, due_date, department_id, executor_id, portal_order_id, bus_message_id, reply_to)
		VALUES (@agency_id, @id, @number, @service_type_id, @service_type_version, @status, @channel,
			@applicant_kind, @applicant_name, @applicant_snils, @applicant_inn, @applicant_ogrn, @applicant, @fields, @region, @problems,
			@received_at, @registered_at, @due_date, @department_id, @executor_id, @portal_order_id, NULLIF(@bus_message_id, ''), @reply_to)`,
		pgx.NamedArgs{
			"agency_id": c.AgencyID, "id": c.ID, "number": c.Number,
			"service_type_id": c.ServiceTypeID, "service_type_version": c.ServiceTypeVersion,
			"status": c.Status, "channel": c.Channel, "applicant_kind": c.ApplicantKind, "applicant_name": c.ApplicantName,
			"applicant_snils": c.ApplicantSNILS, "applicant_inn": c.ApplicantINN, "applicant_ogrn": c.ApplicantOGRN,
			"applicant": c.Applicant, "fields": c.Fields, "region": c.Region, "problems": c.Problems,
			"received_at": c.ReceivedAt, "registered_at": c.RegisteredAt, "due_date": c.DueDate,
			"department_id": c.DepartmentID, "executor_id": c.ExecutorID,
			"portal_order_id": c.PortalOrderID, "bus_message_id": c.BusMessageID, "reply_to": c.ReplyTo,
		})
	return err
}

// InsertDocument adds a file, already in the blob store, to a case.
func InsertDocument(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, d Document) error {
	_, err := tx.Exec(ctx, `INSERT INTO case_documents (agency_id, case_id, id, kind, title, file_name, mime_type, size_bytes,
			sha256, streebog256, blob_key, signature_status, signature_info, signature_blob_key, signature_check)
		VALUES (@agency_id, @case_id, @id, @kind, @title, @file_name, @mime_type, @size_bytes,
			@sha256, @streebog256, @blob_key, @signature_status, @signature_info, @signature_blob_key, @signature_check)`,
		pgx.NamedArgs{
			"agency_id": agencyID, "case_id": caseID, "id": d.ID, "kind": d.Kind, "title": d.Title,
			"file_name": d.FileName, "mime_type": d.MimeType, "size_bytes": d.Size,
			"sha256": d.SHA256, "streebog256": d.Streebog256, "blob_key": d.BlobKey,
			"signature_status": d.SignatureStatus, "signature_info": d.SignatureInfo,
			"signature_blob_key": d.SignatureBlobKey, "signature_check": d.SignatureCheck,
		})
	return err
}

// InsertEvent appends to the timeline and returns the entry's sequence
// number. The caller holds the case's row lock (LockCase) or has just
// created the case, so sequence numbers do not collide. A bus message id in
// e.Data["bus_message_id"] marks the message taken (BusMessageTaken).
func InsertEvent(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, actorID *uuid.UUID, e Event) (int, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return 0, fmt.Errorf("encode event data: %w", err)
	}
	if e.Data == nil {
		data = []byte("{}")
	}
	var seq int
	err = tx.QueryRow(ctx, `INSERT INTO case_events (agency_id, case_id, seq, at, actor_id, actor_name, kind, from_status, to_status, comment, data)
		SELECT @agency_id, @case_id, coalesce(max(seq), 0) + 1, @at, @actor_id, @actor_name, @kind, @from_status, @to_status, @comment, @data
		FROM case_events WHERE case_id = @case_id
		RETURNING seq`,
		pgx.NamedArgs{
			"agency_id": agencyID, "case_id": caseID, "at": e.At, "actor_id": actorID, "actor_name": e.ActorName,
			"kind": e.Kind, "from_status": string(e.FromStatus), "to_status": string(e.ToStatus), "comment": e.Comment, "data": data,
		}).Scan(&seq)
	return seq, err
}

// insertDelivery queues a status for the outbox; package outbox keeps the
// row's bookkeeping from then on, and the card shows it (queryEvents).
func insertDelivery(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, eventSeq, elkStatus int) error {
	_, err := tx.Exec(ctx, `INSERT INTO status_deliveries (agency_id, case_id, event_seq, elk_status, state)
		VALUES (@agency_id, @case_id, @event_seq, @elk_status, 'queued')`,
		pgx.NamedArgs{"agency_id": agencyID, "case_id": caseID, "event_seq": eventSeq, "elk_status": elkStatus})
	return err
}

// CaseByPortalOrder finds the latest case of the portal's order number, or
// ErrNotFound.
func CaseByPortalOrder(ctx context.Context, tx pgx.Tx, orderID string) (uuid.UUID, error) {
	var id uuid.UUID
	err := tx.QueryRow(ctx, `SELECT id FROM cases WHERE portal_order_id = @order AND portal_order_id <> ''
		ORDER BY registered_at DESC LIMIT 1`, pgx.NamedArgs{"order": orderID}).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, ErrNotFound
	}
	return id, err
}

// LearnPortalOrder keeps the cabinet's number of an order Okno created (an
// office application), once.
func LearnPortalOrder(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, orderNumber string) error {
	_, err := tx.Exec(ctx, `UPDATE cases SET portal_order_id = @order WHERE id = @id AND portal_order_id = ''`,
		pgx.NamedArgs{"id": caseID, "order": orderNumber})
	return err
}

// BusMessageTaken reports whether a bus message already made or changed a
// case (its id is on a timeline entry).
func BusMessageTaken(ctx context.Context, tx pgx.Tx, messageID string) (bool, error) {
	var taken bool
	// The repeated "<> ''" lets the plan use the partial unique index.
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM case_events
		WHERE data->>'bus_message_id' = @message_id AND data->>'bus_message_id' <> '')`,
		pgx.NamedArgs{"message_id": messageID}).Scan(&taken)
	return taken, err
}

const selectCaseSQL = `SELECT c.agency_id, c.id, c.number, c.service_type_id, c.service_type_version,
		c.status, c.channel, c.applicant_kind, c.applicant_name, c.applicant_snils, c.applicant_inn, c.applicant_ogrn,
		c.applicant, c.fields, c.region, c.problems, c.received_at, c.registered_at, c.due_date,
		c.department_id, c.executor_id, c.portal_order_id, coalesce(c.bus_message_id, '') AS bus_message_id, c.reply_to, c.updated_at
	FROM cases c
	WHERE c.id = @id`

// SelectCase reads a case with the title of its service and the names of
// its department and executor, or ErrNotFound.
func SelectCase(ctx context.Context, tx pgx.Tx, id uuid.UUID) (Case, error) {
	rows, err := tx.Query(ctx, selectCaseSQL, pgx.NamedArgs{"id": id})
	if err != nil {
		return Case{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Case])
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("case %s: %w", id, err)
	}
	st, err := forms.ByID(ctx, tx, c.ServiceTypeID)
	if err != nil {
		return c, fmt.Errorf("case %s: %w", id, err)
	}
	c.ServiceTitle = st.Title
	if c.DepartmentID != nil {
		names, err := people.DepartmentNames(ctx, tx, []uuid.UUID{*c.DepartmentID})
		if err != nil {
			return c, fmt.Errorf("department of case %s: %w", id, err)
		}
		c.DepartmentName = names[*c.DepartmentID]
	}
	if c.ExecutorID != nil {
		names, err := people.PeopleNames(ctx, tx, []uuid.UUID{*c.ExecutorID})
		if err != nil {
			return c, fmt.Errorf("executor of case %s: %w", id, err)
		}
		c.ExecutorName = names[*c.ExecutorID]
	}
	return c, nil
}

// LockCase takes the case's row lock for a change and returns its status,
// or ErrNotFound.
func LockCase(ctx context.Context, tx pgx.Tx, id uuid.UUID) (Status, error) {
	var s Status
	err := tx.QueryRow(ctx, `SELECT status FROM cases WHERE id = @id FOR UPDATE`, pgx.NamedArgs{"id": id}).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	return s, err
}

// lockCases takes the row locks of several cases in id order (the order
// every bulk action locks in, so that two never wait for each other in a
// cycle) and returns their statuses; an id of no visible case is missing
// from the map.
func lockCases(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) (map[uuid.UUID]Status, error) {
	rows, err := tx.Query(ctx, `SELECT id, status FROM cases WHERE id = ANY(@ids) ORDER BY id FOR UPDATE`, pgx.NamedArgs{"ids": ids})
	if err != nil {
		return nil, err
	}
	type locked struct {
		ID     uuid.UUID `db:"id"`
		Status Status    `db:"status"`
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByName[locked])
	if err != nil {
		return nil, fmt.Errorf("lock cases: %w", err)
	}
	statuses := make(map[uuid.UUID]Status, len(all))
	for _, c := range all {
		statuses[c.ID] = c.Status
	}
	return statuses, nil
}

// updateStatus sets the status; the dates of signing and closing follow
// from the status (Status.Final), not from a copy of the list in SQL.
func updateStatus(ctx context.Context, tx pgx.Tx, id uuid.UUID, s Status, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE cases SET status = @status, updated_at = @at,
			decision_signed_at = CASE WHEN @signed THEN @at ELSE decision_signed_at END,
			closed_at = CASE WHEN @final THEN @at ELSE closed_at END
		WHERE id = @id`,
		pgx.NamedArgs{"id": id, "status": s, "at": at, "signed": s == StatusDecisionSigned, "final": s.Final()})
	return err
}

func updateAssignment(ctx context.Context, tx pgx.Tx, id uuid.UUID, department, executor *uuid.UUID, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE cases SET department_id = @department_id, executor_id = @executor_id, updated_at = @at WHERE id = @id`,
		pgx.NamedArgs{"id": id, "department_id": department, "executor_id": executor, "at": at})
	return err
}

const documentColumns = `id, kind, title, file_name, mime_type, size_bytes, sha256, streebog256, blob_key,
	signature_status, signature_info, signature_blob_key, signature_check, created_at`

func selectDocuments(ctx context.Context, tx pgx.Tx, caseID uuid.UUID) ([]Document, error) {
	rows, err := tx.Query(ctx, `SELECT `+documentColumns+` FROM case_documents WHERE case_id = @case_id ORDER BY created_at, title`,
		pgx.NamedArgs{"case_id": caseID})
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Document])
}

func selectDocument(ctx context.Context, tx pgx.Tx, caseID, id uuid.UUID) (Document, error) {
	rows, err := tx.Query(ctx, `SELECT `+documentColumns+` FROM case_documents WHERE case_id = @case_id AND id = @id`,
		pgx.NamedArgs{"case_id": caseID, "id": id})
	if err != nil {
		return Document{}, err
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Document])
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	return d, err
}

func selectEvents(ctx context.Context, tx pgx.Tx, caseID uuid.UUID) ([]Event, error) {
	return queryEvents(ctx, tx, caseID, 0)
}

// SelectEvent reads one entry of the timeline, or ErrNotFound.
func SelectEvent(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int) (Event, error) {
	events, err := queryEvents(ctx, tx, caseID, seq)
	if err != nil {
		return Event{}, err
	}
	if len(events) == 0 {
		return Event{}, ErrNotFound
	}
	return events[0], nil
}

// eventRow is a timeline entry joined with its status's delivery, if any.
type eventRow struct {
	Seq        int            `db:"seq"`
	At         time.Time      `db:"at"`
	ActorName  string         `db:"actor_name"`
	Kind       string         `db:"kind"`
	FromStatus Status         `db:"from_status"`
	ToStatus   Status         `db:"to_status"`
	Comment    string         `db:"comment"`
	Data       map[string]any `db:"data"`
	ELKStatus  *int           `db:"elk_status"`
	State      *string        `db:"state"`
	Attempts   *int           `db:"attempts"`
	LastError  *string        `db:"last_error"`
	MessageID  *string        `db:"message_id"`
	UpdatedAt  *time.Time     `db:"updated_at"`
	Tries      *int           `db:"tries"`
	StuckSince *time.Time     `db:"stuck_since"`
	Cancel     *string        `db:"cancel_reason"`
}

// queryEvents reads the timeline with each status's delivery; seq 0 means
// every entry.
func queryEvents(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT e.seq, e.at, e.actor_name, e.kind, e.from_status, e.to_status, e.comment, e.data,
			s.elk_status, s.state, s.attempts, s.last_error, s.message_id, s.updated_at, s.tries, s.stuck_since, s.cancel_reason
		FROM case_events e
		LEFT JOIN status_deliveries s ON s.agency_id = e.agency_id AND s.case_id = e.case_id AND s.event_seq = e.seq
		WHERE e.case_id = @case_id AND (@seq = 0 OR e.seq = @seq) ORDER BY e.seq`,
		pgx.NamedArgs{"case_id": caseID, "seq": seq})
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		row, err := pgx.RowToStructByName[eventRow](r)
		if err != nil {
			return Event{}, err
		}
		e := Event{Seq: row.Seq, At: row.At, ActorName: row.ActorName, Kind: row.Kind, FromStatus: row.FromStatus,
			ToStatus: row.ToStatus, Comment: row.Comment, Data: row.Data}
		if row.State != nil {
			e.Delivery = &Delivery{ELKStatus: *row.ELKStatus, State: *row.State, Attempts: *row.Attempts,
				LastError: *row.LastError, MessageID: *row.MessageID, UpdatedAt: *row.UpdatedAt,
				Tries: *row.Tries, StuckSince: row.StuckSince, CancelReason: *row.Cancel}
		}
		return e, nil
	})
}

// storedFilter is a saved filter as stored: its query string.
type storedFilter struct {
	ID    uuid.UUID `db:"id"`
	Name  string    `db:"name"`
	Query string    `db:"query"`
}

func selectSavedFilters(ctx context.Context, tx pgx.Tx, userID uuid.UUID) ([]storedFilter, error) {
	rows, err := tx.Query(ctx, `SELECT id, name, query FROM saved_filters WHERE user_id = @user_id ORDER BY name`,
		pgx.NamedArgs{"user_id": userID})
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[storedFilter])
}

func countSavedFilters(ctx context.Context, tx pgx.Tx, userID uuid.UUID) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM saved_filters WHERE user_id = @user_id`, pgx.NamedArgs{"user_id": userID}).Scan(&n)
	return n, err
}

// insertSavedFilter fails with a unique violation (23505) when the user has
// a filter of that name.
func insertSavedFilter(ctx context.Context, tx pgx.Tx, agencyID, userID, id uuid.UUID, name, query string) error {
	_, err := tx.Exec(ctx, `INSERT INTO saved_filters (agency_id, user_id, id, name, query) VALUES (@agency_id, @user_id, @id, @name, @query)`,
		pgx.NamedArgs{"agency_id": agencyID, "user_id": userID, "id": id, "name": name, "query": query})
	return err
}

func deleteSavedFilter(ctx context.Context, tx pgx.Tx, userID, id uuid.UUID) (bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM saved_filters WHERE id = @id AND user_id = @user_id`, pgx.NamedArgs{"id": id, "user_id": userID})
	return tag.RowsAffected() > 0, err
}
