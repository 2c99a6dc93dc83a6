package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/filetype"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/validation"
	"github.com/okno-oiv/okno/views"
)

// officeRoutes are the paper applications a clerk registers at the office.
func (s *Server) officeRoutes(r chi.Router) {
	r.Get("/cases/new", s.h(s.officeServices))
	r.Get("/cases/new/{code}", s.h(s.officeForm))
	r.Post("/cases/new/{code}", s.h(s.registerOffice))
}

func (s *Server) officeServices(w http.ResponseWriter, r *http.Request) error {
	types, err := s.Cases.ServiceTypes(r.Context(), principal(r))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, views.OfficeServicesPage(s.chrome(w, r, "Новое заявление"), types))
	return nil
}

func (s *Server) officeForm(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Cases.ServiceType(r.Context(), principal(r), chi.URLParam(r, "code"))
	if err != nil {
		return err
	}
	kind := forms.ApplicantKind(r.URL.Query().Get("kind"))
	s.render(w, r, http.StatusOK, views.OfficeFormPage(s.chrome(w, r, st.Title), st, kind, map[string]string{}, nil))
	return nil
}

// maxFieldBytes bounds one text field of the multipart form.
const maxFieldBytes = 64 << 10

// registerOffice reads the multipart form as a stream: text fields into
// memory (bounded), scans straight into the blob store, never whole files in
// memory. A form that does not pass the checks comes back filled in.
func (s *Server) registerOffice(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	st, err := s.Cases.ServiceType(r.Context(), p, chi.URLParam(r, "code"))
	if err != nil {
		return err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return errBadMultipart
	}
	values := map[string]string{}
	var scans []cases.Document
	refused := validation.Errors{}
	discard := func() { s.Cases.DiscardScans(r.Context(), scans) }
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			discard()
			return errBadMultipart
		}
		if part.FileName() == "" {
			raw, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				discard()
				return err
			}
			if len(raw) > maxFieldBytes || !validText(string(raw)) {
				discard()
				return errBrokenText
			}
			values[part.FormName()] = string(raw)
			continue
		}
		title, proves := part.FileName(), -1
		if part.FormName() != "scans" {
			if proves = scanOf(st, part.FormName()); proves < 0 {
				continue
			}
			title = st.RequiredDocuments[proves]
		}
		doc, err := s.Cases.StoreScan(r.Context(), p, title, part.FileName(), part)
		var bad *filetype.RefusedError
		if errors.As(err, &bad) {
			refused.Add(part.FormName(), bad.Message()) // read on: the form's other fields come back filled in
			continue
		}
		if proves >= 0 {
			values[forms.DocumentKey(proves)] = "on" // a scan of a document is that document presented
		}
		if err != nil {
			discard()
			return err
		}
		scans = append(scans, doc)
	}
	kind := forms.ApplicantKind(values[forms.KeyKind])
	if len(refused) > 0 {
		discard()
		s.render(w, r, http.StatusUnprocessableEntity, views.OfficeFormPage(s.chrome(w, r, st.Title), st, kind, values, refused))
		return nil
	}
	c, err := s.Cases.RegisterOffice(r.Context(), p, st, values, scans)
	var problems validation.Errors
	if errors.As(err, &problems) {
		discard()
		if len(scans) > 0 {
			problems.Add("scans", "Исправьте ошибки и прикрепите файлы заново: браузер не сохраняет выбранные файлы.")
		}
		s.render(w, r, http.StatusUnprocessableEntity, views.OfficeFormPage(s.chrome(w, r, st.Title), st, kind, values, problems))
		return nil
	}
	if err != nil {
		discard()
		return err
	}
	s.flash(w, r, flashOK, fmt.Sprintf("Заявление зарегистрировано под номером %s.", c.Number))
	s.draftSent(w, r, "office/"+st.Code)
	s.redirect(w, r, "/cases/"+c.ID.String())
	return nil
}

// scanOf is the required document a file input's scans prove, -1 for none.
func scanOf(st forms.ServiceType, name string) int {
	for i := range st.RequiredDocuments {
		if name == forms.ScanKey(i) {
			return i
		}
	}
	return -1
}
