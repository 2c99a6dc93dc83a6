package people

// All SQL of this package. Functions take a transaction that the caller has
// already scoped to an agency (or left unscoped for reference tables).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// userColumns are named as User's db tags; rows map to it by name.
const userColumns = `u.agency_id, u.id, u.login, u.full_name, u.role, u.department_id, coalesce(d.name, '') AS department_name,
	u.must_change_password, u.disabled_at, u.locked_until, u.totp_enabled_at IS NOT NULL AS second_factor_on, u.created_at`

const userFrom = ` FROM users u LEFT JOIN departments d ON d.agency_id = u.agency_id AND d.id = u.department_id `

// one collects the single row of a query by name; no row is ErrNotFound.
func one[T any](rows pgx.Rows, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[T])
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return v, err
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

// --- agencies (reference table) ---

// agencyColumns are named as Agency's db tags.
const agencyColumns = `id, code, name, short_name, is_platform, require_second_factor, coalesce(smev_mnemonic, '') AS smev_mnemonic, time_zone, created_at`

func selectAgency(ctx context.Context, tx pgx.Tx, id uuid.UUID) (Agency, error) {
	return one[Agency](tx.Query(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE id = $1`, id))
}

func selectAgencyByCode(ctx context.Context, tx pgx.Tx, code string) (Agency, error) {
	return one[Agency](tx.Query(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE code = $1`, code))
}

func selectAgencies(ctx context.Context, tx pgx.Tx) ([]Agency, error) {
	rows, err := tx.Query(ctx, `SELECT `+agencyColumns+` FROM agencies ORDER BY is_platform DESC, name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Agency])
}

func insertAgency(ctx context.Context, tx pgx.Tx, a Agency) error {
	_, err := tx.Exec(ctx, `INSERT INTO agencies (id, code, name, short_name, is_platform, require_second_factor, smev_mnemonic)
		VALUES (@id, @code, @name, @short_name, @is_platform, @require_second_factor, NULLIF(@smev_mnemonic, ''))`,
		pgx.NamedArgs{"id": a.ID, "code": a.Code, "name": a.Name, "short_name": a.ShortName, "is_platform": a.IsPlatform,
			"require_second_factor": a.RequireSecondFactor, "smev_mnemonic": a.SMEVMnemonic})
	return err
}

func updateAgencySecondFactor(ctx context.Context, tx pgx.Tx, id uuid.UUID, require bool) error {
	_, err := tx.Exec(ctx, `UPDATE agencies SET require_second_factor = $2 WHERE id = $1`, id, require)
	return err
}

// --- login directory (reference table) ---

func lookupLogin(ctx context.Context, tx pgx.Tx, login string) (agencyID, userID uuid.UUID, err error) {
	err = tx.QueryRow(ctx, `SELECT agency_id, user_id FROM login_directory WHERE login = $1`, login).Scan(&agencyID, &userID)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return
}

// --- departments ---

func selectDepartments(ctx context.Context, tx pgx.Tx) ([]Department, error) {
	rows, err := tx.Query(ctx, `SELECT d.id, d.name, count(u.id)::int AS user_count FROM departments d
		LEFT JOIN users u ON u.agency_id = d.agency_id AND u.department_id = d.id AND u.disabled_at IS NULL
		GROUP BY d.agency_id, d.id ORDER BY d.name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Department])
}

func insertDepartment(ctx context.Context, tx pgx.Tx, agencyID, id uuid.UUID, name string) error {
	_, err := tx.Exec(ctx, `INSERT INTO departments (agency_id, id, name) VALUES ($1, $2, $3)`, agencyID, id, name)
	return err
}

func renameDepartment(ctx context.Context, tx pgx.Tx, id uuid.UUID, name string) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE departments SET name = $2 WHERE id = $1`, id, name)
	return tag.RowsAffected() == 1, err
}

// --- users ---

func selectUser(ctx context.Context, tx pgx.Tx, id uuid.UUID) (User, error) {
	return one[User](tx.Query(ctx, `SELECT `+userColumns+userFrom+` WHERE u.id = $1`, id))
}

func selectUsers(ctx context.Context, tx pgx.Tx) ([]User, error) {
	rows, err := tx.Query(ctx, `SELECT `+userColumns+userFrom+` ORDER BY u.disabled_at IS NOT NULL, u.full_name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[User])
}

