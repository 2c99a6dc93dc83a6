// Package audit records who did what to which object, when and from where, in
// the agency's append-only, hash-chained audit log (see migrations), and
// reads and verifies it. An entry is written in the same transaction as the
// change it describes, so the log never claims a change that rolled back.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/database"
)

// Actor is who acted: a person, or the system itself (ID is uuid.Nil).
type Actor struct {
	ID    uuid.UUID
	Login string
	IP    string
}

// SystemActor is the actor for work nobody clicked (demo seeding, background jobs).
func SystemActor() Actor { return Actor{Login: "system", IP: "-"} }

// Entry is one action to record.
type Entry struct {
	Action     string // e.g. "user.create", "login.failed"
	ObjectType string // e.g. "user", "department", "agency"
	ObjectID   string
	Details    map[string]any // never passwords, secrets or document contents
}

// Record appends an entry within tx, which must be scoped to the agency.
func Record(ctx context.Context, tx pgx.Tx, actor Actor, e Entry) error {
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit: encode details: %w", err)
	}
	var actorID *uuid.UUID
	if actor.ID != uuid.Nil {
		actorID = &actor.ID
	}
	ip := actor.IP
	if ip == "" {
		ip = "-"
	}
	if _, err := tx.Exec(ctx, `SELECT audit_append($1, $2, $3, $4, $5, $6, $7)`,
		actorID, actor.Login, e.Action, e.ObjectType, e.ObjectID, ip, raw); err != nil {
		return fmt.Errorf("audit: append %s: %w", e.Action, err)
	}
	return nil
}

// Row is a recorded entry as the audit report shows it.
type Row struct {
	Seq        int64
	OccurredAt time.Time
	ActorLogin string
	Action     string
	ObjectType string
	ObjectID   string
	ClientIP   string
	Details    string
}

// Filter narrows the audit report.
type Filter struct {
	Action     string // prefix match, e.g. "login"
	ActorLogin string
	Limit      int
	BeforeSeq  int64 // keyset pagination: rows older than this seq; 0 = newest
}

// List returns the agency's entries, newest first.
func List(ctx context.Context, tx pgx.Tx, f Filter) ([]Row, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := tx.Query(ctx, `
		SELECT seq, occurred_at, actor_login, action, object_type, object_id, client_ip, details::text
		FROM audit_log
		WHERE ($1 = '' OR action LIKE $1 || '%')
		  AND ($2 = '' OR actor_login = $2)
		  AND ($3 = 0 OR seq < $3)
		ORDER BY seq DESC
		LIMIT $4`, f.Action, f.ActorLogin, f.BeforeSeq, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Row])
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}

// Break describes the first place where the chain does not check out.
type Break struct {
	Seq    int64
	Reason string
}

// Verify recomputes the agency's hash chain; it returns nil when intact.
func Verify(ctx context.Context, tx pgx.Tx) (*Break, error) {
	var b Break
	err := tx.QueryRow(ctx, `SELECT broken_seq, reason FROM audit_verify()`).Scan(&b.Seq, &b.Reason)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: verify: %w", err)
	}
	return &b, nil
}

// Log reads an agency's audit log for the audit report.
type Log struct{ pool *pgxpool.Pool }

// NewLog binds the report to the application's pool.
func NewLog(pool *pgxpool.Pool) *Log { return &Log{pool: pool} }

// Report returns the filtered entries and the state of the whole chain.
func (l *Log) Report(ctx context.Context, agencyID uuid.UUID, f Filter) ([]Row, *Break, error) {
	var rows []Row
	var broken *Break
	err := database.InAgency(ctx, l.pool, agencyID, func(tx pgx.Tx) (err error) {
		if rows, err = List(ctx, tx, f); err != nil {
			return err
		}
		broken, err = Verify(ctx, tx)
		return err
	})
	return rows, broken, err
}
