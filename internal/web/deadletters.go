package web

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/views"
)

func (s *Server) deadLettersPage(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Intake.DeadLetters(r.Context(), principal(r))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, views.DeadLettersPage(s.chrome(w, r, "Необработанные сообщения"), list))
	return nil
}

func (s *Server) deadLetterPage(w http.ResponseWriter, r *http.Request) error {
	agency, err := pathID(r)
	if err != nil {
		return err
	}
	dl, err := s.Intake.DeadLetter(r.Context(), principal(r), agency, chi.URLParam(r, "message"))
	if errors.Is(err, intake.ErrNoDeadLetter) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, views.DeadLetterPage(s.chrome(w, r, "Сообщение "+dl.MessageID), dl))
	return nil
}

func (s *Server) retryDeadLetter(w http.ResponseWriter, r *http.Request) error {
	agency, err := pathID(r)
	if err != nil {
		return err
	}
	message := chi.URLParam(r, "message")
	_, c, err := s.Intake.RetryDeadLetter(r.Context(), principal(r), agency, message)
	switch {
	case errors.Is(err, intake.ErrNoDeadLetter):
		return errNotFound
	case errors.Is(err, intake.ErrStillFailing):
		s.flash(w, r, flashError, "Сообщение снова не обработано; причина обновлена. Устраните её и повторите.")
		s.redirect(w, r, views.DeadLetterURL(agency.String(), message))
		return nil
	case err != nil:
		return err
	}
	text := "Сообщение обработано, запись закрыта."
	if c.Number != "" {
		text = "Сообщение обработано: зарегистрировано дело " + c.Number + ". Запись закрыта."
	}
	s.flash(w, r, flashOK, text)
	s.redirect(w, r, "/platform/dead-letters")
	return nil
}

func (s *Server) closeDeadLetter(w http.ResponseWriter, r *http.Request) error {
	agency, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := form(r)
	if err != nil {
		return err
	}
	message := chi.URLParam(r, "message")
	err = s.Intake.CloseDeadLetter(r.Context(), principal(r), agency, message, f["reason"])
	switch {
	case errors.Is(err, intake.ErrNoDeadLetter):
		return errNotFound
	case errors.Is(err, intake.ErrCloseReason):
		s.flash(w, r, flashError, "Укажите причину закрытия (не длиннее 1000 знаков). Запись не закрыта.")
		s.redirect(w, r, views.DeadLetterURL(agency.String(), message))
		return nil
	case err != nil:
		return err
	}
	s.flash(w, r, flashOK, "Запись закрыта.")
	s.redirect(w, r, "/platform/dead-letters")
	return nil
}
