package people

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/validation"
)

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// UserInput is what an administrator types into the user form.
type UserInput struct {
	Login        string
	FullName     string
	Role         Role
	DepartmentID string // empty: no department
}

func (in *UserInput) validate(creating bool, allowed []Role) (validation.Errors, *uuid.UUID) {
	errs := validation.Errors{}
	in.FullName = strings.Join(strings.Fields(in.FullName), " ")
	if creating {
		in.Login = NormalizeLogin(in.Login)
		if !loginPattern.MatchString(in.Login) {
			errs.Add("login", "Логин: от 3 до 64 символов — латинские буквы, цифры, точка, дефис, подчёркивание; начинается с буквы или цифры.")
		}
	}
	if in.FullName == "" {
		errs.Add("full_name", "Укажите фамилию, имя и отчество.")
	} else if utf8.RuneCountInString(in.FullName) > 300 {
		errs.Add("full_name", "Не длиннее 300 символов.")
	}
	roleOK := false
	for _, r := range allowed {
		roleOK = roleOK || in.Role == r
	}
	if !roleOK {
		errs.Add("role", "Выберите роль из списка.")
	}
	var dept *uuid.UUID
	if in.DepartmentID != "" {
		id, err := uuid.Parse(in.DepartmentID)
		if err != nil {
			errs.Add("department_id", "Выберите отдел из списка.")
		} else {
			dept = &id
		}
	}
	return errs, dept
}

// Users lists the principal's agency's users.
func (s *Service) Users(ctx context.Context, by *Principal) ([]User, error) {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return nil, err
	}
	var users []User
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) (err error) {
		users, err = selectUsers(ctx, tx)
		return err
	})
	return users, wrap("list users", err)
}

// User returns one user of the principal's agency; another agency's user is
// ErrNotFound, exactly like a user that does not exist.
func (s *Service) User(ctx context.Context, by *Principal, id uuid.UUID) (User, error) {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return User{}, err
	}
	var u User
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) (err error) {
		u, err = selectUser(ctx, tx, id)
		return err
	})
	return u, wrap("get user", err)
}

// CreateUser adds a user with a temporary password, which is returned to be
// handed over once; the user must change it at first login.
func (s *Service) CreateUser(ctx context.Context, by *Principal, in UserInput) (User, string, error) {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return User{}, "", err
	}
	errs, dept := in.validate(true, AgencyRoles())
	if err := errs.Err(); err != nil {
		return User{}, "", err
	}
	u := User{AgencyID: by.Agency.ID, ID: uuid.New(), Login: in.Login, FullName: in.FullName, Role: in.Role,
		DepartmentID: dept, MustChangePassword: true}
	password, err := generatePassword()
	if err != nil {
		return User{}, "", err
	}
	err = s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		if err := createUser(ctx, tx, u, password); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "user.create", ObjectType: "user", ObjectID: u.ID.String(),
			Details: map[string]any{"login": u.Login, "role": u.Role}})
	})
	if err != nil {
		return User{}, "", err
	}
	return u, password, nil
}

// createUser inserts a user, translating key conflicts into field errors.
func createUser(ctx context.Context, tx pgx.Tx, u User, password string) error {
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	err = insertUser(ctx, tx, u, hash)
	switch {
	case isUniqueViolation(err):
		return validation.Errors{"login": "Этот логин уже занят. Выберите другой."}
	case isForeignKeyViolation(err):
		return validation.Errors{"department_id": "Такого отдела нет."}
	}
	return wrap("create user", err)
}

// UpdateUser changes a user's name, role and department.
func (s *Service) UpdateUser(ctx context.Context, by *Principal, id uuid.UUID, in UserInput) error {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return err
	}
	errs, dept := in.validate(false, AgencyRoles())
	if id == by.User.ID && in.Role != RoleAgencyAdmin {
		errs.Add("role", "Нельзя снять с себя роль администратора: попросите другого администратора.")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		before, err := selectUser(ctx, tx, id)
		if err != nil {
			return err
		}
		ok, err := updateUserProfile(ctx, tx, User{ID: id, FullName: in.FullName, Role: in.Role, DepartmentID: dept})
		if isForeignKeyViolation(err) {
			return validation.Errors{"department_id": "Такого отдела нет."}
		}
		if err != nil || !ok {
			return notFoundUnless(ok, err)
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "user.update", ObjectType: "user", ObjectID: id.String(),
			Details: map[string]any{"role_before": before.Role, "role": in.Role}})
	})
}

// SetUserDisabled switches a user off (ending their sessions) or on again.
func (s *Service) SetUserDisabled(ctx context.Context, by *Principal, id uuid.UUID, disabled bool) error {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return err
	}
	if id == by.User.ID && disabled {
		return validation.Errors{"user": "Нельзя отключить собственную учётную запись."}
	}
	return s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		ok, err := setUserDisabled(ctx, tx, id, disabled)
		if err != nil || !ok {
			return notFoundUnless(ok, err)
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
			if err := deleteUserSessions(ctx, tx, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: action, ObjectType: "user", ObjectID: id.String()})
	})
}

