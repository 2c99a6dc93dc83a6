package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

// TestRouteRoleTable checks every route of the real router for every role:
// who gets the page, who is sent to log in, who is refused. The routes come
// from the router itself (chi.Walk), so a new route without a row here fails
// the test.
func TestRouteRoleTable(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const (
		ok, created, noContent, redirect, badRequest, unauthorized, forbidden, notFound, invalid, login = http.StatusOK, http.StatusCreated,
			http.StatusNoContent, http.StatusSeeOther, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
			http.StatusUnprocessableEntity, -1
	)
	roles := []string{"anonymous", "minstroy.clerk", "minstroy.head", "minstroy.admin", "platform.admin"}
	browserFor := func(role string) *browser {
		b := s.browser()
		if role != "anonymous" {
			b.login(role)
		}
		return b
	}
	browsers := map[string]*browser{}
	for _, r := range roles {
		browsers[r] = browserFor(r)
	}
	asset := regexp.MustCompile(`/static/[^"]+\.css`).FindString(browsers["anonymous"].get("/login").body)
	if asset == "" {
		t.Fatal("the login page links no stylesheet")
	}
	nobody := uuid.NewString() // an id that names nothing
	newDept := func(role string) url.Values { return url.Values{"name": {"Отдел " + role}} }
	newAgency := func(role string) url.Values {
		code := map[string]string{"anonymous": "AN", "minstroy.clerk": "CL", "minstroy.head": "HD", "minstroy.admin": "AD", "platform.admin": "PA"}[role]
		return url.Values{"code": {"T" + code}, "name": {"Тестовое ведомство " + code}, "short_name": {"Тест " + code},
			"admin_login": {"admin." + code + ".x"}, "admin_name": {"Админ Тестов"}}
	}
	empty := func(string) url.Values { return url.Values{} }
	badCode := func(string) url.Values { return url.Values{"code": {"000000"}} }
	table := []struct {
		method, path string
		form         func(role string) url.Values
		want         [5]int // anonymous, clerk, head, agency admin, platform admin
		ownBrowser   bool   // the request ends the session: use a browser of its own
	}{
		{"GET", "/healthz", nil, [5]int{ok, ok, ok, ok, ok}, false},
		{"GET", "/readyz", nil, [5]int{ok, ok, ok, ok, ok}, false},
		{"GET", "/metrics", nil, [5]int{ok, ok, ok, ok, ok}, false},
		{"GET", asset, nil, [5]int{ok, ok, ok, ok, ok}, false},
		{"GET", "/favicon.ico", nil, [5]int{ok, ok, ok, ok, ok}, false},
		{"GET", "/login", nil, [5]int{ok, redirect, redirect, redirect, redirect}, false},
		{"POST", "/login", func(string) url.Values { return url.Values{"login": {"nobody.here"}, "password": {"wrong"}} },
			[5]int{unauthorized, unauthorized, unauthorized, unauthorized, unauthorized}, true},
		{"POST", "/logout", empty, [5]int{login, redirect, redirect, redirect, redirect}, true},
		{"GET", "/login/second-factor", nil, [5]int{login, redirect, redirect, redirect, redirect}, false},
		{"POST", "/login/second-factor", badCode, [5]int{login, redirect, redirect, redirect, redirect}, false},
		{"GET", "/", nil, [5]int{login, ok, ok, ok, ok}, false},
		{"GET", "/account", nil, [5]int{login, ok, ok, ok, ok}, false},
		{"POST", "/account/password", empty, [5]int{login, invalid, invalid, invalid, invalid}, false},
		{"GET", "/account/second-factor", nil, [5]int{login, ok, ok, ok, ok}, false},
		{"GET", "/account/second-factor/qr.png", nil, [5]int{login, notFound, notFound, notFound, notFound}, false}, // no key started yet: a GET makes none
		{"POST", "/account/second-factor", badCode, [5]int{login, invalid, invalid, invalid, invalid}, false},
		{"POST", "/account/second-factor/start", empty, [5]int{login, redirect, redirect, redirect, redirect}, false},
		{"GET", "/cases", nil, [5]int{login, ok, ok, forbidden, forbidden}, false},
		{"GET", "/cases/mine", nil, [5]int{login, ok, ok, forbidden, forbidden}, false},
		{"GET", "/cases/export.csv", nil, [5]int{login, ok, ok, forbidden, forbidden}, false},
		{"POST", "/cases/assign", empty, [5]int{login, redirect, redirect, forbidden, forbidden}, false},  // back to the registry with a flash
		{"POST", "/cases/filters", empty, [5]int{login, redirect, redirect, forbidden, forbidden}, false}, // back to the registry with a flash
		{"POST", "/cases/filters/" + nobody + "/delete", empty, [5]int{login, notFound, notFound, forbidden, forbidden}, false},
		{"GET", "/drafts", nil, [5]int{login, badRequest, badRequest, forbidden, forbidden}, false}, // no key
		{"POST", "/drafts", func(string) url.Values {
			return url.Values{"key": {"office/RNS"}, "values": {`{"applicant.last_name": "Черновиков"}`}}
		},
			[5]int{login, noContent, noContent, forbidden, forbidden}, false},
		{"POST", "/drafts", empty, [5]int{login, badRequest, badRequest, forbidden, forbidden}, false}, // no key
		{"GET", "/cases/new", nil, [5]int{login, ok, ok, forbidden, forbidden}, false},
		{"GET", "/cases/new/RNS", nil, [5]int{login, ok, ok, forbidden, forbidden}, false},
		{"GET", "/cases/new/OKN-R", nil, [5]int{login, notFound, notFound, forbidden, forbidden}, false},      // another agency's service
		{"POST", "/cases/new/RNS", empty, [5]int{login, badRequest, badRequest, forbidden, forbidden}, false}, // not a multipart form
		{"GET", "/cases/" + nobody, nil, [5]int{login, notFound, notFound, forbidden, forbidden}, false},
		{"POST", "/cases/" + nobody + "/status", empty, [5]int{login, redirect, redirect, forbidden, forbidden}, false}, // no status chosen: a flash
		{"POST", "/cases/" + nobody + "/assign", empty, [5]int{login, notFound, notFound, forbidden, forbidden}, false},
		{"GET", "/cases/" + nobody + "/documents/" + nobody, nil, [5]int{login, notFound, notFound, forbidden, forbidden}, false},
		{"GET", "/cases/" + nobody + "/documents/" + nobody + "/signature", nil, [5]int{login, notFound, notFound, forbidden, forbidden}, false},
		{"POST", "/cases/" + nobody + "/deliveries/2/retry", empty, [5]int{login, forbidden, notFound, notFound, forbidden}, false},
		{"POST", "/cases/" + nobody + "/deliveries/2/cancel", empty, [5]int{login, forbidden, redirect, redirect, forbidden}, false}, // no reason: a flash
		{"GET", "/admin/users", nil, [5]int{login, forbidden, forbidden, ok, forbidden}, false},
		{"GET", "/admin/users/new", nil, [5]int{login, forbidden, forbidden, ok, forbidden}, false},
		{"POST", "/admin/users/new", empty, [5]int{login, forbidden, forbidden, invalid, forbidden}, false},
		{"GET", "/admin/users/" + nobody, nil, [5]int{login, forbidden, forbidden, notFound, forbidden}, false},
		{"POST", "/admin/users/" + nobody, empty, [5]int{login, forbidden, forbidden, notFound, forbidden}, false},
		{"POST", "/admin/users/" + nobody + "/disable", empty, [5]int{login, forbidden, forbidden, notFound, forbidden}, false},
		{"POST", "/admin/users/" + nobody + "/enable", empty, [5]int{login, forbidden, forbidden, notFound, forbidden}, false},
		{"POST", "/admin/users/" + nobody + "/reset-password", empty, [5]int{login, forbidden, forbidden, notFound, forbidden}, false},
		{"POST", "/admin/users/" + nobody + "/unlock", empty, [5]int{login, forbidden, forbidden, notFound, forbidden}, false},
		{"POST", "/admin/users/" + nobody + "/reset-second-factor", empty, [5]int{login, forbidden, forbidden, notFound, forbidden}, false},
		{"GET", "/admin/departments", nil, [5]int{login, forbidden, forbidden, ok, forbidden}, false},
		{"POST", "/admin/departments", newDept, [5]int{login, forbidden, forbidden, redirect, forbidden}, false},
		{"POST", "/admin/departments/" + nobody, newDept, [5]int{login, forbidden, forbidden, notFound, forbidden}, false},
		{"GET", "/admin/settings", nil, [5]int{login, forbidden, forbidden, ok, forbidden}, false},
		{"POST", "/admin/settings", empty, [5]int{login, forbidden, forbidden, redirect, forbidden}, false},
		{"GET", "/admin/audit", nil, [5]int{login, forbidden, forbidden, ok, forbidden}, false},
		{"GET", "/platform/agencies", nil, [5]int{login, forbidden, forbidden, forbidden, ok}, false},
		{"GET", "/platform/agencies/new", nil, [5]int{login, forbidden, forbidden, forbidden, ok}, false},
		{"POST", "/platform/agencies/new", newAgency, [5]int{login, forbidden, forbidden, forbidden, created}, false},
		{"GET", "/platform/dead-letters", nil, [5]int{login, forbidden, forbidden, forbidden, ok}, false},
		{"GET", "/platform/dead-letters/" + nobody + "/" + nobody, nil, [5]int{login, forbidden, forbidden, forbidden, notFound}, false},
		{"POST", "/platform/dead-letters/" + nobody + "/" + nobody + "/retry", empty, [5]int{login, forbidden, forbidden, forbidden, notFound}, false},
		{"POST", "/platform/dead-letters/" + nobody + "/" + nobody + "/close", empty, [5]int{login, forbidden, forbidden, forbidden, redirect}, false}, // no reason: a flash
		{"GET", "/no-such-page", nil, [5]int{notFound, notFound, notFound, notFound, notFound}, false},
	}

	// Every route of the router has a row, and every row reaches a route
	// (or is meant to be a 404).
	router, isRouter := s.handler.(chi.Routes)
	if !isRouter {
		t.Fatalf("the handler is a %T, not a chi router", s.handler)
	}
	covered := map[string]bool{}
	for _, row := range table {
		pattern := router.Find(chi.NewRouteContext(), row.method, row.path)
		if pattern == "" && row.want != [5]int{notFound, notFound, notFound, notFound, notFound} {
			t.Errorf("row %s %s reaches no route", row.method, row.path)
		}
		covered[row.method+" "+pattern] = true
	}
	for _, route := range routesOf(t, router) {
		if !covered[route] {
			t.Errorf("route %s has no row in the route × role table: add one saying what each role gets", route)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	for _, row := range table {
		for i, role := range roles {
			t.Run(fmt.Sprintf("%s %s as %s", row.method, row.path, role), func(t *testing.T) {
				var form url.Values
				if row.form != nil {
					form = row.form(role)
				}
				b := browsers[role]
				if row.ownBrowser {
					b = browserFor(role)
				}
				r := b.do(row.method, row.path, form, nil)
				want := row.want[i]
				if want == login {
					if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
						t.Fatalf("got %d → %q, want a redirect to /login", r.status, r.location)
					}
					return
				}
				if r.status != want {
					t.Fatalf("got %d, want %d", r.status, want)
				}
				if want == forbidden {
					mustContain(t, r, "Доступ запрещён")
				}
			})
		}
	}
	// Refused writes changed nothing: only the administrator's department exists.
	if n := s.count(`SELECT count(*) FROM departments WHERE name LIKE 'Отдел %.%'`); n != 1 {
		t.Fatalf("%d departments created by the table, want exactly the administrator's", n)
	}
	if n := s.count(`SELECT count(*) FROM agencies WHERE code LIKE 'T__'`); n != 1 {
		t.Fatalf("%d agencies created by the table, want exactly the platform administrator's", n)
	}
}

// routesOf lists the router's routes as "METHOD pattern". A route served
// for every method (r.Handle) is listed once, as GET.
func routesOf(t *testing.T, router chi.Routes) []string {
	t.Helper()
	methods := map[string][]string{}
	err := chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		methods[route] = append(methods[route], method)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const everyMethod = 9 // CONNECT DELETE GET HEAD OPTIONS PATCH POST PUT TRACE
	var routes []string
	for route, ms := range methods {
		if len(ms) >= everyMethod {
			ms = []string{http.MethodGet}
		}
		for _, m := range ms {
			routes = append(routes, m+" "+route)
		}
	}
	sort.Strings(routes)
	return routes
}

// TestCrossAgencyAccessIsNotFound: an administrator of one agency cannot
// see or change a user of another, by any route; the answer does not even
// confirm that the user exists.
func TestCrossAgencyAccessIsNotFound(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	admin := s.browser().login("minstroy.admin")
	foreign := s.userID("okn.clerk").String()
	for _, req := range []struct{ method, path string }{
		{"GET", "/admin/users/" + foreign},
		{"POST", "/admin/users/" + foreign},
		{"POST", "/admin/users/" + foreign + "/disable"},
		{"POST", "/admin/users/" + foreign + "/reset-password"},
		{"POST", "/admin/users/" + foreign + "/unlock"},
		{"POST", "/admin/users/" + foreign + "/reset-second-factor"},
	} {
		var form url.Values
		if req.method == "POST" {
			form = url.Values{"full_name": {"Взломщиков"}, "role": {"agency_admin"}}
		}
		r := admin.do(req.method, req.path, form, nil)
		if r.status != http.StatusNotFound {
			t.Errorf("%s %s: got %d, want 404", req.method, req.path, r.status)
		}
		mustContain(t, r, "Страница не найдена")
	}
	var name, role string
	var disabled bool
	if err := s.ownerQuery(`SELECT full_name, role, disabled_at IS NOT NULL FROM users WHERE login = 'okn.clerk'`).Scan(&name, &role, &disabled); err != nil {
		t.Fatal(err)
	}
	if name != "Смирнов Дмитрий Олегович" || role != "clerk" || disabled {
		t.Fatalf("foreign user changed: %s %s disabled=%v", name, role, disabled)
	}
	// The users list shows only the administrator's own agency.
	r := admin.get("/admin/users")
	mustContain(t, r, "minstroy.clerk")
	if strings.Contains(r.body, "okn.clerk") || strings.Contains(r.body, "platform.admin") {
		t.Fatal("users list shows another agency's users")
	}
}
