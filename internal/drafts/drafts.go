// Package drafts keeps what a person has typed into a long form and not yet
// sent (the office intake, an action's comment on the card), on the server,
// so that a closed browser or another computer does not lose it. A draft
// belongs to one user and one form key, lives in the user's agency (row-level
// security like every tenant table), is capped in size and expires: the
// office's applicants' data must not linger. app.js keeps the same draft in
// the browser too.
package drafts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/people"
)

// Limits of a draft; MaxBytes matches the table's check (migration 00012).
const (
	MaxBytes    = 64 << 10
	maxKeyBytes = 200
	Lifetime    = 7 * 24 * time.Hour
)

// Errors of bad input: the handler answers 400/413 with them.
var (
	ErrBadKey   = errors.New("drafts: a form key is office/... or case/..., at most 200 bytes")
	ErrTooLarge = errors.New("drafts: a draft is at most 64 KiB")
	ErrNotJSON  = errors.New("drafts: a draft's values are a JSON object")
)

// Draft is a form's typed values as app.js reads them, and when they were saved.
type Draft struct {
	Values  json.RawMessage `db:"body" json:"values"`
	SavedAt time.Time       `db:"saved_at" json:"at"`
}

// Service stores drafts.
type Service struct {
	pool *pgxpool.Pool
}

// New makes the store over the application's pool.
func New(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }

// checkKey accepts the keys of the forms that keep drafts.
func checkKey(key string) error {
	if len(key) == 0 || len(key) > maxKeyBytes || !(strings.HasPrefix(key, "office/") || strings.HasPrefix(key, "case/")) {
		return ErrBadKey
	}
	return nil
}

// Save keeps the user's draft of a form, replacing the last one, and drops
// the user's expired drafts on the way.
func (s *Service) Save(ctx context.Context, by *people.Principal, key string, values []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if len(values) > MaxBytes {
		return ErrTooLarge
	}
	var probe map[string]any
	if err := json.Unmarshal(values, &probe); err != nil || probe == nil {
		return ErrNotJSON
	}
	return database.InAgency(ctx, s.pool, by.Agency.ID, func(tx pgx.Tx) error {
		args := pgx.NamedArgs{"agency": by.Agency.ID, "user": by.User.ID, "key": key, "values": string(values),
			"lifetime": Lifetime}
		if _, err := tx.Exec(ctx, `DELETE FROM drafts WHERE agency_id = @agency AND user_id = @user
			AND saved_at < now() - @lifetime::interval`, args); err != nil {
			return fmt.Errorf("drop expired drafts: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO drafts (agency_id, user_id, form_key, body, saved_at)
			VALUES (@agency, @user, @key, @values::jsonb, now())
			ON CONFLICT (agency_id, user_id, form_key) DO UPDATE SET body = EXCLUDED.body, saved_at = EXCLUDED.saved_at`,
			args); err != nil {
			return fmt.Errorf("save draft: %w", err)
		}
		return nil
	})
}

// Load returns the user's unexpired draft of a form; ok is false when there is none.
func (s *Service) Load(ctx context.Context, by *people.Principal, key string) (d Draft, ok bool, err error) {
	if err := checkKey(key); err != nil {
		return Draft{}, false, err
	}
	err = database.InAgency(ctx, s.pool, by.Agency.ID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT body, saved_at FROM drafts
			WHERE agency_id = @agency AND user_id = @user AND form_key = @key AND saved_at >= now() - @lifetime::interval`,
			pgx.NamedArgs{"agency": by.Agency.ID, "user": by.User.ID, "key": key, "lifetime": Lifetime})
		if err != nil {
			return err
		}
		d, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Draft])
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		ok = err == nil
		return err
	})
	if err != nil {
		return Draft{}, false, fmt.Errorf("load draft: %w", err)
	}
	return d, ok, nil
}

// Clear forgets the user's draft of a form: it was sent.
func (s *Service) Clear(ctx context.Context, by *people.Principal, key string) error {
	return database.InAgency(ctx, s.pool, by.Agency.ID, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM drafts WHERE agency_id = @agency AND user_id = @user AND form_key = @key`,
			pgx.NamedArgs{"agency": by.Agency.ID, "user": by.User.ID, "key": key}); err != nil {
			return fmt.Errorf("clear draft: %w", err)
		}
		return nil
	})
}
