package people

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/okno-oiv/okno/internal/audit"
)

const (
	totpIssuer        = "Окно"
	recoveryCodeCount = 10
	recoveryAlphabet  = "abcdefghjkmnpqrstuvwxyz23456789"
)

// Enrolment is what a person needs to add Okno to an authenticator app.
type Enrolment struct {
	Secret string // base32, for typing in by hand
	URL    string // otpauth:// URL, also encoded in QR
	QRPNG  []byte
}

// StartSecondFactor begins TOTP enrolment with a new secret, kept sealed and
// inactive until ConfirmSecondFactor proves the app produces its codes. A
// secret of an earlier, unfinished start is replaced.
func (s *Service) StartSecondFactor(ctx context.Context, p *Principal) error {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: p.User.Login})
	if err != nil {
		return fmt.Errorf("people: totp secret: %w", err)
	}
	sealed, err := s.secrets.seal(p.User.ID, key.Secret())
	if err != nil {
		return err
	}
	err = s.inAgency(ctx, p.Agency.ID, func(tx pgx.Tx) error {
		c, err := selectCredentials(ctx, tx, p.User.ID)
		if err != nil {
			return err
		}
		if c.totpEnabled {
			// Re-enrolling would silently switch the working factor off.
			return ErrSecondFactorOn
		}
		if _, err := setTOTPSecret(ctx, tx, p.User.ID, &sealed); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Entry{Action: "second_factor.start", ObjectType: "user", ObjectID: p.User.ID.String()})
	})
	return wrap("start second factor", err)
}