// ResetPassword gives a user a new temporary password and ends their sessions.
func (s *Service) ResetPassword(ctx context.Context, by *Principal, id uuid.UUID) (string, error) {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return "", err
	}
	password, err := generatePassword()
	if err != nil {
		return "", err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return "", err
	}
	err = s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		ok, err := setPassword(ctx, tx, id, hash, true)
		if err != nil || !ok {
			return notFoundUnless(ok, err)
		}
		if err := deleteUserSessions(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "user.reset_password", ObjectType: "user", ObjectID: id.String()})
	})
	if err != nil {
		return "", wrap("reset password", err)
	}
	return password, nil
}

// ChangePassword lets people change their own password. The person's other
// sessions end — whoever knew the old password is logged out — and the
// current one is replaced by a new token, which p carries afterwards.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string) error {
	errs := validation.Errors{}
	if msg := passwordProblem(next, p.User.Login); msg != "" {
		errs.Add("new_password", msg)
	}
	if next == current {
		errs.Add("new_password", "Новый пароль должен отличаться от текущего.")
	}
	var token string
	err := s.inAgency(ctx, p.Agency.ID, func(tx pgx.Tx) error {
		c, err := selectCredentials(ctx, tx, p.User.ID)
		if err != nil {
			return err
		}
		if ok, err := checkPassword(c.hash, current); err != nil {
			return err
		} else if !ok {
			errs.Add("current_password", "Текущий пароль введён неверно.")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		hash, err := hashPassword(next)
		if err != nil {
			return err
		}
		if _, err := setPassword(ctx, tx, p.User.ID, hash, false); err != nil {
			return err
		}
		if err := deleteUserSessions(ctx, tx, p.User.ID); err != nil {
			return err
		}
		token, err = newToken()
		if err != nil {
			return err
		}
		if err := insertSession(ctx, tx, p.Agency.ID, p.User.ID, hashToken(token), false, s.now().Add(s.policy.SessionIdle)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Entry{Action: "user.change_password", ObjectType: "user", ObjectID: p.User.ID.String(),
			Details: map[string]any{"other_sessions_ended": true}})
	})
	if err != nil {
		return wrap("change password", err)
	}
	p.token = token
	return nil
}

// UnlockUser lifts the lock that repeated failed logins put on a user.
func (s *Service) UnlockUser(ctx context.Context, by *Principal, id uuid.UUID) error {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return err
	}
	return s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		ok, err := resetFailures(ctx, tx, id)
		if err != nil || !ok {
			return notFoundUnless(ok, err)
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "user.unlock", ObjectType: "user", ObjectID: id.String()})
	})
}

// ResetSecondFactor removes a user's lost second factor and recovery codes
// and ends their sessions; if the agency requires a second factor, the user
// enrols again right after the next login.
func (s *Service) ResetSecondFactor(ctx context.Context, by *Principal, id uuid.UUID) error {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return err
	}
	if id == by.User.ID {
		return validation.Errors{"user": "Нельзя сбросить собственный второй фактор: попросите другого администратора."}
	}
	return s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		ok, err := setTOTPSecret(ctx, tx, id, nil)
		if err != nil || !ok {
			return notFoundUnless(ok, err)
		}
		if err := deleteRecoveryCodes(ctx, tx, id); err != nil {
			return err
		}
		if err := deleteUserSessions(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "user.reset_second_factor", ObjectType: "user", ObjectID: id.String()})
	})
}

func notFoundUnless(ok bool, err error) error {
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	return nil
}

// Departments lists the principal's agency's departments.
func (s *Service) Departments(ctx context.Context, by *Principal) ([]Department, error) {
	var out []Department
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) (err error) {
		out, err = selectDepartments(ctx, tx)
		return err
	})
	return out, wrap("list departments", err)
}

func validDepartmentName(name string) (string, validation.Errors) {
	name = strings.Join(strings.Fields(name), " ")
	errs := validation.Errors{}
	if name == "" {
		errs.Add("name", "Укажите название отдела.")
	} else if utf8.RuneCountInString(name) > 300 {
		errs.Add("name", "Не длиннее 300 символов.")
	}
	return name, errs
}

// CreateDepartment adds a department to the principal's agency.
func (s *Service) CreateDepartment(ctx context.Context, by *Principal, name string) (uuid.UUID, error) {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return uuid.Nil, err
	}
	name, errs := validDepartmentName(name)
	if err := errs.Err(); err != nil {
		return uuid.Nil, err
	}
	id := uuid.New()
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		if err := insertDepartment(ctx, tx, by.Agency.ID, id, name); isUniqueViolation(err) {
			return validation.Errors{"name": "Отдел с таким названием уже есть."}
		} else if err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "department.create", ObjectType: "department", ObjectID: id.String(),
			Details: map[string]any{"name": name}})
	})
	return id, wrap("create department", err)
}

