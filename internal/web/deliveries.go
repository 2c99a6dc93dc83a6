package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/outbox"
	"github.com/okno-oiv/okno/internal/people"
)

// deliveryRoutes let the agency's administrator and head act on a status
// that does not reach the applicant's cabinet: send it again now, or give
// it up for a reason so the case's later statuses go.
func (s *Server) deliveryRoutes(r chi.Router) {
	r.Post("/cases/{id}/deliveries/{seq}/retry", s.h(s.retryDelivery))
	r.Post("/cases/{id}/deliveries/{seq}/cancel", s.h(s.cancelDelivery))
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) error {
	id, seq, err := deliveryPath(r)
	if err != nil {
		return err
	}
	if _, err := form(r); err != nil {
		return err
	}
	err = s.Outbox.RetryNow(r.Context(), principal(r), id, seq)
	return s.afterDelivery(w, r, id.String(), err, "Статус отправлен на портал заново.")
}

func (s *Server) cancelDelivery(w http.ResponseWriter, r *http.Request) error {
	id, seq, err := deliveryPath(r)
	if err != nil {
		return err
	}
	f, err := form(r)
	if err != nil {
		return err
	}
	err = s.Outbox.CancelDelivery(r.Context(), principal(r), id, seq, f["reason"])
	return s.afterDelivery(w, r, id.String(), err, "Доставка статуса отменена; следующие статусы дела уйдут на портал без него.")
}

// afterDelivery says how the action went and returns to the card (an
// administrator, who does not see cards, to the start page).
func (s *Server) afterDelivery(w http.ResponseWriter, r *http.Request, caseID string, err error, done string) error {
	switch {
	case errors.Is(err, outbox.ErrNeedReason):
		s.flash(w, r, flashError, "Укажите причину отмены доставки (не длиннее 1000 знаков).")
	case errors.Is(err, outbox.ErrDeliveryDone):
		s.flash(w, r, flashError, "Этот статус уже доставлен или его доставка отменена: действие не нужно.")
	case errors.Is(err, outbox.ErrNotPermitted):
		return people.ErrForbidden
	case err != nil:
		return err
	default:
		s.flash(w, r, flashOK, done)
	}
	if principal(r).Has(people.RoleHead) {
		s.redirect(w, r, "/cases/"+caseID)
	} else {
		s.redirect(w, r, "/")
	}
	return nil
}

func deliveryPath(r *http.Request) (uuid.UUID, int, error) {
	caseID, err := pathID(r)
	if err != nil {
		return caseID, 0, err
	}
	seq, err := strconv.Atoi(chi.URLParam(r, "seq"))
	if err != nil || seq <= 0 {
		return caseID, 0, errNotFound
	}
	return caseID, seq, nil
}
