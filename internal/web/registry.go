package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/validation"
	"github.com/okno-oiv/okno/views"
)

// registryRoutes are the registry list, the executor's inbox and what
// clerks do with many cases at once.
func (s *Server) registryRoutes(r chi.Router) {
	r.Get("/cases", s.h(s.registryPage))
	r.Get("/cases/mine", s.h(s.myCasesPage))
	r.Get("/cases/export.csv", s.h(s.exportRegistry))
	r.Post("/cases/assign", s.h(s.assignFromRegistry))
	r.Post("/cases/filters", s.h(s.saveFilter))
	r.Post("/cases/filters/{id}/delete", s.h(s.deleteFilter))
}

func (s *Server) registryPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRegistry(w, r, false)
}

// myCasesPage is the registry narrowed to the viewer as executor.
func (s *Server) myCasesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRegistry(w, r, true)
}

func (s *Server) renderRegistry(w http.ResponseWriter, r *http.Request, mine bool) error {
	ctx, p := r.Context(), principal(r)
	values := r.URL.Query()
	f, problems := cases.ParseFilter(values)
	path, title := "/cases", "Реестр дел"
	if mine {
		path, title = "/cases/mine", "Мои дела"
		me := p.User.ID
		f.ExecutorID = &me
	}
	query := f.Query()
	page := views.RegistryPage{Mine: mine, Path: path, Values: values, Problems: problems,
		ExportURL: "/cases/export.csv?" + query.Encode(), Found: -1}
	// The inbox's own links carry the filter without the executor: the path says it.
	if mine {
		query.Del("executor")
	}
	page.Query = query.Encode()
	status := http.StatusOK
	if problems != nil {
		status = http.StatusUnprocessableEntity
	} else {
		var err error
		if page.Page, err = s.Cases.List(ctx, p, f); err != nil {
			return err
		}
		if page.Found, err = s.Cases.Count(ctx, p, f, cases.RegistryCountLimit+1); err != nil {
			return err
		}
	}
	var err error
	if page.Saved, err = s.Cases.SavedFilters(ctx, p); err != nil {
		return err
	}
	if page.ServiceTypes, err = s.Cases.ServiceTypeTitles(ctx, p); err != nil {
		return err
	}
	if page.Departments, err = s.People.Departments(ctx, p); err != nil {
		return err
	}
	if page.Executors, err = s.People.Colleagues(ctx, p); err != nil {
		return err
	}
	s.render(w, r, status, views.Registry(s.chrome(w, r, title), page))
	return nil
}

// exportRegistry streams the whole selection as CSV. Headers wait for the
// first byte, so that a failure before it is still an ordinary error page.
func (s *Server) exportRegistry(w http.ResponseWriter, r *http.Request) error {
	f, problems := cases.ParseFilter(r.URL.Query())
	if problems != nil {
		return s.renderRegistry(w, r, false)
	}
	out := &csvResponse{w: w, name: "reestr-" + time.Now().Format("2006-01-02") + ".csv"}
	err := s.Cases.Export(r.Context(), principal(r), f, out)
	if err != nil && out.started {
		// The download is cut short; the browser shows it as failed.
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "registry export broke off",
			slog.String("request_id", requestID(r)), slog.String("error", err.Error()))
		return nil
	}
	return err
}

// csvResponse sets the download's headers on its first write.
type csvResponse struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (c *csvResponse) Write(b []byte) (int, error) {
	if !c.started {
		c.started = true
		h := c.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, c.name))
		h.Set("Cache-Control", "no-store")
		c.w.WriteHeader(http.StatusOK)
	}
	return c.w.Write(b)
}

// registryBack is the list a registry form came from: the filter is parsed
// again, so the redirect never goes anywhere but the registry.
func registryBack(form url.Values) string {
	path := "/cases"
	if form.Get("mine") == "1" {
		path = "/cases/mine"
	}
	raw, err := url.ParseQuery(form.Get("filter"))
	if err != nil {
		return path
	}
	f, _ := cases.ParseFilter(raw)
	if q := f.Query().Encode(); q != "" {
		return path + "?" + q
	}
	return path
}

// assignFromRegistry gives the ticked cases to a department and executor,
// all or none, and returns to the same filtered list.
func (s *Server) assignFromRegistry(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	back := registryBack(r.PostForm)
	var ids []uuid.UUID
	for _, v := range r.PostForm["case"] {
		id, err := uuid.Parse(v)
		if err != nil {
			return errNotFound
		}
		ids = append(ids, id)
	}
	a, problems := parseAssignment(f)
	n := 0
	if problems == nil {
		n, err = s.Cases.Assign(r.Context(), principal(r), ids, a)
	}
	if errors.As(err, &problems) || problems != nil {
		s.flash(w, r, flashError, problemText(problems))
		s.redirect(w, r, back)
		return nil
	}
	if errors.Is(err, cases.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	s.flash(w, r, flashOK, fmt.Sprintf("Назначено: %d %s.", n, views.Plural(n, "дело", "дела", "дел")))
	s.redirect(w, r, back)
	return nil
}

// problemText joins field problems for a flash message, which has no
// fields to stand beside.
func problemText(problems validation.Errors) string {
	var parts []string
	for _, field := range []string{"cases", "department_id", "executor_id", "name"} {
		if m := problems[field]; m != "" {
			parts = append(parts, m)
		}
	}
	if len(parts) == 0 {
		return "Проверьте введённые данные."
	}
	return strings.Join(parts, " ")
}

// saveFilter stores the list's current filter under the name typed.
func (s *Server) saveFilter(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	back := registryBack(r.PostForm)
	raw, err := url.ParseQuery(f["filter"])
	if err != nil {
		raw = url.Values{}
	}
	if !validValues(raw) {
		return errBrokenText
	}
	filter, _ := cases.ParseFilter(raw)
	if f["mine"] == "1" {
		me := principal(r).User.ID
		filter.ExecutorID = &me
	}
	saved, err := s.Cases.SaveFilter(r.Context(), principal(r), f["name"], filter)
	var problems validation.Errors
	if errors.As(err, &problems) {
		s.flash(w, r, flashError, problemText(problems))
		s.redirect(w, r, back)
		return nil
	}
	if err != nil {
		return err
	}
	s.flash(w, r, flashOK, "Фильтр «"+saved.Name+"» сохранён.")
	s.redirect(w, r, withFilter("/cases", saved.Filter))
	return nil
}

func withFilter(path string, f cases.Filter) string {
	if q := f.Query().Encode(); q != "" {
		return path + "?" + q
	}
	return path
}

func (s *Server) deleteFilter(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	err = s.Cases.DeleteFilter(r.Context(), principal(r), id)
	if errors.Is(err, cases.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	s.flash(w, r, flashOK, "Фильтр удалён.")
	s.redirect(w, r, "/cases")
	return nil
}
