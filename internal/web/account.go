package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/validation"
	"github.com/okno-oiv/okno/views"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var home views.Home
	if p.Has(people.RoleClerk, people.RoleHead) {
		var err error
		if home.Queues, err = s.workQueues(r, p); err != nil {
			return err
		}
	}
	if p.Has(people.RoleHead) {
		var err error
		if home.Decisions, err = s.awaitingDecision(r, p); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, views.HomePage(s.chrome(w, r, "Главная"), home))
	return nil
}

// decisionsShown is how many of the cases waiting for a head's signature
// the home page lists; the tile opens them all.
const decisionsShown = 10

// awaitingDecision is what a head decides first: the cases of their
// department handed over for signing (the whole agency's, for a head
// without a department), the nearest due date first.
func (s *Server) awaitingDecision(r *http.Request, p *people.Principal) (*views.Decisions, error) {
	q := url.Values{"status": {string(cases.StatusOnApproval)}, "sort": {string(cases.SortDue)}}
	title := "На подписании в ведомстве"
	if p.User.DepartmentID != nil {
		q.Set("department", p.User.DepartmentID.String())
		title = "На подписании: " + p.User.DepartmentName
	}
	d, err := s.queue(r, p, title, q)
	if err != nil {
		return nil, err
	}
	f, _ := cases.ParseFilter(q)
	page, err := s.Cases.List(r.Context(), p, f)
	if err != nil {
		return nil, err
	}
	out := &views.Decisions{Queue: d, Rows: page.Rows}
	if len(out.Rows) > decisionsShown {
		out.Rows = out.Rows[:decisionsShown]
	}
	return out, nil
}

// queue is a tile: its count and its link come from the same filter, so
// the tile opens exactly the list it counts.
func (s *Server) queue(r *http.Request, p *people.Principal, title string, q url.Values) (views.Queue, error) {
	f, _ := cases.ParseFilter(q)
	n, err := s.Cases.Count(r.Context(), p, f, cases.SavedFilterCountLimit)
	if err != nil {
		return views.Queue{}, err
	}
	return views.Queue{Title: title, Href: "/cases?" + f.Query().Encode(), Count: n, Limit: cases.SavedFilterCountLimit}, nil
}

// workQueues are the lists a clerk or head starts the day with, most urgent
// first, each with its count, followed by the person's saved filters.
func (s *Server) workQueues(r *http.Request, p *people.Principal) ([]views.Queue, error) {
	me := p.User.ID.String()
	standard := []struct{ title, query string }{
		{"Мои просроченные", "status=open&deadline=overdue&executor=" + me},
		{"Мои: срок в ближайшие 3 рабочих дня", "status=open&deadline=soon&within=3&executor=" + me},
		// In work means taken into work: not the registered ones waiting to be taken.
		{"Мои дела в работе", "status=in_progress&executor=" + me},
		{"Новые, ещё не взятые в работу", "status=registered"},
		{"Просроченные в ведомстве", "status=open&deadline=overdue"},
	}
	var out []views.Queue
	for _, q := range standard {
		values, _ := url.ParseQuery(q.query)
		tile, err := s.queue(r, p, q.title, values)
		if err != nil {
			return nil, err
		}
		out = append(out, tile)
	}
	saved, err := s.Cases.SavedFilters(r.Context(), p)
	if err != nil {
		return nil, err
	}
	for _, sf := range saved {
		out = append(out, views.Queue{Title: sf.Name, Href: "/cases?" + sf.Filter.Query().Encode(), Count: sf.Count, Limit: cases.SavedFilterCountLimit, Saved: true})
	}
	return out, nil
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccount(w, r, http.StatusOK, nil)
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, problems validation.Errors) error {
	p := principal(r)
	left := 0
	if p.User.SecondFactorOn {
		var err error
		if left, err = s.People.RecoveryCodesLeft(r.Context(), p); err != nil {
			return err
		}
	}
	s.render(w, r, status, views.AccountPage(s.chrome(w, r, "Учётная запись"), left, problems))
	return nil
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	err = s.People.ChangePassword(r.Context(), principal(r), f["current_password"], f["new_password"])
	var problems validation.Errors
	if errors.As(err, &problems) {
		return s.renderAccount(w, r, http.StatusUnprocessableEntity, problems)
	}
	if err != nil {
		return err
	}
	cookieSession(r).Values["token"] = principal(r).Token()
	s.flash(w, r, flashOK, "Пароль изменён. Сеансы на других устройствах завершены.")
	s.redirect(w, r, "/account")
	return nil
}

// enrolPage shows the pending enrolment, or the button that starts one: a GET
// changes nothing.
func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderEnrolment(w, r, http.StatusOK, "")
}

func (s *Server) renderEnrolment(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	e, err := s.People.PendingSecondFactor(r.Context(), principal(r))
	switch {
	case errors.Is(err, people.ErrSecondFactorOn):
		s.flash(w, r, flashOK, "Второй фактор уже подключён.")
		s.redirect(w, r, "/account")
		return nil
	case errors.Is(err, people.ErrNoEnrolment):
	case err != nil:
		return err
	}
	s.render(w, r, status, views.EnrolPage(s.chrome(w, r, "Второй фактор"), e.Secret, problem))
	return nil
}

func (s *Server) startEnrolment(w http.ResponseWriter, r *http.Request) error {
	err := s.People.StartSecondFactor(r.Context(), principal(r))
	if errors.Is(err, people.ErrSecondFactorOn) {
		s.flash(w, r, flashOK, "Второй фактор уже подключён.")
		s.redirect(w, r, "/account")
		return nil
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/account/second-factor")
	return nil
}

func (s *Server) enrolQR(w http.ResponseWriter, r *http.Request) error {
	e, err := s.People.PendingSecondFactor(r.Context(), principal(r))
	if errors.Is(err, people.ErrSecondFactorOn) || errors.Is(err, people.ErrNoEnrolment) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(e.QRPNG)
	return err
}

func (s *Server) confirmEnrolment(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	p := principal(r)
	codes, err := s.People.ConfirmSecondFactor(r.Context(), p, f["code"])
	switch {
	case errors.Is(err, people.ErrBadSecondFactor):
		return s.renderEnrolment(w, r, http.StatusUnprocessableEntity, "Код не подошёл. Убедитесь, что время на телефоне точное, и введите новый код.")
	case err != nil:
		return err
	}
	p.User.SecondFactorOn = true // the page below shows the completed state
	s.render(w, r, http.StatusOK, views.RecoveryCodesPage(s.chrome(w, r, "Резервные коды"), codes))
	return nil
}
