package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Message kinds, as MessageMetadata/MessageType names them.
const (
	KindRequest  = "REQUEST"
	KindResponse = "RESPONSE"
)

// Message is one accepted message waiting in (or delivered from) its
// recipient's queue.
type Message struct {
	ID              uuid.UUID
	Kind            string
	Sender          string
	Recipient       string
	Namespace       string
	RootElement     string
	RequestRoot     string // responses: the request's root element
	ReferenceID     *uuid.UUID
	OriginalID      *uuid.UUID // for a response: the request's MessageID
	TransactionCode string
	ReplyTo         string
	Payload         []byte // SenderProvidedRequestData / SenderProvidedResponseData as sent
	SenderSignature []byte // the caller's ds:Signature element, delivered as SenderInformationSystemSignature
	FSAttachments   []FSAttachment
	AttachmentBytes int64 // inline and stored attachments together
	SentAt          time.Time
	DeliveredAt     *time.Time
	DeliveryCount   int
	Attachments     []Attachment
}

// FSAttachment names a file in the file storage that travels with a message.
type FSAttachment struct {
	UUID     string `json:"uuid"`
	FileName string `json:"fileName"`
	Size     int64  `json:"size"`
}

// Attachment is inline attachment content keyed by its AttachmentContent Id.
type Attachment struct {
	ContentID string
	Content   []byte
}

// ErrDuplicate means a message with this MessageID was accepted before.
var ErrDuplicate = errors.New("message id already used")

// Selector picks a queue: recipient and kind always, namespace and root
// element when the caller filters by type.
type Selector struct {
	Recipient   string
	Kind        string
	Namespace   string
	RootElement string
}

// InsertMessage enqueues m for its recipient, visible at once, and queues
// the sender's status, when given, in the same transaction.
func (s *Store) InsertMessage(ctx context.Context, m *Message, status *StatusEvent) error {
	return s.InsertMessageWithin(ctx, m, status, 0)
}

// QueueFullError is a queue that already holds its capacity of
// unacknowledged messages.
type QueueFullError struct {
	Recipient, Kind  string
	Length, Capacity int
}

func (e *QueueFullError) Error() string {
	return fmt.Sprintf("queue %s/%s holds %d messages, its capacity is %d", e.Recipient, e.Kind, e.Length, e.Capacity)
}

// InsertMessageWithin is InsertMessage into a queue of at most capacity
// unacknowledged messages (none when zero), else a *QueueFullError. The
// count and the insert hold the queue's lock together: concurrent senders
// that each counted one place left would overfill it.
func (s *Store) InsertMessageWithin(ctx context.Context, m *Message, status *StatusEvent, capacity int) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if capacity > 0 {
			queue := pgx.NamedArgs{"recipient": m.Recipient, "kind": m.Kind}
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('smevstand.queue/' || @recipient || '/' || @kind, 0))`, queue); err != nil {
				return fmt.Errorf("lock queue of %s: %w", m.Recipient, err)
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM smevstand.message WHERE recipient = @recipient AND kind = @kind AND acked_at IS NULL`, queue).
				Scan(&n); err != nil {
				return fmt.Errorf("queue length of %s: %w", m.Recipient, err)
			}
			if n >= capacity {
				return &QueueFullError{Recipient: m.Recipient, Kind: m.Kind, Length: n, Capacity: capacity}
			}
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO smevstand.message (id, kind, sender, recipient, namespace, root_element,
				reference_id, original_id, transaction_code, reply_to, payload, sender_signature,
				fs_attachments, sent_at, visible_at, request_root, attachment_bytes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16)`,
			m.ID, m.Kind, m.Sender, m.Recipient, m.Namespace, m.RootElement,
			m.ReferenceID, m.OriginalID, m.TransactionCode, m.ReplyTo, m.Payload, m.SenderSignature,
			fsList(m.FSAttachments), m.SentAt, m.RequestRoot, m.AttachmentBytes)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return fmt.Errorf("insert message %s: %w", m.ID, ErrDuplicate)
		}
		if err != nil {
			return fmt.Errorf("insert message %s: %w", m.ID, err)
		}
		for _, a := range m.Attachments {
			if _, err := tx.Exec(ctx, `INSERT INTO smevstand.attachment (message_id, content_id, content) VALUES ($1, $2, $3)`,
				m.ID, a.ContentID, a.Content); err != nil {
				return fmt.Errorf("insert attachment %s of message %s: %w", a.ContentID, m.ID, err)
			}
		}
		if status != nil {
			return addStatus(ctx, tx, m.Sender, *status)
		}
		return nil
	})
}

func fsList(l []FSAttachment) []FSAttachment {
	if l == nil {
		return []FSAttachment{}
	}
	return l
}

const messageColumns = `m.id, m.kind, m.sender, m.recipient, m.namespace, m.root_element, m.request_root, m.reference_id,
	m.original_id, coalesce(m.transaction_code, ''), coalesce(m.reply_to, ''), m.payload, m.sender_signature,
	m.fs_attachments, m.sent_at, m.delivered_at, m.delivery_count`

func scanMessage(row pgx.Row) (*Message, error) {
	m := &Message{}
	err := row.Scan(&m.ID, &m.Kind, &m.Sender, &m.Recipient, &m.Namespace, &m.RootElement, &m.RequestRoot, &m.ReferenceID,
		&m.OriginalID, &m.TransactionCode, &m.ReplyTo, &m.Payload, &m.SenderSignature,
		&m.FSAttachments, &m.SentAt, &m.DeliveredAt, &m.DeliveryCount)
	return m, err
}

// Redelivery says how long a delivered message stays hidden: Base, plus
// PerMiB for each whole MiB of its attachments (a large message takes its
// recipient longer to store).
type Redelivery struct {
	Base, PerMiB time.Duration
}

// Deliver claims the oldest visible unacknowledged message of the selected
// queue and hides it for the redelivery time: if the recipient never acks,
// it comes back. It returns nil when the queue is empty.
func (s *Store) Deliver(ctx context.Context, sel Selector, now time.Time, redeliver Redelivery) (*Message, error) {
	var m *Message
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		row := tx.QueryRow(ctx, `
			WITH next AS (
				SELECT id FROM smevstand.message
				WHERE recipient = $1 AND kind = $2 AND acked_at IS NULL AND visible_at <= $5
				  AND ($3 = '' OR (namespace = $3 AND (root_element = $4 OR request_root = $4)))
				ORDER BY visible_at, sent_at
				LIMIT 1
				FOR UPDATE SKIP LOCKED)
			UPDATE smevstand.message m
			SET visible_at = $5 + make_interval(secs => $6 + $7 * (m.attachment_bytes / 1048576)),
				delivered_at = coalesce(m.delivered_at, $5), delivery_count = m.delivery_count + 1
			FROM next WHERE m.id = next.id
			RETURNING `+messageColumns,
			sel.Recipient, sel.Kind, sel.Namespace, sel.RootElement, now, redeliver.Base.Seconds(), redeliver.PerMiB.Seconds())
		var err error
		m, err = scanMessage(row)
		if errors.Is(err, pgx.ErrNoRows) {
			m = nil
			return nil
		}
		if err != nil {
			return fmt.Errorf("deliver from %s/%s: %w", sel.Recipient, sel.Kind, err)
		}
		rows, err := tx.Query(ctx, `SELECT content_id, content FROM smevstand.attachment WHERE message_id = $1 ORDER BY content_id`, m.ID)
		if err != nil {
			return fmt.Errorf("read attachments of %s: %w", m.ID, err)
		}
		m.Attachments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Attachment, error) {
			var a Attachment
			return a, r.Scan(&a.ContentID, &a.Content)
		})
		if err != nil {
			return fmt.Errorf("read attachments of %s: %w", m.ID, err)
		}
		return nil
	})
	return m, err
}

// MakeVisible lets a delivered message be delivered again at once; the
// fault injector uses it to simulate duplicate delivery.
func (s *Store) MakeVisible(ctx context.Context, id uuid.UUID, now time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE smevstand.message SET visible_at = $2 WHERE id = $1`, id, now); err != nil {
		return fmt.Errorf("requeue message %s: %w", id, err)
	}
	return nil
}

