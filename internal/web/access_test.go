package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRouteRoleTable checks every page route for every role: who gets the
// page, who is sent to log in, who is refused.
func TestRouteRoleTable(t *testing.T) {
	s := newSite(t)
	const (
		ok, created, redirect, forbidden, login = http.StatusOK, http.StatusCreated, http.StatusSeeOther, http.StatusForbidden, -1
	)
	roles := []string{"anonymous", "minstroy.clerk", "minstroy.head", "minstroy.admin", "platform.admin"}
	browsers := map[string]*browser{}
	for _, r := range roles {
		browsers[r] = s.browser()
		if r != "anonymous" {
			browsers[r].login(r)
		}
	}
	newDept := func(role string) url.Values { return url.Values{"name": {"Отдел " + role}} }
	newAgency := func(role string) url.Values {
		code := map[string]string{"anonymous": "AN", "minstroy.clerk": "CL", "minstroy.head": "HD", "minstroy.admin": "AD", "platform.admin": "PA"}[role]
		return url.Values{"code": {"T" + code}, "name": {"Тестовое ведомство " + code}, "short_name": {"Тест " + code},
			"admin_login": {"admin." + code + ".x"}, "admin_name": {"Админ Тестов"}}
	}
	table := []struct {
		method, path string
		form         func(role string) url.Values
		want         [5]int // anonymous, clerk, head, agency admin, platform admin
	}{
		{"GET", "/healthz", nil, [5]int{ok, ok, ok, ok, ok}},
		{"GET", "/readyz", nil, [5]int{ok, ok, ok, ok, ok}},
		{"GET", "/metrics", nil, [5]int{ok, ok, ok, ok, ok}},
		{"GET", "/login", nil, [5]int{ok, redirect, redirect, redirect, redirect}},
		{"GET", "/", nil, [5]int{login, ok, ok, ok, ok}},
		{"GET", "/account", nil, [5]int{login, ok, ok, ok, ok}},
		{"GET", "/account/second-factor", nil, [5]int{login, ok, ok, ok, ok}},
		{"POST", "/account/second-factor/start", func(string) url.Values { return url.Values{} }, [5]int{login, redirect, redirect, redirect, redirect}},
		{"GET", "/cases", nil, [5]int{login, ok, ok, forbidden, forbidden}},
		{"GET", "/cases/mine", nil, [5]int{login, ok, ok, forbidden, forbidden}},
		{"GET", "/cases/export.csv", nil, [5]int{login, ok, ok, forbidden, forbidden}},
		{"GET", "/cases/new", nil, [5]int{login, ok, ok, forbidden, forbidden}},
		{"GET", "/cases/new/RNS", nil, [5]int{login, ok, ok, forbidden, forbidden}},
		{"GET", "/cases/new/OKN-R", nil, [5]int{login, http.StatusNotFound, http.StatusNotFound, forbidden, forbidden}}, // another agency's service
		{"GET", "/admin/users", nil, [5]int{login, forbidden, forbidden, ok, forbidden}},
		{"GET", "/admin/users/new", nil, [5]int{login, forbidden, forbidden, ok, forbidden}},
		{"GET", "/admin/departments", nil, [5]int{login, forbidden, forbidden, ok, forbidden}},
		{"POST", "/admin/departments", newDept, [5]int{login, forbidden, forbidden, redirect, forbidden}},
		{"GET", "/admin/settings", nil, [5]int{login, forbidden, forbidden, ok, forbidden}},
		{"GET", "/admin/audit", nil, [5]int{login, forbidden, forbidden, ok, forbidden}},
		{"GET", "/platform/agencies", nil, [5]int{login, forbidden, forbidden, forbidden, ok}},
		{"GET", "/platform/agencies/new", nil, [5]int{login, forbidden, forbidden, forbidden, ok}},
		{"POST", "/platform/agencies/new", newAgency, [5]int{login, forbidden, forbidden, forbidden, created}},
		{"GET", "/no-such-page", nil, [5]int{http.StatusNotFound, http.StatusNotFound, http.StatusNotFound, http.StatusNotFound, http.StatusNotFound}},
	}
	for _, row := range table {
		for i, role := range roles {
			t.Run(fmt.Sprintf("%s %s as %s", row.method, row.path, role), func(t *testing.T) {
				var form url.Values
				if row.form != nil {
					form = row.form(role)
				}
				r := browsers[role].do(row.method, row.path, form, nil)
				want := row.want[i]
				if want == login {
					if r.status != http.StatusSeeOther || r.location[:6] != "/login" {
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

// TestCrossAgencyAccessIsNotFound: an administrator of one agency cannot
// see or change a user of another, by any route; the answer does not even
// confirm that the user exists.
func TestCrossAgencyAccessIsNotFound(t *testing.T) {
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
