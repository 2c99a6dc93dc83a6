// Package web is Okno's HTTP transport: routes, middleware (request ids,
// logging, metrics, security headers, CSRF, sessions, role checks) and thin
// handlers that parse a request, call one domain method and render one view.
// Errors become Russian pages here and nowhere else.
package web

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/sessions"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/blob"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/drafts"
	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/internal/outbox"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/static"
)

// Deps is what the web layer is built from; cmd/server wires it once.
type Deps struct {
	People       *people.Service
	Cases        *cases.Service
	Intake       *intake.Service // the dead-letter list
	Drafts       *drafts.Service
	Outbox       *outbox.Service // retry and cancel of status deliveries by hand
	Blobs        blob.Store
	AuditLog     *audit.Log
	Pool         *pgxpool.Pool // readiness checks
	Logger       *slog.Logger
	Metrics      *prometheus.Registry
	SessionKey   []byte // 32 random bytes; cookies are signed and encrypted with keys derived from it
	TrustProxy   bool   // client address and scheme from X-Forwarded-* headers
	MaxFormBytes int64
	// MaxUploadBytes caps a request that carries files.
	MaxUploadBytes int64
}

// Server holds the handlers' shared state.
type Server struct {
	Deps
	cookies *sessions.CookieStore
	assets  *assets
	metrics *httpMetrics
}

// New prepares the server; it fails only on programming or packaging errors.
func New(d Deps) (*Server, error) {
	if len(d.SessionKey) != 32 {
		return nil, fmt.Errorf("web: session key must be 32 bytes, got %d", len(d.SessionKey))
	}
	assets, err := loadAssets(static.Files)
	if err != nil {
		return nil, err
	}
	metrics, err := newHTTPMetrics(d.Metrics)
	if err != nil {
		return nil, err
	}
	store := sessions.NewCookieStore(deriveKey(d.SessionKey, "cookie-auth"), deriveKey(d.SessionKey, "cookie-encrypt"))
	store.Options = &sessions.Options{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 0}
	return &Server{Deps: d, cookies: store, assets: assets, metrics: metrics}, nil
}

// deriveKey separates the signing and encryption keys so that one is never
// used for both purposes.
func deriveKey(secret []byte, purpose string) []byte {
	h := sha256.Sum256(append([]byte("okno/"+purpose+"/"), secret...))
	return h[:]
}

// Handler returns the complete HTTP handler.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.withRequestID, s.observe, s.recoverPanics, securityHeaders)
	r.NotFound(s.h(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(s.h(func(w http.ResponseWriter, r *http.Request) error { return errMethodNotAllowed }))

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}))
	r.Get("/static/{name}", s.serveAsset)
	r.Get("/favicon.ico", s.serveFavicon)

	r.Group(func(r chi.Router) {
		r.Use(s.csrf, s.limitBody, s.session, s.checkText)
		r.Get("/login", s.h(s.loginPage))
		r.Post("/login", s.h(s.login))

		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin)
			r.Post("/logout", s.h(s.logout))
			r.Get("/login/second-factor", s.h(s.secondFactorPage))
			r.Post("/login/second-factor", s.h(s.secondFactor))

			r.Group(func(r chi.Router) {
				r.Use(s.requireCompleteLogin)
				r.Get("/", s.h(s.home))
				r.Get("/account", s.h(s.accountPage))
				r.Post("/account/password", s.h(s.changePassword))
				r.Get("/account/second-factor", s.h(s.enrolPage))
				r.Get("/account/second-factor/qr.png", s.h(s.enrolQR))
				r.Post("/account/second-factor/start", s.h(s.startEnrolment))
				r.Post("/account/second-factor", s.h(s.confirmEnrolment))

				r.Group(func(r chi.Router) {
					r.Use(s.requireRole(people.RoleClerk, people.RoleHead))
					// registry routes
					s.registryRoutes(r)
					s.officeRoutes(r)
					s.caseRoutes(r)
					s.draftRoutes(r)
				})
				r.Group(func(r chi.Router) {
					r.Use(s.requireRole(people.RoleHead, people.RoleAgencyAdmin))
					s.deliveryRoutes(r)
				})
				r.Route("/admin", func(r chi.Router) {
					r.Use(s.requireRole(people.RoleAgencyAdmin))
					r.Get("/users", s.h(s.usersPage))
					r.Get("/users/new", s.h(s.newUserPage))
					r.Post("/users/new", s.h(s.createUser))
					r.Get("/users/{id}", s.h(s.userPage))
					r.Post("/users/{id}", s.h(s.updateUser))
					r.Post("/users/{id}/disable", s.h(s.disableUser))
					r.Post("/users/{id}/enable", s.h(s.enableUser))
					r.Post("/users/{id}/reset-password", s.h(s.resetPassword))
					r.Post("/users/{id}/unlock", s.h(s.unlockUser))
					r.Post("/users/{id}/reset-second-factor", s.h(s.resetSecondFactor))
					r.Get("/departments", s.h(s.departmentsPage))
					r.Post("/departments", s.h(s.createDepartment))
					r.Post("/departments/{id}", s.h(s.renameDepartment))
					r.Get("/settings", s.h(s.settingsPage))
					r.Post("/settings", s.h(s.saveSettings))
					r.Get("/audit", s.h(s.auditPage))
				})
				r.Route("/platform", func(r chi.Router) {
					r.Use(s.requireRole(people.RolePlatformAdmin))
					r.Get("/agencies", s.h(s.agenciesPage))
					r.Get("/agencies/new", s.h(s.newAgencyPage))
					r.Post("/agencies/new", s.h(s.createAgency))
					r.Get("/dead-letters", s.h(s.deadLettersPage))
					r.Get("/dead-letters/{id}/{message}", s.h(s.deadLetterPage))
					r.Post("/dead-letters/{id}/{message}/retry", s.h(s.retryDeadLetter))
					r.Post("/dead-letters/{id}/{message}/close", s.h(s.closeDeadLetter))
				})
			})
		})
	})
	return r
}

// navFor lists what a role can open, in the order people use it.
func navFor(p *people.Principal) []navLink {
	links := []navLink{{"/", "Главная"}}
	switch p.User.Role {
	case people.RoleAgencyAdmin:
		links = append(links, navLink{"/admin/users", "Пользователи"}, navLink{"/admin/departments", "Отделы"},
			navLink{"/admin/settings", "Настройки"}, navLink{"/admin/audit", "Журнал аудита"})
	case people.RolePlatformAdmin:
		links = append(links, navLink{"/platform/agencies", "Ведомства"}, navLink{"/platform/dead-letters", "Необработанные сообщения"})
	case people.RoleClerk, people.RoleHead:
		links = append(links, navLink{"/cases", "Реестр"}, navLink{"/cases/mine", "Мои дела"}, navLink{"/cases/new", "Новое заявление"})
	}
	return append(links, navLink{"/account", "Учётная запись"})
}

type navLink struct{ href, label string }
