package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/validation"
	"github.com/okno-oiv/okno/views"
)

// pathID reads the {id} of the route; a malformed id is simply not found.
func pathID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		return uuid.Nil, errNotFound
	}
	return id, nil
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) error {
	users, err := s.People.Users(r.Context(), principal(r))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, views.UsersPage(s.chrome(w, r, "Пользователи"), users))
	return nil
}

func (s *Server) userForm(r *http.Request, f views.UserForm) (views.UserForm, error) {
	deps, err := s.People.Departments(r.Context(), principal(r))
	if err != nil {
		return f, err
	}
	f.Departments, f.Roles = deps, people.AgencyRoles()
	return f, nil
}

func (s *Server) renderUserForm(w http.ResponseWriter, r *http.Request, status int, f views.UserForm) error {
	f, err := s.userForm(r, f)
	if err != nil {
		return err
	}
	title := "Новый пользователь"
	if !f.IsNew {
		title = f.User.FullName
		f.Locked = f.User.LockedUntil != nil && time.Now().Before(*f.User.LockedUntil)
	}
	s.render(w, r, status, views.UserFormPage(s.chrome(w, r, title), f))
	return nil
}

func (s *Server) newUserPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderUserForm(w, r, http.StatusOK, views.UserForm{IsNew: true, Values: map[string]string{"role": string(people.RoleClerk)}})
}

func userInput(f map[string]string) people.UserInput {
	return people.UserInput{Login: f["login"], FullName: f["full_name"], Role: people.Role(f["role"]), DepartmentID: f["department_id"]}
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	u, password, err := s.People.CreateUser(r.Context(), principal(r), userInput(f))
	var problems validation.Errors
	if errors.As(err, &problems) {
		return s.renderUserForm(w, r, http.StatusUnprocessableEntity, views.UserForm{IsNew: true, Values: f, Problems: problems})
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusCreated, views.PasswordIssuedPage(s.chrome(w, r, "Пользователь создан"), u, password, true))
	return nil
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := s.People.User(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	values := map[string]string{"full_name": u.FullName, "role": string(u.Role)}
	if u.DepartmentID != nil {
		values["department_id"] = u.DepartmentID.String()
	}
	return s.renderUserForm(w, r, http.StatusOK, views.UserForm{User: u, Values: values})
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := form(r)
	if err != nil {
		return err
	}
	p := principal(r)
	err = s.People.UpdateUser(r.Context(), p, id, userInput(f))
	var problems validation.Errors
	if errors.As(err, &problems) {
		u, err := s.People.User(r.Context(), p, id)
		if err != nil {
			return err
		}
		return s.renderUserForm(w, r, http.StatusUnprocessableEntity, views.UserForm{User: u, Values: f, Problems: problems})
	}
	if err != nil {
		return err
	}
	s.flash(w, r, flashOK, "Изменения сохранены.")
	s.redirect(w, r, "/admin/users/"+id.String())
	return nil
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) error {
	return s.setDisabled(w, r, true)
}
func (s *Server) enableUser(w http.ResponseWriter, r *http.Request) error {
	return s.setDisabled(w, r, false)
}

func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	err = s.People.SetUserDisabled(r.Context(), principal(r), id, disabled)
	var problems validation.Errors
	switch {
	case errors.As(err, &problems):
		s.flash(w, r, flashError, problems["user"])
	case err != nil:
		return err
	case disabled:
		s.flash(w, r, flashOK, "Учётная запись отключена, её сеансы завершены.")
	default:
		s.flash(w, r, flashOK, "Учётная запись включена.")
	}
	s.redirect(w, r, "/admin/users/"+id.String())
	return nil
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p := principal(r)
	password, err := s.People.ResetPassword(r.Context(), p, id)
	if err != nil {
		return err
	}
	u, err := s.People.User(r.Context(), p, id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, views.PasswordIssuedPage(s.chrome(w, r, "Пароль сброшен"), u, password, false))
	return nil
}

func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.People.UnlockUser(r.Context(), principal(r), id); err != nil {
		return err
	}
	s.flash(w, r, flashOK, "Блокировка снята. Пользователь может войти.")
	s.redirect(w, r, "/admin/users/"+id.String())
	return nil
}

func (s *Server) resetSecondFactor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	err = s.People.ResetSecondFactor(r.Context(), principal(r), id)
	var problems validation.Errors
	switch {
	case errors.As(err, &problems):
		s.flash(w, r, flashError, problems["user"])
	case err != nil:
		return err
	default:
		s.flash(w, r, flashOK, "Второй фактор сброшен, резервные коды и сеансы пользователя удалены. При следующем входе пользователь подключит его заново, если ведомство этого требует.")
	}
	s.redirect(w, r, "/admin/users/"+id.String())
	return nil
}

func (s *Server) departmentsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderDepartments(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderDepartments(w http.ResponseWriter, r *http.Request, status int, values map[string]string, problems validation.Errors) error {
	deps, err := s.People.Departments(r.Context(), principal(r))
	if err != nil {
		return err
	}
	s.render(w, r, status, views.DepartmentsPage(s.chrome(w, r, "Отделы"), deps, values, problems))
	return nil
}

func (s *Server) createDepartment(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	_, err = s.People.CreateDepartment(r.Context(), principal(r), f["name"])
	var problems validation.Errors
	if errors.As(err, &problems) {
		return s.renderDepartments(w, r, http.StatusUnprocessableEntity, f, problems)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, flashOK, "Отдел добавлен.")
	s.redirect(w, r, "/admin/departments")
	return nil
}

func (s *Server) renameDepartment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := form(r)
	if err != nil {
		return err
	}
	err = s.People.RenameDepartment(r.Context(), principal(r), id, f["name"])
	var problems validation.Errors
	switch {
	case errors.As(err, &problems):
		s.flash(w, r, flashError, problems["name"])
	case err != nil:
		return err
	default:
		s.flash(w, r, flashOK, "Отдел переименован.")
	}
	s.redirect(w, r, "/admin/departments")
	return nil
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, views.SettingsPage(s.chrome(w, r, "Настройки безопасности")))
	return nil
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	if err := s.People.SetRequireSecondFactor(r.Context(), principal(r), f["require_second_factor"] == "on"); err != nil {
		return err
	}
	s.flash(w, r, flashOK, "Настройки сохранены.")
	s.redirect(w, r, "/admin/settings")
	return nil
}

const auditPageSize = 100

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), ActorLogin: q.Get("actor"), Limit: auditPageSize}
	if before, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && before > 0 {
		f.BeforeSeq = before
	}
	rows, broken, err := s.AuditLog.Report(r.Context(), principal(r).Agency.ID, f)
	if err != nil {
		return err
	}
	var next int64
	if len(rows) == auditPageSize {
		next = rows[len(rows)-1].Seq
	}
	s.render(w, r, http.StatusOK, views.AuditPage(s.chrome(w, r, "Журнал аудита"), rows, f, broken, next))
	return nil
}
