package cases

// All SQL of the cases domain except the registry list (registry.go).
// Every function takes a transaction already scoped to the agency.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// nextNumber takes the next registry sequence of the year. The counter row
// stays locked until the registering transaction ends, and rolls back with
// it, so numbers have no gaps.
func nextNumber(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID, year int) (int64, error) {
	var seq int64
	err := tx.QueryRow(ctx, `INSERT INTO registry_counters (agency_id, year, last_seq) VALUES ($1, $2, 1)
		ON CONFLICT (agency_id, year) DO UPDATE SET last_seq = registry_counters.last_seq + 1
		RETURNING last_seq`, agencyID, year).Scan(&seq)
	return seq, err
}

func insertCase(ctx context.Context, tx pgx.Tx, c Case) error {
	applicant, err := json.Marshal(c.Applicant)
	if err != nil {
		return fmt.Errorf("encode applicant: %w", err)
	}
	fields, err := json.Marshal(c.Fields)
	if err != nil {
		return fmt.Errorf("encode fields: %w", err)
	}
	problems, err := json.Marshal(c.Problems)
	if err != nil {
		return fmt.Errorf("encode problems: %w", err)
	}
	var busMessageID *string
	if c.BusMessageID != "" {
		busMessageID = &c.BusMessageID
	}
	_, err = tx.Exec(ctx, `INSERT INTO cases (agency_id, id, number, service_type_id, service_type_version, status, channel,
			applicant_kind, applicant_name, applicant_snils, applicant_inn, applicant_ogrn, applicant, fields, region, problems,
			received_at, registered_at, due_date, department_id, executor_id, portal_order_id, bus_message_id, reply_to)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
		c.AgencyID, c.ID, c.Number, c.ServiceTypeID, c.ServiceTypeVersion, c.Status, c.Channel,
		c.ApplicantKind, c.ApplicantName, c.ApplicantSNILS, c.ApplicantINN, c.ApplicantOGRN, applicant, fields, c.Region, problems,
		c.ReceivedAt, c.RegisteredAt, c.DueDate, c.DepartmentID, c.ExecutorID, c.PortalOrderID, busMessageID, c.ReplyTo)
	return err
}

func insertDocument(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, d Document) error {
	_, err := tx.Exec(ctx, `INSERT INTO case_documents (agency_id, case_id, id, kind, title, file_name, mime_type, size_bytes,
			sha256, streebog256, blob_key, signature_status, signature_info)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		agencyID, caseID, d.ID, d.Kind, d.Title, d.FileName, d.MimeType, d.Size, d.SHA256, d.Streebog256, d.BlobKey,
		d.SignatureStatus, d.SignatureInfo)
	return err
}

// insertEvent appends to the timeline; the caller holds the case's row lock
// (or has just created the case), so sequence numbers do not collide.
func insertEvent(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, actorID *uuid.UUID, e Event) (int, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return 0, fmt.Errorf("encode event data: %w", err)
	}
	if e.Data == nil {
		data = []byte("{}")
	}
	var seq int
	err = tx.QueryRow(ctx, `INSERT INTO case_events (agency_id, case_id, seq, at, actor_id, actor_name, kind, from_status, to_status, comment, data)
		SELECT $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10 FROM case_events WHERE case_id = $2
		RETURNING seq`,
		agencyID, caseID, e.At, actorID, e.ActorName, e.Kind, string(e.FromStatus), string(e.ToStatus), e.Comment, data).Scan(&seq)
	return seq, err
}

func insertDelivery(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, eventSeq, elkStatus int) error {
	_, err := tx.Exec(ctx, `INSERT INTO status_deliveries (agency_id, case_id, event_seq, elk_status, state) VALUES ($1, $2, $3, $4, 'queued')`,
		agencyID, caseID, eventSeq, elkStatus)
	return err
}

func caseByPortalOrder(ctx context.Context, tx pgx.Tx, orderID string) (uuid.UUID, Status, error) {
	var id uuid.UUID
	var status Status
	err := tx.QueryRow(ctx, `SELECT id, status FROM cases WHERE portal_order_id = $1 AND portal_order_id <> '' ORDER BY registered_at DESC LIMIT 1`, orderID).Scan(&id, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, "", ErrNotFound
	}
	return id, status, err
}

const caseColumns = `c.agency_id, c.id, c.number, c.service_type_id, c.service_type_version, st.title, c.status, c.channel,
	c.applicant_kind, c.applicant_name, c.applicant_snils, c.applicant_inn, c.applicant_ogrn, c.applicant, c.fields, c.region, c.problems,
	c.received_at, c.registered_at, c.due_date, c.department_id, coalesce(d.name, ''), c.executor_id, coalesce(u.full_name, ''),
	c.portal_order_id, coalesce(c.bus_message_id, ''), c.reply_to, c.updated_at`

