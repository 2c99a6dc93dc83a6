package web

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gorilla/sessions"

	"github.com/okno-oiv/okno/views"
)

// sessionCookie holds, signed and encrypted, the agency and the session token
// (the server keeps only the token's hash) and one-time flash messages.
const sessionCookie = "okno"

const (
	flashOK    = "ok:"
	flashError = "error:"
	// flashDraftSaved names a form whose browser draft the next page drops:
	// what it held is now stored.
	flashDraftSaved = "draft:"
)

func cookieSession(r *http.Request) *sessions.Session {
	sess, _ := r.Context().Value(ctxSession).(*sessions.Session)
	return sess
}

func (s *Server) saveSession(w http.ResponseWriter, r *http.Request) {
	sess := cookieSession(r)
	if sess == nil {
		return
	}
	sess.Options.Secure = s.secure(r)
	if err := sess.Save(r, w); err != nil {
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "save session cookie", slog.String("request_id", requestID(r)), slog.String("error", err.Error()))
	}
}

// flash queues a message for the next page and saves the cookie; call it
// before redirecting.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, kind, text string) {
	if sess := cookieSession(r); sess != nil {
		sess.AddFlash(kind + text)
		s.saveSession(w, r)
	}
}

// redirect sends the browser on with 303, so a reload never resubmits a form.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// chrome builds the frame of a page, taking the queued flash messages.
func (s *Server) chrome(w http.ResponseWriter, r *http.Request, title string) views.Chrome {
	c := views.Chrome{Title: title, Asset: s.assets.url, ScriptNonce: scriptNonce(r), Current: r.URL.Path}
	if sess := cookieSession(r); sess != nil {
		if flashes := sess.Flashes(); len(flashes) > 0 {
			for _, f := range flashes {
				text, _ := f.(string)
				if key, ok := strings.CutPrefix(text, flashDraftSaved); ok {
					c.SavedDrafts = append(c.SavedDrafts, key)
					continue
				}
				kind := "ok"
				if strings.HasPrefix(text, flashError) {
					kind, text = "error", strings.TrimPrefix(text, flashError)
				} else {
					text = strings.TrimPrefix(text, flashOK)
				}
				c.Flashes = append(c.Flashes, views.Flash{Kind: kind, Text: text})
			}
			s.saveSession(w, r)
		}
	}
	if p := principal(r); p != nil {
		c.Principal = p
		for _, l := range navFor(p) {
			c.Nav = append(c.Nav, views.NavItem{Href: l.href, Label: l.label})
		}
	}
	return c
}

// form is the submitted form, one value per field; checkText has already
// refused broken text.
func form(r *http.Request) (map[string]string, error) {
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(r.PostForm))
	for k := range r.PostForm {
		out[k] = r.PostForm.Get(k)
	}
	return out, nil
}
