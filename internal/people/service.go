package people

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/database"
)

// Policy holds the security settings of logins and sessions.
type Policy struct {
	MaxFailures  int           // failed attempts before the account locks
	LockDuration time.Duration // how long a lock lasts
	SessionIdle  time.Duration // a session ends after this long without requests
}

// DefaultPolicy is what an installation gets unless configured otherwise.
func DefaultPolicy() Policy {
	return Policy{MaxFailures: 5, LockDuration: 15 * time.Minute, SessionIdle: 8 * time.Hour}
}

// Service is the people domain's entry point.
type Service struct {
	pool    *pgxpool.Pool
	policy  Policy
	secrets sealer
	now     func() time.Time
}

// NewService wires the service to the application's pool. secretsKey
// (SecretsKeySize random bytes, kept outside the database) seals the TOTP
// secrets at rest.
func NewService(pool *pgxpool.Pool, policy Policy, secretsKey []byte) (*Service, error) {
	secrets, err := newSealer(secretsKey)
	if err != nil {
		return nil, err
	}
	return &Service{pool: pool, policy: policy, secrets: secrets, now: time.Now}, nil
}

// Principal is the logged-in person behind a request.
type Principal struct {
	User   User
	Agency Agency
	IP     string
	// SecondFactorPending: the password was right, the one-time code is still due.
	SecondFactorPending bool
	token               string
}

// MustEnrolSecondFactor: the agency requires a second factor of this role and
// the user has none yet, so nothing but enrolment is open to them.
func (p *Principal) MustEnrolSecondFactor() bool {
	return p.Agency.RequireSecondFactor && p.User.Role.Privileged() && !p.User.SecondFactorOn
}

// Token is the session token to put in the cookie.
func (p *Principal) Token() string { return p.token }

// Actor is the principal as the audit log names it.
func (p *Principal) Actor() audit.Actor {
	return audit.Actor{ID: p.User.ID, Login: p.User.Login, IP: p.IP}
}

// Has reports whether the principal holds one of the roles.
func (p *Principal) Has(roles ...Role) bool {
	for _, r := range roles {
		if p.User.Role == r {
			return true
		}
	}
	return false
}

func (s *Service) inAgency(ctx context.Context, agencyID uuid.UUID, fn func(pgx.Tx) error) error {
	return database.InAgency(ctx, s.pool, agencyID, fn)
}

func (s *Service) require(p *Principal, roles ...Role) error {
	if p == nil || !p.Has(roles...) {
		return ErrForbidden
	}
	return nil
}

// Agency returns one agency by id.
func (s *Service) Agency(ctx context.Context, id uuid.UUID) (Agency, error) {
	var a Agency
	err := database.Unscoped(ctx, s.pool, func(tx pgx.Tx) (err error) {
		a, err = selectAgency(ctx, tx, id)
		return err
	})
	return a, wrap("agency", err)
}