const caseFrom = ` FROM cases c
	JOIN service_types st ON st.agency_id = c.agency_id AND st.id = c.service_type_id
	LEFT JOIN departments d ON d.agency_id = c.agency_id AND d.id = c.department_id
	LEFT JOIN users u ON u.agency_id = c.agency_id AND u.id = c.executor_id `

func scanCase(row pgx.Row) (Case, error) {
	var c Case
	var applicant, fields, problems []byte
	err := row.Scan(&c.AgencyID, &c.ID, &c.Number, &c.ServiceTypeID, &c.ServiceTypeVersion, &c.ServiceTitle, &c.Status, &c.Channel,
		&c.ApplicantKind, &c.ApplicantName, &c.ApplicantSNILS, &c.ApplicantINN, &c.ApplicantOGRN, &applicant, &fields, &c.Region, &problems,
		&c.ReceivedAt, &c.RegisteredAt, &c.DueDate, &c.DepartmentID, &c.DepartmentName, &c.ExecutorID, &c.ExecutorName,
		&c.PortalOrderID, &c.BusMessageID, &c.ReplyTo, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, err
	}
	for _, part := range []struct {
		raw []byte
		v   any
	}{{applicant, &c.Applicant}, {fields, &c.Fields}, {problems, &c.Problems}} {
		if err := json.Unmarshal(part.raw, part.v); err != nil {
			return c, fmt.Errorf("decode case %s: %w", c.ID, err)
		}
	}
	return c, nil
}

func selectCase(ctx context.Context, tx pgx.Tx, id uuid.UUID) (Case, error) {
	return scanCase(tx.QueryRow(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.id = $1`, id))
}

// lockCase takes the case's row lock for a change and returns its status.
func lockCase(ctx context.Context, tx pgx.Tx, id uuid.UUID) (Status, error) {
	var s Status
	err := tx.QueryRow(ctx, `SELECT status FROM cases WHERE id = $1 FOR UPDATE`, id).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	return s, err
}

func updateStatus(ctx context.Context, tx pgx.Tx, id uuid.UUID, s Status, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE cases SET status = $2, updated_at = $3,
			decision_signed_at = CASE WHEN $2 = 'decision_signed' THEN $3 ELSE decision_signed_at END,
			closed_at = CASE WHEN $2 IN ('result_sent', 'refused', 'cancelled') THEN $3 ELSE closed_at END
		WHERE id = $1`, id, s, at)
	return err
}

func updateAssignment(ctx context.Context, tx pgx.Tx, id uuid.UUID, department, executor *uuid.UUID, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE cases SET department_id = $2, executor_id = $3, updated_at = $4 WHERE id = $1`, id, department, executor, at)
	return err
}

func selectDocuments(ctx context.Context, tx pgx.Tx, caseID uuid.UUID) ([]Document, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, title, file_name, mime_type, size_bytes, sha256, streebog256, blob_key,
			signature_status, signature_info, created_at
		FROM case_documents WHERE case_id = $1 ORDER BY created_at, title`, caseID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Document])
}

func selectDocument(ctx context.Context, tx pgx.Tx, caseID, id uuid.UUID) (Document, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, title, file_name, mime_type, size_bytes, sha256, streebog256, blob_key,
			signature_status, signature_info, created_at
		FROM case_documents WHERE case_id = $1 AND id = $2`, caseID, id)
	if err != nil {
		return Document{}, err
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Document])
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	return d, err
}

func selectEvents(ctx context.Context, tx pgx.Tx, caseID uuid.UUID) ([]Event, error) {
	return queryEvents(ctx, tx, caseID, 0)
}

// selectEvent reads one entry of the timeline.
func selectEvent(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int) (Event, error) {
	events, err := queryEvents(ctx, tx, caseID, seq)
	if err != nil {
		return Event{}, err
	}
	if len(events) == 0 {
		return Event{}, ErrNotFound
	}
	return events[0], nil
}

// queryEvents reads the timeline with each status's delivery; seq 0 means
// every entry.
func queryEvents(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT e.seq, e.at, e.actor_name, e.kind, e.from_status, e.to_status, e.comment, e.data,
			s.elk_status, s.state, s.attempts, s.last_error, s.message_id, s.updated_at
		FROM case_events e
		LEFT JOIN status_deliveries s ON s.agency_id = e.agency_id AND s.case_id = e.case_id AND s.event_seq = e.seq
		WHERE e.case_id = $1 AND ($2 = 0 OR e.seq = $2) ORDER BY e.seq`, caseID, seq)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		var data []byte
		var elk, attempts *int
		var state, lastError, messageID *string
		var updated *time.Time
		if err := r.Scan(&e.Seq, &e.At, &e.ActorName, &e.Kind, &e.FromStatus, &e.ToStatus, &e.Comment, &data,
			&elk, &state, &attempts, &lastError, &messageID, &updated); err != nil {
			return e, err
		}
		if err := json.Unmarshal(data, &e.Data); err != nil {
			return e, err
		}
		if state != nil {
			e.Delivery = &Delivery{ELKStatus: *elk, State: *state, Attempts: *attempts, LastError: *lastError, MessageID: *messageID, UpdatedAt: *updated}
		}
		return e, nil
	})
}

