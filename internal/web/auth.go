package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/views"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if p := principal(r); p != nil && !p.SecondFactorPending {
		s.redirect(w, r, "/")
		return nil
	}
	s.render(w, r, http.StatusOK, views.LoginPage(s.chrome(w, r, "Вход"), "", ""))
	return nil
}

// login checks the password and starts a new session; a session the browser
// already had is ended, so its id never survives a login (rotation).
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	p, err := s.People.Login(r.Context(), f["login"], f["password"], s.clientIP(r))
	if err != nil {
		status, msg := loginProblem(err)
		if status == 0 {
			return err
		}
		s.render(w, r, status, views.LoginPage(s.chrome(w, r, "Вход"), f["login"], msg))
		return nil
	}
	if old := principal(r); old != nil {
		if err := s.People.Logout(r.Context(), old); err != nil {
			return err
		}
	}
	sess := cookieSession(r)
	sess.Values["agency"] = p.Agency.ID.String()
	sess.Values["token"] = p.Token()
	s.saveSession(w, r)
	if p.SecondFactorPending {
		s.redirect(w, r, "/login/second-factor"+nextQuery(r))
		return nil
	}
	s.redirect(w, r, safeNext(r.URL.Query().Get("next")))
	return nil
}

// loginProblem is what the login form says about a refused attempt. Unknown
// login and wrong password read the same, so the form does not reveal who has
// an account.
func loginProblem(err error) (int, string) {
	var locked *people.LockedError
	switch {
	case errors.Is(err, people.ErrBadCredentials):
		return http.StatusUnauthorized, "Неверный логин или пароль."
	case errors.As(err, &locked):
		return http.StatusTooManyRequests, fmt.Sprintf("Слишком много неудачных попыток входа. Вход заблокирован до %s, время %s. Повторите позже или обратитесь к администратору ведомства.",
			views.FormatClock(locked.Until, views.AgencyZone(nil)), views.ZoneLabel(views.AgencyZone(nil)))
	case errors.Is(err, people.ErrDisabled):
		return http.StatusForbidden, "Учётная запись отключена. Обратитесь к администратору ведомства."
	}
	return 0, ""
}

func (s *Server) secondFactorPage(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).SecondFactorPending {
		s.redirect(w, r, "/")
		return nil
	}
	s.render(w, r, http.StatusOK, views.SecondFactorPage(s.chrome(w, r, "Подтверждение входа"), ""))
	return nil
}

func (s *Server) secondFactor(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.SecondFactorPending {
		s.redirect(w, r, "/")
		return nil
	}
	f, err := form(r)
	if err != nil {
		return err
	}
	err = s.People.VerifySecondFactor(r.Context(), p, f["code"])
	var locked *people.LockedError
	switch {
	case err == nil:
		s.redirect(w, r, safeNext(r.URL.Query().Get("next")))
		return nil
	case errors.Is(err, people.ErrBadSecondFactor):
		s.render(w, r, http.StatusUnauthorized, views.SecondFactorPage(s.chrome(w, r, "Подтверждение входа"),
			"Код не подошёл. Проверьте время на телефоне и введите новый код или резервный код."))
		return nil
	case errors.As(err, &locked):
		_, msg := loginProblem(err)
		s.clearLogin(w, r)
		s.flash(w, r, flashError, msg)
		s.redirect(w, r, "/login")
		return nil
	}
	return err
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.People.Logout(r.Context(), principal(r)); err != nil {
		return err
	}
	s.clearLogin(w, r)
	s.flash(w, r, flashOK, "Вы вышли из системы.")
	s.redirect(w, r, "/login")
	return nil
}

func (s *Server) clearLogin(w http.ResponseWriter, r *http.Request) {
	sess := cookieSession(r)
	delete(sess.Values, "agency")
	delete(sess.Values, "token")
	s.saveSession(w, r)
}

// safeNext keeps post-login redirects inside Okno.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func nextQuery(r *http.Request) string {
	if next := r.URL.Query().Get("next"); next != "" {
		return "?next=" + url.QueryEscape(safeNext(next))
	}
	return ""
}
