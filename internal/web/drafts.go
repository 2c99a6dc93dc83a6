package web

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// draftRoutes keep long forms' drafts on the server (internal/drafts);
// app.js saves a form's draft as it is typed and restores it when the
// browser holds none (another computer, a new browser profile).
func (s *Server) draftRoutes(r chi.Router) {
	r.Get("/drafts", s.h(s.loadDraft))
	r.Post("/drafts", s.h(s.saveDraft))
}

// saveDraft keeps the form's values (a JSON object, as app.js reads the
// form) under its key: 204, or 400 with a reason for a bad key or value.
func (s *Server) saveDraft(w http.ResponseWriter, r *http.Request) error {
	if err := s.Drafts.Save(r.Context(), principal(r), r.PostFormValue("key"), []byte(r.PostFormValue("values"))); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// loadDraft answers the draft of ?key= as JSON, 204 when there is none.
func (s *Server) loadDraft(w http.ResponseWriter, r *http.Request) error {
	d, ok, err := s.Drafts.Load(r.Context(), principal(r), r.URL.Query().Get("key"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(d)
}

// draftSent forgets a form's draft once the form has done its work: on the
// server now, in the browser on the next page (flashDraftSaved). The work
// is already committed, so a failure to forget is logged, not shown.
func (s *Server) draftSent(w http.ResponseWriter, r *http.Request, key string) {
	if err := s.Drafts.Clear(r.Context(), principal(r), key); err != nil {
		s.Logger.ErrorContext(r.Context(), "clear a sent form's draft", "key", key, "error", err)
	}
	s.flash(w, r, flashDraftSaved, key)
}
