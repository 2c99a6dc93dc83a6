package people

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"image/png"
	"strings"

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

// BeginSecondFactor starts (or resumes) TOTP enrolment: the secret is kept
// but not active until ConfirmSecondFactor proves the app produces codes.
func (s *Service) BeginSecondFactor(ctx context.Context, p *Principal) (Enrolment, error) {
	var e Enrolment
	err := s.inAgency(ctx, p.Agency.ID, func(tx pgx.Tx) error {
		c, err := selectCredentials(ctx, tx, p.User.ID)
		if err != nil {
			return err
		}
		if c.totpEnabled {
			// Re-enrolling would silently switch the working factor off.
			return ErrSecondFactorOn
		}
		var key *otp.Key
		if c.totpSecret != nil && !c.totpEnabled {
			// Reloading the page must not invalidate a code already scanned.
			key, err = totpKey(p.User.Login, *c.totpSecret)
		} else {
			key, err = totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: p.User.Login})
			if err == nil {
				secret := key.Secret()
				err = setTOTPSecret(ctx, tx, p.User.ID, &secret)
			}
		}
		if err != nil {
			return err
		}
		img, err := key.Image(240, 240)
		if err != nil {
			return fmt.Errorf("qr image: %w", err)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return fmt.Errorf("qr png: %w", err)
		}
		e = Enrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}
		return nil
	})
	return e, wrap("begin second factor", err)
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
		if c.totpSecret == nil || c.totpEnabled || !validTOTP(*c.totpSecret, code, s) {
			outcome = ErrBadSecondFactor
			return nil
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
// a current TOTP code or an unused recovery code. Wrong codes count towards
// the same lock as wrong passwords.
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
		ok := c.totpEnabled && c.totpSecret != nil && validTOTP(*c.totpSecret, code, s)
		if !ok && c.totpEnabled {
			method = "recovery_code"
			ok, err = useRecoveryCode(ctx, tx, p.User.ID, hashRecoveryCode(code))
			if err != nil {
				return err
			}
		}
		if !ok {
			outcome = s.countFailure(ctx, tx, p.User.ID, c.failedLogins)
			if _, locked := outcome.(*LockedError); locked {
				if err := deleteSession(ctx, tx, hashToken(p.token)); err != nil {
					return err
				}
			} else {
				outcome = ErrBadSecondFactor
			}
			return audit.Record(ctx, tx, p.Actor(), audit.Entry{Action: "login.second_factor_failed", ObjectType: "user", ObjectID: p.User.ID.String()})
		}
		if err := resetFailures(ctx, tx, p.User.ID); err != nil {
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

func validTOTP(secret, code string, s *Service) bool {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	ok, err := totp.ValidateCustom(code, secret, s.now(), totp.ValidateOpts{
		Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	return err == nil && ok
}
