package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/filetype"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/internal/validation"
	"github.com/okno-oiv/okno/views"
)

// caseRoutes are the case card and what clerks and heads do on it.
func (s *Server) caseRoutes(r chi.Router) {
	r.Get("/cases/{id}", s.h(s.casePage))
	r.Post("/cases/{id}/status", s.h(s.changeStatus))
	r.Post("/cases/{id}/assign", s.h(s.assignCase))
	r.Get("/cases/{id}/documents/{doc}", s.h(s.caseDocument))
	r.Get("/cases/{id}/documents/{doc}/signature", s.h(s.caseDocumentSignature))
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCase(w, r, http.StatusOK, nil, views.Attempt{})
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, status int, problems validation.Errors, attempt views.Attempt) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p := principal(r)
	card, err := s.Cases.Card(r.Context(), p, id)
	if err != nil {
		return err
	}
	deps, err := s.People.Departments(r.Context(), p)
	if err != nil {
		return err
	}
	colleagues, err := s.People.Colleagues(r.Context(), p)
	if err != nil {
		return err
	}
	page := views.CasePage{Card: card, Departments: deps, Colleagues: colleagues, Problems: problems, Today: card.Today, Attempt: attempt,
		HandDeliveries: principal(r).Has(people.RoleHead)}
	s.render(w, r, status, views.CaseCard(s.chrome(w, r, "Дело "+card.Case.Number), page))
	return nil
}

func (s *Server) changeStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := form(r)
	if err != nil {
		return err
	}
	from, to := cases.Status(f["from"]), cases.Status(f["to"])
	note := cases.Note{Comment: f["comment"], ToApplicant: f["to_applicant"]}
	if t, ok := cases.TransitionFor(from, to, principal(r).User.Role); ok && to.Final() && f["confirmed"] != "1" {
		// Without the script's dialog the confirmation is a page of its own.
		return s.confirmStatus(w, r, id, t, note)
	}
	err = s.Cases.ChangeStatus(r.Context(), principal(r), id, from, to, note)
	var problems validation.Errors
	switch {
	case errors.As(err, &problems):
		return s.renderCase(w, r, http.StatusUnprocessableEntity, problems, views.Attempt{To: to, Note: note})
	case errors.Is(err, cases.ErrStaleStatus):
		s.flash(w, r, flashError, "Пока вы смотрели дело, его статус изменил другой сотрудник. Проверьте новое состояние и повторите действие.")
	case errors.Is(err, cases.ErrTransition):
		s.flash(w, r, flashError, "Это действие недоступно для дела в текущем статусе или для вашей роли.")
	case err != nil:
		return err
	default:
		s.flash(w, r, flashOK, statusChanged(to, note))
		s.draftSent(w, r, "case/"+id.String()+"/"+string(to))
	}
	s.redirect(w, r, "/cases/"+id.String())
	return nil
}

// statusChanged tells the person what the applicant sees of the move.
func statusChanged(to cases.Status, note cases.Note) string {
	said := "Статус изменён: «" + to.Title() + "». "
	if strings.TrimSpace(note.ToApplicant) != "" {
		return said + "Заявитель увидит его в личном кабинете с вашим сообщением."
	}
	return said + "Заявитель увидит в личном кабинете только статус."
}

