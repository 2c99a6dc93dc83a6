// Package audit records who did what to which object, when and from where, in
// the agency's append-only, hash-chained audit log (see migrations), and
// reads and verifies it. An entry is written in the same transaction as the
// change it describes, so the log never claims a change that rolled back.
package audit

import (
	"context"
	"encoding/json"
	"errors"
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

// Record adds an entry to tx, which must be a transaction of
// database.InAgency. Entries are kept with the transaction and appended
// together as its last step, just before commit (see database.Tx.Final):
// the agency's chain head is locked only from there to the commit, so two
// transactions never wait for each other's head while holding other rows.
// The log takes the actor from the transaction and the time from the
// database (migration 00006), never from the caller.
func Record(ctx context.Context, tx pgx.Tx, actor Actor, e Entry) error {
	scoped, ok := tx.(*database.Tx)
	if !ok {
		return fmt.Errorf("audit: %s recorded outside database.InAgency", e.Action)
	}
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit: encode details of %s: %w", e.Action, err)
	}
	if actor.IP == "" {
		actor.IP = "-"
	}
	b := scoped.Final(batchKey{}, func() database.FinalStep { return &batch{} }).(*batch)
	b.entries = append(b.entries, pending{actor: actor, entry: pendingEntry{
		Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Details: raw}})
	return nil
}

type batchKey struct{}

// batch is a transaction's entries not yet appended.
type batch struct{ entries []pending }

type pending struct {
	actor Actor
	entry pendingEntry
}

// pendingEntry is an entry as audit_append_entries reads it.
type pendingEntry struct {
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Details    json.RawMessage `json:"details"`
}

// Finish appends the batch: one call per run of entries by the same actor,
// with the actor set on the transaction for the function to read.
func (b *batch) Finish(ctx context.Context, tx pgx.Tx) error {
	for start := 0; start < len(b.entries); {
		actor := b.entries[start].actor
		end := start
		var run []pendingEntry
		for end < len(b.entries) && b.entries[end].actor == actor {
			run = append(run, b.entries[end].entry)
			end++
		}
		raw, err := json.Marshal(run)
		if err != nil {
			return fmt.Errorf("audit: encode entries: %w", err)
		}
		actorID := ""
		if actor.ID != uuid.Nil {
			actorID = actor.ID.String()
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('app.actor_id', @id, true), set_config('app.actor_login', @login, true),
				set_config('app.actor_ip', @ip, true)`,
			pgx.NamedArgs{"id": actorID, "login": actor.Login, "ip": actor.IP}); err != nil {
			return fmt.Errorf("audit: set actor: %w", err)
		}
		if _, err := tx.Exec(ctx, `SELECT audit_append_entries(@entries)`, pgx.NamedArgs{"entries": string(raw)}); err != nil {
			return fmt.Errorf("audit: append %s: %w", run[0].Action, err)
		}
		start = end
	}
	b.entries = nil
	return nil
}

// Row is a recorded entry as the audit report shows it.
type Row struct {
	Seq        int64     `db:"seq"`
	OccurredAt time.Time `db:"occurred_at"`
	ActorLogin string    `db:"actor_login"`
	Action     string    `db:"action"`
	ObjectType string    `db:"object_type"`
	ObjectID   string    `db:"object_id"`
	ClientIP   string    `db:"client_ip"`
	Details    string    `db:"details"`
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
		SELECT seq, occurred_at, actor_login, action, object_type, object_id, client_ip, details::text AS details
		FROM audit_log
		WHERE (@action = '' OR action LIKE @action || '%')
		  AND (@actor_login = '' OR actor_login = @actor_login)
		  AND (@before_seq = 0 OR seq < @before_seq)
		ORDER BY seq DESC
		LIMIT @limit`, pgx.NamedArgs{"action": f.Action, "actor_login": f.ActorLogin, "before_seq": f.BeforeSeq, "limit": f.Limit})
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Row])
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}

// Break describes the first place where the chain does not check out.
type Break struct {
	Seq    int64  `db:"broken_seq"`
	Reason string `db:"reason"`
}

// Verify recomputes the agency's hash chain; it returns nil when intact.
func Verify(ctx context.Context, tx pgx.Tx) (*Break, error) {
	rows, err := tx.Query(ctx, `SELECT broken_seq, reason FROM audit_verify()`)
	if err != nil {
		return nil, fmt.Errorf("audit: verify: %w", err)
	}
	b, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Break])
	if errors.Is(err, pgx.ErrNoRows) {
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
