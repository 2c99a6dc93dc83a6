package web

import (
	"errors"
	"net/http"

	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/validation"
	"github.com/okno-oiv/okno/views"
)

func (s *Server) agenciesPage(w http.ResponseWriter, r *http.Request) error {
	agencies, err := s.People.Agencies(r.Context(), principal(r))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, views.AgenciesPage(s.chrome(w, r, "Ведомства"), agencies))
	return nil
}

func (s *Server) newAgencyPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, views.AgencyFormPage(s.chrome(w, r, "Подключение ведомства"), nil, nil))
	return nil
}

func (s *Server) createAgency(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	in := people.AgencyInput{Code: f["code"], Name: f["name"], ShortName: f["short_name"], AdminLogin: f["admin_login"], AdminName: f["admin_name"]}
	a, password, err := s.People.CreateAgency(r.Context(), principal(r), in)
	var problems validation.Errors
	if errors.As(err, &problems) {
		s.render(w, r, http.StatusUnprocessableEntity, views.AgencyFormPage(s.chrome(w, r, "Подключение ведомства"), f, problems))
		return nil
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusCreated, views.AgencyCreatedPage(s.chrome(w, r, "Ведомство подключено"), a, people.NormalizeLogin(in.AdminLogin), password))
	return nil
}