// confirmStatus asks before a move that ends the case, saying what the
// applicant will see; nothing changes until the person confirms.
func (s *Server) confirmStatus(w http.ResponseWriter, r *http.Request, id uuid.UUID, t cases.Transition, note cases.Note) error {
	card, err := s.Cases.Card(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	page := views.ConfirmPage{CaseID: id.String(), CaseNumber: card.Case.Number, Action: t, Note: note}
	s.render(w, r, http.StatusOK, views.ConfirmAction(s.chrome(w, r, t.Action), page))
	return nil
}

func (s *Server) assignCase(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := form(r)
	if err != nil {
		return err
	}
	a, problems := parseAssignment(f)
	if problems == nil {
		_, err = s.Cases.Assign(r.Context(), principal(r), []uuid.UUID{id}, a)
	}
	if errors.As(err, &problems) || problems != nil {
		return s.renderCase(w, r, http.StatusUnprocessableEntity, problems, views.Attempt{})
	}
	if err != nil {
		return err
	}
	s.flash(w, r, flashOK, "Дело назначено.")
	s.redirect(w, r, "/cases/"+id.String())
	return nil
}

// parseAssignment reads the department and executor selects.
func parseAssignment(f map[string]string) (cases.Assignment, validation.Errors) {
	var a cases.Assignment
	for field, dst := range map[string]**uuid.UUID{"department_id": &a.DepartmentID, "executor_id": &a.ExecutorID} {
		if v := f[field]; v != "" {
			id, err := uuid.Parse(v)
			if err != nil {
				return a, validation.Errors{field: "Выберите значение из списка."}
			}
			*dst = &id
		}
	}
	return a, nil
}

// caseDocument streams a file of a case. What it is served as comes from
// its content, not from the type stored with it (older rows kept the type a
// browser declared): PDFs and plain raster images inline for the browser's
// preview, every other document type and anything unrecognised as a
// download. A user file never runs as a page of Okno: nosniff, and a
// sandbox without script or any source of its own.
func (s *Server) caseDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.pathDocument(r)
	if err != nil {
		return err
	}
	rc, _, err := s.Blobs.Open(r.Context(), d.BlobKey)
	if err != nil {
		return fmt.Errorf("open %s: %w", d.BlobKey, err)
	}
	defer rc.Close()
	ft, body, err := filetype.Detect(rc, d.FileName)
	if err != nil {
		return err
	}
	served := ft.Stored()
	disposition, policy := "attachment", userFilePolicy
	if filetype.Inline(served) {
		// Shown inline, the file may be framed by the card's preview, by
		// Okno's own pages only; the sandbox stays.
		disposition, policy = "inline", previewFilePolicy
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	}
	h := w.Header()
	h.Set("Content-Type", served)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": filetype.SafeName(d.FileName)}))
	h.Set("Content-Length", fmt.Sprint(d.Size))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", policy)
	_, err = io.Copy(w, body)
	return err
}

// caseDocumentSignature downloads the applicant's detached signature of a
// document (.sig, CMS) as it came, for checking elsewhere.
func (s *Server) caseDocumentSignature(w http.ResponseWriter, r *http.Request) error {
	d, err := s.pathDocument(r)
	if err != nil {
		return err
	}
	if d.SignatureBlobKey == "" {
		return errNotFound
	}
	rc, info, err := s.Blobs.Open(r.Context(), d.SignatureBlobKey)
	if err != nil {
		return fmt.Errorf("open %s: %w", d.SignatureBlobKey, err)
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/pkcs7-signature")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filetype.SafeName(d.FileName + ".sig")}))
	h.Set("Content-Length", fmt.Sprint(info.Size))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", userFilePolicy)
	_, err = io.Copy(w, rc)
	return err
}

// pathDocument is the document the path names, of a case the viewer may see.
func (s *Server) pathDocument(r *http.Request) (cases.Document, error) {
	caseID, err := pathID(r)
	if err != nil {
		return cases.Document{}, err
	}
	docID, err := uuid.Parse(chi.URLParam(r, "doc"))
	if err != nil {
		return cases.Document{}, errNotFound
	}
	return s.Cases.Document(r.Context(), principal(r), caseID, docID)
}

// userFilePolicy is the CSP of every file a person or the bus brought: a
// sandbox (a unique origin: no cookies, no script, no forms) that loads
// nothing; only the browser's own PDF viewer (object-src) and the inline
// styles of its image view are let through, as Synapse serves media.
const userFilePolicy = "sandbox; default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'none'"

// previewFilePolicy is userFilePolicy for a file shown inline: the card's
// preview may frame it ('self'), nothing else may.
const previewFilePolicy = "sandbox; default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"
