package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/people"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxPrincipal
	ctxSession
	ctxScriptNonce
)

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(ctxRequestID).(string)
	return id
}

func principal(r *http.Request) *people.Principal {
	p, _ := r.Context().Value(ctxPrincipal).(*people.Principal)
	return p
}

// withRequestID tags each request with an id that logs, error pages and the
// X-Request-Id header share, so a person's report leads to the log line.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxRequestID, id)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// observe logs every request and counts it by route pattern (not by raw path,
// which would explode metric cardinality with ids).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		elapsed := time.Since(start)
		s.metrics.observe(route, r.Method, rec.status, elapsed)
		level := slog.LevelInfo
		if route == "/healthz" || route == "/readyz" || route == "/metrics" || route == "/static/{name}" {
			level = slog.LevelDebug
		}
		s.Logger.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", requestID(r)), slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", rec.status), slog.Duration("duration", elapsed))
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows only Okno's own files: no inline script or
// style, no foreign origins, no framing. Scripts run only with the page's
// nonce, which only the layout's own script tags carry: under 'self' a file
// a person uploaded and Okno serves would count as Okno's script.
func contentSecurityPolicy(nonce string) string {
	return "default-src 'self'; script-src 'nonce-" + nonce + "'; style-src 'self'; img-src 'self'; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := rand.Text() // 26 base32 characters, 130 bits: fits a CSP nonce as it is
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy(nonce))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxScriptNonce, nonce)))
	})
}

// scriptNonce is the nonce the page's script tags carry.
func scriptNonce(r *http.Request) string {
	nonce, _ := r.Context().Value(ctxScriptNonce).(string)
	return nonce
}

// csrf rejects state-changing requests from other sites (Go's
// CrossOriginProtection, by Sec-Fetch-Site and Origin). Pages are for
// browsers, which always send one of those headers, so a state-changing
// request with neither is refused too rather than waved through.
func (s *Server) csrf(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCrossOrigin)
	}))
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" {
				s.fail(w, r, errNoOrigin)
				return
			}
		}
		protected.ServeHTTP(w, r)
	})
}

// limitBody caps request bodies: forms at MaxFormBytes, forms with files
// (scans of a paper application) at MaxUploadBytes; each file is capped
// again by the blob store.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.MaxFormBytes
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") && s.MaxUploadBytes > limit {
			limit = s.MaxUploadBytes
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// clientIP is the address recorded in the audit log.
func (s *Server) clientIP(r *http.Request) string {
	if s.TrustProxy {
		if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
			return strings.TrimSpace(strings.Split(fwd, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || (s.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
}

// session resolves the session cookie to a principal, if any.
func (s *Server) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, _ := s.cookies.Get(r, sessionCookie) // a bad cookie yields a fresh session
		ctx := context.WithValue(r.Context(), ctxSession, sess)
		agency, _ := sess.Values["agency"].(string)
		token, _ := sess.Values["token"].(string)
		if agencyID, err := uuid.Parse(agency); err == nil && token != "" {
			p, err := s.People.Authenticate(ctx, agencyID, token, s.clientIP(r))
			switch {
			case err == nil:
				ctx = context.WithValue(ctx, ctxPrincipal, p)
			case err == people.ErrSessionExpired || err == people.ErrNoSession:
				delete(sess.Values, "agency")
				delete(sess.Values, "token")
				if err == people.ErrSessionExpired {
					sess.AddFlash(flashError + "Сеанс завершён из-за бездействия. Войдите снова.")
				}
				s.saveSession(w, r.WithContext(ctx))
			default:
				s.fail(w, r.WithContext(ctx), err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if principal(r) == nil {
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireCompleteLogin holds a person at the step their login still needs: the
// one-time code, enrolling a second factor the agency requires, or replacing
// a temporary password.
func (s *Server) requireCompleteLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principal(r)
		path := r.URL.Path
		switch {
		case p.SecondFactorPending:
			target := "/login/second-factor"
			if r.Method == http.MethodGet {
				target += nextQuery(localPath(r.URL.RequestURI()))
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		case p.MustEnrolSecondFactor() && !strings.HasPrefix(path, "/account"):
			http.Redirect(w, r, "/account/second-factor", http.StatusSeeOther)
			return
		case p.User.MustChangePassword && !p.MustEnrolSecondFactor() && !strings.HasPrefix(path, "/account"):
			http.Redirect(w, r, "/account", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) requireRole(roles ...people.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !principal(r).Has(roles...) {
				s.fail(w, r, people.ErrForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// checkText refuses a request whose query or form carries a NUL byte or text
// that is not UTF-8, before any handler runs: PostgreSQL cannot store or
// compare such text, and a handler that has begun its work (streaming an
// export, storing a file) could not take it back. Multipart forms are
// streamed by their handler, which checks each field with validText.
func (s *Server) checkText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if !errors.As(err, &tooLarge) {
				err = errBrokenText
			}
			s.fail(w, r, err)
			return
		}
		if !validValues(r.Form) {
			s.fail(w, r, errBrokenText)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// validText is text PostgreSQL can hold: UTF-8 without NUL.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func validValues(values url.Values) bool {
	for k, vs := range values {
		if !validText(k) {
			return false
		}
		for _, v := range vs {
			if !validText(v) {
				return false
			}
		}
	}
	return true
}
