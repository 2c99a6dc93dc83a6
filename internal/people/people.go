// Package people owns who may use Okno: agencies (tenants), their departments
// and users, roles, passwords (argon2id), lockout after repeated failures,
// login sessions, and the TOTP second factor with recovery codes.
//
// Every change is written together with its audit entry in one transaction
// scoped to the agency (database.InAgency), so row-level security applies even
// where a query forgets the agency.
package people

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Role is what a user may do in an agency.
type Role string

const (
	RoleClerk         Role = "clerk"          // специалист: works cases
	RoleHead          Role = "head"           // руководитель: approves and signs
	RoleAgencyAdmin   Role = "agency_admin"   // администратор ведомства: people and settings
	RolePlatformAdmin Role = "platform_admin" // администратор платформы: creates agencies
)

// AgencyRoles are the roles an agency administrator may give.
func AgencyRoles() []Role { return []Role{RoleClerk, RoleHead, RoleAgencyAdmin} }

// Title is the role's name in the interface.
func (r Role) Title() string {
	switch r {
	case RoleClerk:
		return "Специалист"
	case RoleHead:
		return "Руководитель"
	case RoleAgencyAdmin:
		return "Администратор ведомства"
	case RolePlatformAdmin:
		return "Администратор платформы"
	}
	return string(r)
}

// Privileged roles must pass a second factor when their agency requires it.
func (r Role) Privileged() bool {
	return r == RoleHead || r == RoleAgencyAdmin || r == RolePlatformAdmin
}

// Agency is a tenant: one ведомство.
type Agency struct {
	ID                  uuid.UUID `db:"id"`
	Code                string    `db:"code"`
	Name                string    `db:"name"`
	ShortName           string    `db:"short_name"`
	IsPlatform          bool      `db:"is_platform"`
	RequireSecondFactor bool      `db:"require_second_factor"`
	// SMEVMnemonic names the agency's information system in SMEV 3; empty
	// when the agency does not use the bus.
	SMEVMnemonic string `db:"smev_mnemonic"`
	// TimeZone is the IANA zone the agency's people read times in
	// (agencies.time_zone, checked by the database).
	TimeZone  string    `db:"time_zone"`
	CreatedAt time.Time `db:"created_at"`
}

// Department is a unit of an agency that cases are assigned to.
type Department struct {
	ID        uuid.UUID `db:"id"`
	Name      string    `db:"name"`
	UserCount int       `db:"user_count"`
}

// User is a person who logs in.
type User struct {
	AgencyID           uuid.UUID  `db:"agency_id"`
	ID                 uuid.UUID  `db:"id"`
	Login              string     `db:"login"`
	FullName           string     `db:"full_name"`
	Role               Role       `db:"role"`
	DepartmentID       *uuid.UUID `db:"department_id"`
	DepartmentName     string     `db:"department_name"`
	MustChangePassword bool       `db:"must_change_password"`
	DisabledAt         *time.Time `db:"disabled_at"`
	LockedUntil        *time.Time `db:"locked_until"`
	SecondFactorOn     bool       `db:"second_factor_on"`
	CreatedAt          time.Time  `db:"created_at"`
}

// Disabled reports whether an administrator switched the user off.
func (u User) Disabled() bool { return u.DisabledAt != nil }

// Errors the web layer turns into Russian messages and statuses.
var (
	ErrBadCredentials  = errors.New("people: unknown login or wrong password")
	ErrDisabled        = errors.New("people: user is disabled")
	ErrNoSession       = errors.New("people: no such session")
	ErrSessionExpired  = errors.New("people: session expired")
	ErrNotFound        = errors.New("people: not found")
	ErrForbidden       = errors.New("people: not allowed for this role")
	ErrBadSecondFactor = errors.New("people: wrong one-time code")
	ErrCodeUsed        = errors.New("people: one-time code already used")
	ErrSecondFactorOn  = errors.New("people: second factor already enabled")
	ErrNoEnrolment     = errors.New("people: no second-factor enrolment started")
)

// LockedError says the account is locked after too many failures, until
// when, and the agency's zone (IANA name) to say that time on its clock.
type LockedError struct {
	Until    time.Time
	TimeZone string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("people: account locked until %s", e.Until.Format(time.RFC3339))
}