// PendingSecondFactor shows the enrolment StartSecondFactor began, changing
// nothing: ErrNoEnrolment when none was started, ErrSecondFactorOn when the
// factor already works.
func (s *Service) PendingSecondFactor(ctx context.Context, p *Principal) (Enrolment, error) {
	var secret string
	err := s.inAgency(ctx, p.Agency.ID, func(tx pgx.Tx) error {
		c, err := selectCredentials(ctx, tx, p.User.ID)
		switch {
		case err != nil:
			return err
		case c.totpEnabled:
			return ErrSecondFactorOn
		case c.totpSecret == nil:
			return ErrNoEnrolment
		}
		secret, _, err = s.secrets.open(p.User.ID, *c.totpSecret)
		return err
	})
	if err != nil {
		return Enrolment{}, wrap("pending second factor", err)
	}
	key, err := totpKey(p.User.Login, secret)
	if err != nil {
		return Enrolment{}, fmt.Errorf("people: totp key: %w", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, fmt.Errorf("people: qr image: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, fmt.Errorf("people: qr png: %w", err)
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

func totpKey(login, secret string) (*otp.Key, error) {
	return otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s", totpIssuer, login, secret, totpIssuer))
}

// ConfirmSecondFactor activates TOTP when code matches the pending secret and
// returns fresh recovery codes, shown to the person once.
func (s *Service) ConfirmSecondFactor(ctx context.Context, p *Principal, code string) ([]string, error) {
	var codes []string
	var outcome error
	err := s.inAgency(ctx, p.Agency.ID, func(tx pgx.Tx) error {
		c, err := selectCredentials(ctx, tx, p.User.ID)
		if err != nil {
			return err
		}
		if c.totpSecret == nil || c.totpEnabled {
			outcome = ErrBadSecondFactor
			return nil
		}
		if outcome, err = s.useTOTP(ctx, tx, p.User.ID, c, code); err != nil || outcome != nil {
			return err
		}
		if err := enableTOTP(ctx, tx, p.User.ID); err != nil {
			return err
		}
		codes, err = s.issueRecoveryCodes(ctx, tx, p)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Entry{Action: "second_factor.enable", ObjectType: "user", ObjectID: p.User.ID.String()})
	})
	if err != nil {
		return nil, wrap("confirm second factor", err)
	}
	return codes, outcome
}

// VerifySecondFactor completes a login whose password was right: the code is
// a current TOTP code not used before or an unused recovery code. Wrong and
// replayed codes count towards the same lock as wrong passwords.
func (s *Service) VerifySecondFactor(ctx context.Context, p *Principal, code string) error {
	var outcome error
	err := s.inAgency(ctx, p.Agency.ID, func(tx pgx.Tx) error {
		c, err := selectCredentials(ctx, tx, p.User.ID)
		if err != nil {
			return err
		}
		if c.lockedUntil != nil && s.now().Before(*c.lockedUntil) {
			outcome = &LockedError{Until: *c.lockedUntil}
			return deleteSession(ctx, tx, hashToken(p.token))
		}
		method := "totp"
		refusal := ErrBadSecondFactor
		var sealErr error
		if c.totpEnabled && c.totpSecret != nil {
			refusal, err = s.useTOTP(ctx, tx, p.User.ID, c, code)
			if errors.Is(err, errSealBroken) {
				// A wrong or lost secrets key must not lock out a person who
				// still has a recovery code.
				sealErr, refusal = err, ErrBadSecondFactor
			} else if err != nil {
				return err
			}
		}
		if refusal == ErrBadSecondFactor && c.totpEnabled {
			method = "recovery_code"
			ok, err := useRecoveryCode(ctx, tx, p.User.ID, hashRecoveryCode(code))
			if err != nil {
				return err
			}
			if ok {
				refusal = nil
			}
		}
		if refusal != nil {
			outcome = s.countFailure(ctx, tx, p.User.ID, c.failedLogins)
			if _, locked := outcome.(*LockedError); locked {
				if err := deleteSession(ctx, tx, hashToken(p.token)); err != nil {
					return err
				}
			} else if sealErr != nil {
				// Counted like any failure, but reported as the fault it is.
				outcome = fmt.Errorf("people: verify second factor: %w", sealErr)
			} else {
				outcome = refusal
			}
			return audit.Record(ctx, tx, p.Actor(), audit.Entry{Action: "login.second_factor_failed", ObjectType: "user", ObjectID: p.User.ID.String(),
				Details: map[string]any{"replayed": refusal == ErrCodeUsed}})
		}
		if _, err := resetFailures(ctx, tx, p.User.ID); err != nil {
			return err
		}
		if err := clearSessionPending(ctx, tx, hashToken(p.token)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Entry{Action: "login.second_factor", ObjectType: "user", ObjectID: p.User.ID.String(),
			Details: map[string]any{"method": method}})
	})
	if err != nil {
		return wrap("verify second factor", err)
	}
	var locked *LockedError
	if errors.As(outcome, &locked) {
		locked.TimeZone = p.Agency.TimeZone
	}
	return outcome
}

// RecoveryCodesLeft counts the principal's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, p *Principal) (int, error) {
	var n int
	err := s.inAgency(ctx, p.Agency.ID, func(tx pgx.Tx) (err error) {
		n, err = countUnusedRecoveryCodes(ctx, tx, p.User.ID)
		return err
	})
	return n, wrap("recovery codes", err)
}

func (s *Service) issueRecoveryCodes(ctx context.Context, tx pgx.Tx, p *Principal) ([]string, error) {
	codes := make([]string, recoveryCodeCount)
	hashes := make([][]byte, recoveryCodeCount)
	for i := range codes {
		raw, err := randomString(recoveryAlphabet, 10)
		if err != nil {
			return nil, err
		}
		codes[i] = raw[:5] + "-" + raw[5:]
		hashes[i] = hashRecoveryCode(codes[i])
	}
	return codes, replaceRecoveryCodes(ctx, tx, p.Agency.ID, p.User.ID, hashes)
}

// hashRecoveryCode ignores case, spaces and dashes people add or drop when
// typing a code from paper.
func hashRecoveryCode(code string) []byte {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	h := sha256.Sum256([]byte("okno-recovery:" + norm))
	return h[:]
}

// useTOTP accepts a TOTP code of the user's secret once: the code of a time
// step within one step of now, later than the last step accepted. The step
// is recorded together with the sealed secret, which seals one kept in clear
// by an earlier version. The refusal is ErrBadSecondFactor or ErrCodeUsed.
func (s *Service) useTOTP(ctx context.Context, tx pgx.Tx, userID uuid.UUID, c credentials, code string) (refusal, err error) {
	secret, sealed, err := s.secrets.open(userID, *c.totpSecret)
	if err != nil {
		return nil, err
	}
	step, ok := matchingStep(secret, code, s.now())
	switch {
	case !ok:
		return ErrBadSecondFactor, nil
	case step <= c.totpLastStep:
		return ErrCodeUsed, nil
	}
	stored := *c.totpSecret
	if !sealed {
		if stored, err = s.secrets.seal(userID, secret); err != nil {
			return nil, err
		}
	}
	return nil, useTOTPStep(ctx, tx, userID, step, stored)
}

const totpPeriod = 30 // seconds

// matchingStep finds the time step, within one step either way of now (for a
// phone's clock that is a little off), whose code is code.
func matchingStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	for step := current - 1; step <= current+1; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
		})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}