// credentials is what a login attempt needs and nothing else leaves this file.
type credentials struct {
	hash         string
	failedLogins int
	lockedUntil  *time.Time
	disabled     bool
	totpSecret   *string // sealed (or, from before sealing, in clear)
	totpEnabled  bool
	totpLastStep int64 // the last time step whose code was accepted; 0: none
}

func selectCredentials(ctx context.Context, tx pgx.Tx, id uuid.UUID) (credentials, error) {
	type row struct {
		Hash         string     `db:"password_hash"`
		FailedLogins int        `db:"failed_logins"`
		LockedUntil  *time.Time `db:"locked_until"`
		Disabled     bool       `db:"disabled"`
		TOTPSecret   *string    `db:"totp_secret"`
		TOTPEnabled  bool       `db:"totp_enabled"`
		TOTPLastStep int64      `db:"totp_last_step"`
	}
	r, err := one[row](tx.Query(ctx, `SELECT password_hash, failed_logins, locked_until, disabled_at IS NOT NULL AS disabled,
		totp_secret, totp_enabled_at IS NOT NULL AS totp_enabled, coalesce(totp_last_step, 0) AS totp_last_step
		FROM users WHERE id = $1 FOR UPDATE`, id))
	return credentials{hash: r.Hash, failedLogins: r.FailedLogins, lockedUntil: r.LockedUntil, disabled: r.Disabled,
		totpSecret: r.TOTPSecret, totpEnabled: r.TOTPEnabled, totpLastStep: r.TOTPLastStep}, err
}

func insertUser(ctx context.Context, tx pgx.Tx, u User, passwordHash string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO users (agency_id, id, login, full_name, role, department_id, password_hash, must_change_password)
		VALUES (@agency_id, @id, @login, @full_name, @role, @department_id, @password_hash, @must_change_password)`,
		pgx.NamedArgs{"agency_id": u.AgencyID, "id": u.ID, "login": u.Login, "full_name": u.FullName, "role": u.Role,
			"department_id": u.DepartmentID, "password_hash": passwordHash, "must_change_password": u.MustChangePassword}); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO login_directory (login, agency_id, user_id) VALUES ($1, $2, $3)`, u.Login, u.AgencyID, u.ID)
	return err
}

func updateUserProfile(ctx context.Context, tx pgx.Tx, u User) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE users SET full_name = $2, role = $3, department_id = $4, updated_at = now() WHERE id = $1`,
		u.ID, u.FullName, u.Role, u.DepartmentID)
	return tag.RowsAffected() == 1, err
}

func setUserDisabled(ctx context.Context, tx pgx.Tx, id uuid.UUID, disabled bool) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE users SET disabled_at = CASE WHEN $2 THEN now() END, updated_at = now() WHERE id = $1`, id, disabled)
	return tag.RowsAffected() == 1, err
}

func setPassword(ctx context.Context, tx pgx.Tx, id uuid.UUID, hash string, mustChange bool) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, must_change_password = $3, failed_logins = 0,
		locked_until = NULL, updated_at = now() WHERE id = $1`, id, hash, mustChange)
	return tag.RowsAffected() == 1, err
}

func recordFailure(ctx context.Context, tx pgx.Tx, id uuid.UUID, failed int, lockedUntil *time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1`, id, failed, lockedUntil)
	return err
}

// resetFailures clears the failure count and lifts a lock; false when there
// is no such user.
func resetFailures(ctx context.Context, tx pgx.Tx, id uuid.UUID) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, id)
	return tag.RowsAffected() == 1, err
}

// --- second factor ---