// --- outbox deliveries ---

// undeliveredBefore reports whether an earlier status of the case has not
// reached the bus yet: statuses go out in order. An order the cabinet does
// not know yet (a case from the office) waits for the portal's answer to
// the earlier status, which carries the order's number.
func undeliveredBefore(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int, orderKnown bool) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND event_seq < $2
		AND (state = 'queued' OR (state = 'sent' AND NOT $3))`, caseID, seq, orderKnown).Scan(&n)
	return n > 0, err
}

func selectDelivery(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int) (Delivery, error) {
	var d Delivery
	err := tx.QueryRow(ctx, `SELECT elk_status, state, attempts, last_error, message_id, updated_at FROM status_deliveries
		WHERE case_id = $1 AND event_seq = $2`, caseID, seq).Scan(&d.ELKStatus, &d.State, &d.Attempts, &d.LastError, &d.MessageID, &d.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	return d, err
}

func markDelivery(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int, state, messageID, lastError string) error {
	_, err := tx.Exec(ctx, `UPDATE status_deliveries SET state = $3, attempts = attempts + 1,
			message_id = CASE WHEN $4 = '' THEN message_id ELSE $4 END, last_error = $5, updated_at = now()
		WHERE case_id = $1 AND event_seq = $2`, caseID, seq, state, messageID, lastError)
	return err
}

func setDeliveryMessageID(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, seq int, messageID string) error {
	_, err := tx.Exec(ctx, `UPDATE status_deliveries SET message_id = $3 WHERE case_id = $1 AND event_seq = $2`, caseID, seq, messageID)
	return err
}

// markDeliveryAnswered records the portal's answer to a sent status. The
// answer may come before the sender recorded "sent" (its reply was lost in a
// crash): the answer proves the message arrived, so a queued delivery with
// that message id is answered too.
func markDeliveryAnswered(ctx context.Context, tx pgx.Tx, messageID string, accepted bool, reason string) (uuid.UUID, error) {
	state := "accepted"
	if !accepted {
		state = "failed"
	}
	var caseID uuid.UUID
	err := tx.QueryRow(ctx, `UPDATE status_deliveries SET state = $2, last_error = $3, updated_at = now()
		WHERE message_id = $1 AND state IN ('queued', 'sent') RETURNING case_id`, messageID, state, reason).Scan(&caseID)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, nil // an answer to something already answered, or not ours
	}
	return caseID, err
}

// learnPortalOrder keeps the cabinet's number of an order Okno created.
func learnPortalOrder(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, orderNumber string) error {
	_, err := tx.Exec(ctx, `UPDATE cases SET portal_order_id = $2 WHERE id = $1 AND portal_order_id = ''`, caseID, orderNumber)
	return err
}

// messageTaken reports whether a bus message already made or changed a case
// or was refused.
func messageTaken(ctx context.Context, tx pgx.Tx, messageID string) (bool, error) {
	var taken bool
	// The repeated "<> ''" lets the plan use the partial unique index.
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM case_events WHERE data->>'bus_message_id' = $1 AND data->>'bus_message_id' <> '')
		OR EXISTS (SELECT 1 FROM intake_rejections WHERE bus_message_id = $1)`, messageID).Scan(&taken)
	return taken, err
}

// --- refused applications ---

func insertRejection(ctx context.Context, tx pgx.Tx, agencyID uuid.UUID, messageID, ns, root, code, reason, replyTo string) error {
	_, err := tx.Exec(ctx, `INSERT INTO intake_rejections (agency_id, bus_message_id, namespace_uri, root_element, reason_code, reason, reply_to, response_state)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued') ON CONFLICT DO NOTHING`, agencyID, messageID, ns, root, code, reason, replyTo)
	return err
}

type rejection struct {
	code, reason, replyTo, state, messageID string
}

func selectRejection(ctx context.Context, tx pgx.Tx, busMessageID string) (rejection, error) {
	var r rejection
	err := tx.QueryRow(ctx, `SELECT reason_code, reason, reply_to, response_state, response_message_id FROM intake_rejections
		WHERE bus_message_id = $1`, busMessageID).Scan(&r.code, &r.reason, &r.replyTo, &r.state, &r.messageID)
	return r, err
}

func setRejectionMessageID(ctx context.Context, tx pgx.Tx, busMessageID, messageID string) error {
	_, err := tx.Exec(ctx, `UPDATE intake_rejections SET response_message_id = $2 WHERE bus_message_id = $1`, busMessageID, messageID)
	return err
}

func setRejectionState(ctx context.Context, tx pgx.Tx, busMessageID, state string) error {
	_, err := tx.Exec(ctx, `UPDATE intake_rejections SET response_state = $2 WHERE bus_message_id = $1`, busMessageID, state)
	return err
}
