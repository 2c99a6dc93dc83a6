package people

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/database"
)

// Login checks a login and password and opens a new session. Every call gets
// a fresh session token, so a session id planted before login is worthless.
// Unknown logins and wrong passwords give the same error, so the form does not
// reveal who exists; failures count towards a temporary lock.
func (s *Service) Login(ctx context.Context, login, password, ip string) (*Principal, error) {
	login = NormalizeLogin(login)
	var agencyID, userID uuid.UUID
	err := database.Unscoped(ctx, s.pool, func(tx pgx.Tx) (err error) {
		agencyID, userID, err = lookupLogin(ctx, tx, login)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		// Spend the same time as a real check so timing does not reveal logins.
		_, _ = checkPassword(dummyHash, password)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, wrap("login lookup", err)
	}

	var principal *Principal
	var outcome error
	err = s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		c, err := selectCredentials(ctx, tx, userID)
		if err != nil {
			return err
		}
		now := s.now()
		actor := audit.Actor{ID: userID, Login: login, IP: ip}
		if c.lockedUntil != nil && now.Before(*c.lockedUntil) {
			outcome = &LockedError{Until: *c.lockedUntil}
			return audit.Record(ctx, tx, actor, audit.Entry{Action: "login.locked", ObjectType: "user", ObjectID: userID.String()})
		}
		ok, err := checkPassword(c.hash, password)
		if err != nil {
			return err
		}
		if !ok {
			outcome = s.countFailure(ctx, tx, userID, c.failedLogins)
			return audit.Record(ctx, tx, actor, audit.Entry{Action: "login.failed", ObjectType: "user", ObjectID: userID.String()})
		}
		if c.disabled {
			outcome = ErrDisabled
			return audit.Record(ctx, tx, actor, audit.Entry{Action: "login.disabled", ObjectType: "user", ObjectID: userID.String()})
		}
		if _, err := resetFailures(ctx, tx, userID); err != nil {
			return err
		}
		token, err := newToken()
		if err != nil {
			return err
		}
		if err := insertSession(ctx, tx, agencyID, userID, hashToken(token), c.totpEnabled, now.Add(s.policy.SessionIdle)); err != nil {
			return err
		}
		principal, err = loadPrincipal(ctx, tx, agencyID, userID, ip)
		if err != nil {
			return err
		}
		principal.SecondFactorPending = c.totpEnabled
		principal.token = token
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "login.password", ObjectType: "user", ObjectID: userID.String(),
			Details: map[string]any{"second_factor_due": c.totpEnabled}})
	})
	if err != nil {
		return nil, wrap("login", err)
	}
	var locked *LockedError
	if errors.As(outcome, &locked) {
		if err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
			a, err := selectAgency(ctx, tx, agencyID)
			locked.TimeZone = a.TimeZone
			return err
		}); err != nil {
			return nil, wrap("login lockout zone", err)
		}
	}
	if outcome != nil {
		return nil, outcome
	}
	return principal, nil
}

// countFailure records a failed password or code and locks the account when
// the limit is reached. It returns the error the person should see.
func (s *Service) countFailure(ctx context.Context, tx pgx.Tx, userID uuid.UUID, failedBefore int) error {
	failed := failedBefore + 1
	var until *time.Time
	if failed >= s.policy.MaxFailures {
		t := s.now().Add(s.policy.LockDuration)
		until, failed = &t, 0
	}
	if err := recordFailure(ctx, tx, userID, failed, until); err != nil {
		return err
	}
	if until != nil {
		return &LockedError{Until: *until}
	}
	return ErrBadCredentials
}

// Authenticate returns the principal of a session token, extending the
// session's idle timeout. Expired sessions are removed.
func (s *Service) Authenticate(ctx context.Context, agencyID uuid.UUID, token, ip string) (*Principal, error) {
	if agencyID == uuid.Nil || token == "" {
		return nil, ErrNoSession
	}
	var principal *Principal
	var expired bool
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		h := hashToken(token)
		row, err := selectSession(ctx, tx, h)
		if err != nil {
			return err
		}
		now := s.now()
		if now.After(row.expires) {
			expired = true
			return deleteSession(ctx, tx, h)
		}
		principal, err = loadPrincipal(ctx, tx, agencyID, row.userID, ip)
		if err != nil {
			return err
		}
		if principal.User.Disabled() {
			expired = true
			return deleteUserSessions(ctx, tx, row.userID)
		}
		principal.SecondFactorPending = row.pending
		principal.token = token
		// Writing on every request would make each page view a write; a
		// minute's precision is enough for an idle timeout of hours.
		if now.Sub(row.lastSeen) > time.Minute {
			return touchSession(ctx, tx, h, now, now.Add(s.policy.SessionIdle))
		}
		return nil
	})
	if err != nil {
		return nil, wrap("authenticate", err)
	}
	if expired {
		return nil, ErrSessionExpired
	}
	return principal, nil
}

// Logout ends the principal's session.
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	err := s.inAgency(ctx, p.Agency.ID, func(tx pgx.Tx) error {
		if err := deleteSession(ctx, tx, hashToken(p.token)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Entry{Action: "logout", ObjectType: "user", ObjectID: p.User.ID.String()})
	})
	return wrap("logout", err)
}

func loadPrincipal(ctx context.Context, tx pgx.Tx, agencyID, userID uuid.UUID, ip string) (*Principal, error) {
	u, err := selectUser(ctx, tx, userID)
	if err != nil {
		return nil, err
	}
	a, err := selectAgency(ctx, tx, agencyID)
	if err != nil {
		return nil, err
	}
	return &Principal{User: u, Agency: a, IP: ip}, nil
}

// NormalizeLogin folds a typed login to its stored form.
func NormalizeLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// dummyHash is a valid argon2id hash of a random password, checked for unknown
// logins so that they take as long as known ones.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3I7Wq3m0X7Pz1q9rJ0sQmI4o2y3B1w8kq5mZxQyF0aE"