// setTOTPSecret starts an enrolment with a sealed secret, or with nil
// removes the second factor; either way nothing is enabled.
func setTOTPSecret(ctx context.Context, tx pgx.Tx, id uuid.UUID, sealed *string) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE users SET totp_secret = $2, totp_enabled_at = NULL, totp_last_step = NULL,
		updated_at = now() WHERE id = $1`, id, sealed)
	return tag.RowsAffected() == 1, err
}

// useTOTPStep records the time step of an accepted code, so that no code of
// it or an earlier step is accepted again, and stores the secret sealed.
func useTOTPStep(ctx context.Context, tx pgx.Tx, id uuid.UUID, step int64, sealed string) error {
	_, err := tx.Exec(ctx, `UPDATE users SET totp_last_step = $2, totp_secret = $3 WHERE id = $1`, id, step, sealed)
	return err
}

func enableTOTP(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	_, err := tx.Exec(ctx, `UPDATE users SET totp_enabled_at = now() WHERE id = $1`, id)
	return err
}

func deleteRecoveryCodes(ctx context.Context, tx pgx.Tx, userID uuid.UUID) error {
	_, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID)
	return err
}

func replaceRecoveryCodes(ctx context.Context, tx pgx.Tx, agencyID, userID uuid.UUID, hashes [][]byte) error {
	if err := deleteRecoveryCodes(ctx, tx, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (agency_id, user_id, code_hash) VALUES ($1, $2, $3)`, agencyID, userID, h); err != nil {
			return err
		}
	}
	return nil
}

func useRecoveryCode(ctx context.Context, tx pgx.Tx, userID uuid.UUID, hash []byte) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, hash)
	return tag.RowsAffected() == 1, err
}

func countUnusedRecoveryCodes(ctx context.Context, tx pgx.Tx, userID uuid.UUID) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	return n, err
}

// --- sessions ---

func insertSession(ctx context.Context, tx pgx.Tx, agencyID, userID uuid.UUID, tokenHash []byte, pending bool, expires time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO user_sessions (agency_id, token_hash, user_id, second_factor_pending, expires_at)
		VALUES (@agency_id, @token_hash, @user_id, @second_factor_pending, @expires_at)`,
		pgx.NamedArgs{"agency_id": agencyID, "token_hash": tokenHash, "user_id": userID, "second_factor_pending": pending, "expires_at": expires})
	return err
}

type sessionRow struct {
	userID   uuid.UUID
	pending  bool
	lastSeen time.Time
	expires  time.Time
}

func selectSession(ctx context.Context, tx pgx.Tx, tokenHash []byte) (sessionRow, error) {
	type row struct {
		UserID   uuid.UUID `db:"user_id"`
		Pending  bool      `db:"second_factor_pending"`
		LastSeen time.Time `db:"last_seen_at"`
		Expires  time.Time `db:"expires_at"`
	}
	r, err := one[row](tx.Query(ctx, `SELECT user_id, second_factor_pending, last_seen_at, expires_at FROM user_sessions WHERE token_hash = $1`, tokenHash))
	if errors.Is(err, ErrNotFound) {
		err = ErrNoSession
	}
	return sessionRow{userID: r.UserID, pending: r.Pending, lastSeen: r.LastSeen, expires: r.Expires}, err
}

func touchSession(ctx context.Context, tx pgx.Tx, tokenHash []byte, now, expires time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE user_sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1`, tokenHash, now, expires)
	return err
}

func clearSessionPending(ctx context.Context, tx pgx.Tx, tokenHash []byte) error {
	_, err := tx.Exec(ctx, `UPDATE user_sessions SET second_factor_pending = false WHERE token_hash = $1`, tokenHash)
	return err
}

func deleteSession(ctx context.Context, tx pgx.Tx, tokenHash []byte) error {
	_, err := tx.Exec(ctx, `DELETE FROM user_sessions WHERE token_hash = $1`, tokenHash)
	return err
}

func deleteUserSessions(ctx context.Context, tx pgx.Tx, userID uuid.UUID) error {
	_, err := tx.Exec(ctx, `DELETE FROM user_sessions WHERE user_id = $1`, userID)
	return err
}

func wrap(op string, err error) error {
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoSession) || errors.Is(err, ErrSecondFactorOn) ||
		errors.Is(err, ErrNoEnrolment) {
		return err
	}
	return fmt.Errorf("people: %s: %w", op, err)
}