// Ack removes a delivered message from recipient's queue and, in the same
// transaction, queues the status status(m) tells its sender. It returns
// ErrNotFound when recipient has no such delivered, unacknowledged message.
func (s *Store) Ack(ctx context.Context, recipient string, id uuid.UUID, accepted bool, now time.Time, status func(*Message) StatusEvent) (*Message, error) {
	var m *Message
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		m, err = scanMessage(tx.QueryRow(ctx, `
			UPDATE smevstand.message m SET acked_at = $3, accepted = $4
			WHERE id = $1 AND recipient = $2 AND acked_at IS NULL AND delivered_at IS NOT NULL
			RETURNING `+messageColumns, id, recipient, now, accepted))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("ack message %s for %s: %w", id, recipient, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("ack message %s: %w", id, err)
		}
		if status == nil {
			return nil
		}
		return addStatus(ctx, tx, m.Sender, status(m))
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Message returns a message by id.
func (s *Store) Message(ctx context.Context, id uuid.UUID) (*Message, error) {
	m, err := scanMessage(s.pool.QueryRow(ctx, `SELECT `+messageColumns+` FROM smevstand.message m WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("message %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("message %s: %w", id, err)
	}
	return m, nil
}

// QueueLength counts unacknowledged messages waiting for recipient.
func (s *Store) QueueLength(ctx context.Context, recipient, kind string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM smevstand.message WHERE recipient = $1 AND kind = $2 AND acked_at IS NULL`,
		recipient, kind).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("queue length of %s: %w", recipient, err)
	}
	return n, nil
}

// QueueStat counts one queue's messages.
type QueueStat struct {
	Recipient string
	Kind      string
	Waiting   int // not acknowledged yet
	Total     int
}

// QueueStats counts messages per recipient and kind, for the overview page.
func (s *Store) QueueStats(ctx context.Context) ([]QueueStat, error) {
	rows, err := s.pool.Query(ctx, `SELECT recipient, kind, count(*) FILTER (WHERE acked_at IS NULL), count(*)
		FROM smevstand.message GROUP BY recipient, kind ORDER BY recipient, kind`)
	if err != nil {
		return nil, fmt.Errorf("queue stats: %w", err)
	}
	stats, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueueStat, error) {
		var q QueueStat
		return q, r.Scan(&q.Recipient, &q.Kind, &q.Waiting, &q.Total)
	})
	if err != nil {
		return nil, fmt.Errorf("queue stats: %w", err)
	}
	return stats, nil
}
