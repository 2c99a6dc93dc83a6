package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/views"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if p := principal(r); p != nil && !p.SecondFactorPending {
		s.redirect(w, r, next)
		return nil
	}
	s.render(w, r, http.StatusOK, views.LoginPage(s.chrome(w, r, "Вход"), "", next, ""))
	return nil
}

// login checks the password and starts a new session; a session the browser
// already had is ended, so its id never survives a login (rotation). The
// form's next (where the person was going) survives a refusal and the code
// step.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	next := localPath(f["next"])
	p, err := s.People.Login(r.Context(), f["login"], f["password"], s.clientIP(r))
	if err != nil {
		status, msg := loginProblem(err)
		if status == 0 {
			return err
		}
		s.render(w, r, status, views.LoginPage(s.chrome(w, r, "Вход"), f["login"], next, msg))
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
		s.redirect(w, r, "/login/second-factor"+nextQuery(next))
		return nil
	}
	s.redirect(w, r, next)
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
			views.FormatClock(locked.Until, views.Zone(locked.TimeZone)), views.ZoneLabel(views.Zone(locked.TimeZone)))
	case errors.Is(err, people.ErrDisabled):
		return http.StatusForbidden, "Учётная запись отключена. Обратитесь к администратору ведомства."
	}
	return 0, ""
}

func (s *Server) secondFactorPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if !principal(r).SecondFactorPending {
		s.redirect(w, r, next)
		return nil
	}
	s.render(w, r, http.StatusOK, views.SecondFactorPage(s.chrome(w, r, "Подтверждение входа"), next, ""))
	return nil
}

func (s *Server) secondFactor(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	next := localPath(f["next"])
	p := principal(r)
	if !p.SecondFactorPending {
		s.redirect(w, r, next)
		return nil
	}
	err = s.People.VerifySecondFactor(r.Context(), p, f["code"])
	var locked *people.LockedError
	refuse := func(msg string) error {
		s.render(w, r, http.StatusUnauthorized, views.SecondFactorPage(s.chrome(w, r, "Подтверждение входа"), next, msg))
		return nil
	}
	switch {
	case err == nil:
		s.redirect(w, r, next)
		return nil
	case errors.Is(err, people.ErrCodeUsed):
		return refuse("Этот код уже использован. Дождитесь, пока приложение покажет следующий код, и введите его.")
	case errors.Is(err, people.ErrBadSecondFactor):
		return refuse("Код не подошёл. Проверьте время на телефоне и введите новый код или резервный код.")
	case errors.As(err, &locked):
		_, msg := loginProblem(err)
		s.clearLogin(w, r)
		s.flash(w, r, flashError, msg)
		s.redirect(w, r, "/login"+nextQuery(next))
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

// localPath keeps post-login redirects inside Okno: next must be a path of
// this site, and anything a browser could read as another host — //host,
// /\host, a tab or newline that browsers drop ("/\t/host"), a scheme — leads
// home instead.
func localPath(next string) string {
	// The decoded form is checked too, for a browser or proxy that decodes
	// the path once more.
	decoded, err := url.PathUnescape(next)
	if err != nil {
		return "/"
	}
	for _, p := range []string{next, decoded} {
		if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') ||
			strings.IndexFunc(p, unicode.IsControl) >= 0 {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// nextQuery carries a checked next to the next step of the login.
func nextQuery(next string) string {
	if next == "/" {
		return ""
	}
	return "?next=" + url.QueryEscape(next)
}