// RenameDepartment renames a department of the principal's agency.
func (s *Service) RenameDepartment(ctx context.Context, by *Principal, id uuid.UUID, name string) error {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return err
	}
	name, errs := validDepartmentName(name)
	if err := errs.Err(); err != nil {
		return err
	}
	return s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		ok, err := renameDepartment(ctx, tx, id, name)
		if isUniqueViolation(err) {
			return validation.Errors{"name": "Отдел с таким названием уже есть."}
		}
		if err != nil || !ok {
			return notFoundUnless(ok, err)
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "department.rename", ObjectType: "department", ObjectID: id.String(),
			Details: map[string]any{"name": name}})
	})
}

// SetRequireSecondFactor changes whether heads and administrators of the
// principal's agency must use a second factor.
func (s *Service) SetRequireSecondFactor(ctx context.Context, by *Principal, require bool) error {
	if err := s.require(by, RoleAgencyAdmin); err != nil {
		return err
	}
	return s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		if err := updateAgencySecondFactor(ctx, tx, by.Agency.ID, require); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "agency.settings", ObjectType: "agency", ObjectID: by.Agency.ID.String(),
			Details: map[string]any{"require_second_factor": require}})
	})
}

// AgencyInput is what the platform administrator types to create an agency
// together with its first administrator.
type AgencyInput struct {
	Code, Name, ShortName string
	AdminLogin, AdminName string
}

var agencyCodePattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,31}$`)

// Agencies lists all agencies (platform administrators only).
func (s *Service) Agencies(ctx context.Context, by *Principal) ([]Agency, error) {
	if err := s.require(by, RolePlatformAdmin); err != nil {
		return nil, err
	}
	var out []Agency
	err := database.Unscoped(ctx, s.pool, func(tx pgx.Tx) (err error) {
		out, err = selectAgencies(ctx, tx)
		return err
	})
	return out, wrap("list agencies", err)
}

// CreateAgency adds a tenant and its first administrator, whose temporary
// password is returned once. The agency, the user and both audit entries
// commit together.
func (s *Service) CreateAgency(ctx context.Context, by *Principal, in AgencyInput) (Agency, string, error) {
	if err := s.require(by, RolePlatformAdmin); err != nil {
		return Agency{}, "", err
	}
	errs := validation.Errors{}
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.ShortName = strings.Join(strings.Fields(in.ShortName), " ")
	if !agencyCodePattern.MatchString(in.Code) {
		errs.Add("code", "Код: от 2 до 32 символов — заглавные латинские буквы, цифры и подчёркивание, начинается с буквы.")
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 300 {
		errs.Add("name", "Укажите полное название (до 300 символов).")
	}
	if in.ShortName == "" || utf8.RuneCountInString(in.ShortName) > 100 {
		errs.Add("short_name", "Укажите краткое название (до 100 символов).")
	}
	admin := UserInput{Login: in.AdminLogin, FullName: in.AdminName, Role: RoleAgencyAdmin}
	adminErrs, _ := admin.validate(true, []Role{RoleAgencyAdmin})
	if msg, ok := adminErrs["login"]; ok {
		errs.Add("admin_login", msg)
	}
	if msg, ok := adminErrs["full_name"]; ok {
		errs.Add("admin_name", msg)
	}
	if err := errs.Err(); err != nil {
		return Agency{}, "", err
	}
	a := Agency{ID: uuid.New(), Code: in.Code, Name: in.Name, ShortName: in.ShortName}
	password, err := generatePassword()
	if err != nil {
		return Agency{}, "", err
	}
	// The agency row is a reference row; the admin user is a tenant row, so
	// the whole transaction runs in the new agency's scope.
	err = s.inAgency(ctx, a.ID, func(tx pgx.Tx) error {
		if err := insertAgency(ctx, tx, a); isUniqueViolation(err) {
			return validation.Errors{"code": "Ведомство с таким кодом уже есть."}
		} else if err != nil {
			return err
		}
		u := User{AgencyID: a.ID, ID: uuid.New(), Login: admin.Login, FullName: admin.FullName, Role: RoleAgencyAdmin, MustChangePassword: true}
		if err := createUser(ctx, tx, u, password); err != nil {
			var fe validation.Errors
			if errors.As(err, &fe) {
				return validation.Errors{"admin_login": fe["login"]}
			}
			return err
		}
		details := map[string]any{"code": a.Code, "name": a.Name, "by_agency": by.Agency.Code}
		if err := audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "agency.create", ObjectType: "agency", ObjectID: a.ID.String(), Details: details}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by.Actor(), audit.Entry{Action: "user.create", ObjectType: "user", ObjectID: u.ID.String(),
			Details: map[string]any{"login": u.Login, "role": u.Role}})
	})
	if err != nil {
		return Agency{}, "", wrap("create agency", err)
	}
	return a, password, nil
}

// Colleagues lists the active clerks and heads of the principal's agency:
// the people cases can be assigned to.
func (s *Service) Colleagues(ctx context.Context, by *Principal) ([]User, error) {
	if err := s.require(by, RoleClerk, RoleHead); err != nil {
		return nil, err
	}
	var users []User
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) (err error) {
		all, err := selectUsers(ctx, tx)
		for _, u := range all {
			if !u.Disabled() && (u.Role == RoleClerk || u.Role == RoleHead) {
				users = append(users, u)
			}
		}
		return err
	})
	return users, wrap("list colleagues", err)
}
