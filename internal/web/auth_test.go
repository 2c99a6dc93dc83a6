package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/okno-oiv/okno/internal/demo"
)

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.ownerExec(`UPDATE users SET disabled_at = now() WHERE login = 'okn.head'`)
	cases := []struct {
		name, login, password string
		status                int
		message               string
	}{
		{"wrong password", "minstroy.clerk", "not-the-password", http.StatusUnauthorized, "Неверный логин или пароль."},
		{"unknown user", "nobody.here", demo.Password, http.StatusUnauthorized, "Неверный логин или пароль."},
		{"disabled user", "okn.head", demo.Password, http.StatusForbidden, "Учётная запись отключена"},
		{"empty form", "", "", http.StatusUnauthorized, "Неверный логин или пароль."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := s.browser()
			r := b.post("/login", url.Values{"login": {tc.login}, "password": {tc.password}})
			if r.status != tc.status {
				t.Fatalf("got %d, want %d", r.status, tc.status)
			}
			mustContain(t, r, tc.message)
			if b.get("/").status != http.StatusSeeOther {
				t.Fatal("refused login still opened a session")
			}
		})
	}
	if n := s.count(`SELECT count(*) FROM user_sessions`); n != 0 {
		t.Fatalf("%d sessions exist after refused logins", n)
	}
}

func TestLockoutAfterRepeatedFailures(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser()
	for i := 1; i <= 4; i++ {
		if r := b.post("/login", url.Values{"login": {"minstroy.head"}, "password": {"wrong"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: got %d", i, r.status)
		}
	}
	r := b.post("/login", url.Values{"login": {"minstroy.head"}, "password": {"wrong"}})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("fifth failure: got %d, want 429", r.status)
	}
	mustContain(t, r, "Слишком много неудачных попыток")
	// Even the right password is refused while locked.
	r = b.post("/login", url.Values{"login": {"minstroy.head"}, "password": {demo.Password}})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("right password while locked: got %d", r.status)
	}
	// When the lock expires, the right password works again.
	s.ownerExec(`UPDATE users SET locked_until = now() - interval '1 second' WHERE login = 'minstroy.head'`)
	s.browser().login("minstroy.head")
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'login.failed'`); n != 5 {
		t.Fatalf("audit has %d failed logins, want 5", n)
	}
}

func TestSessionRotationAndLogout(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser().login("minstroy.clerk")
	if n := s.count(`SELECT count(*) FROM user_sessions`); n != 1 {
		t.Fatalf("%d sessions after login", n)
	}
	// Logging in again in the same browser replaces the session, never reuses it.
	var before []byte
	if err := s.ownerQuery(`SELECT token_hash FROM user_sessions`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	b.login("minstroy.head")
	var after []byte
	var login string
	if err := s.ownerQuery(`SELECT s.token_hash, u.login FROM user_sessions s JOIN users u ON u.id = s.user_id`).Scan(&after, &login); err != nil {
		t.Fatal(err)
	}
	if string(before) == string(after) || login != "minstroy.head" {
		t.Fatalf("session not rotated: same=%v login=%s", string(before) == string(after), login)
	}
	if n := s.count(`SELECT count(*) FROM user_sessions`); n != 1 {
		t.Fatalf("old session survived the new login: %d sessions", n)
	}
	r := b.post("/logout", url.Values{})
	if r.status != http.StatusSeeOther || r.location != "/login" {
		t.Fatalf("logout: %d %s", r.status, r.location)
	}
	mustContain(t, b.get("/login"), "Вы вышли из системы.")
	if b.get("/").status != http.StatusSeeOther || s.count(`SELECT count(*) FROM user_sessions`) != 0 {
		t.Fatal("session still valid after logout")
	}
}

func TestExpiredSession(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser().login("minstroy.clerk")
	s.ownerExec(`UPDATE user_sessions SET expires_at = now() - interval '1 minute'`)
	r := b.get("/account")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Fatalf("expired session: got %d → %s", r.status, r.location)
	}
	mustContain(t, b.get("/login"), "Сеанс завершён из-за бездействия")
	if n := s.count(`SELECT count(*) FROM user_sessions`); n != 0 {
		t.Fatalf("expired session row kept: %d", n)
	}
}

func TestStateChangesRefusedFromOtherSites(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser().login("minstroy.admin")
	form := url.Values{"name": {"Отдел из чужого сайта"}}
	cases := []struct {
		name    string
		headers map[string]string
		message string
	}{
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, "Запрос пришёл с другого сайта"},
		{"foreign origin", map[string]string{"Sec-Fetch-Site": "", "Origin": "http://evil.example"}, "Запрос пришёл с другого сайта"},
		{"no origin at all", map[string]string{"Sec-Fetch-Site": ""}, "Не удалось подтвердить, что запрос отправлен со страницы"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := b.do(http.MethodPost, "/admin/departments", form, tc.headers)
			if r.status != http.StatusForbidden {
				t.Fatalf("got %d, want 403", r.status)
			}
			mustContain(t, r, tc.message)
		})
	}
	if n := s.count(`SELECT count(*) FROM departments WHERE name = 'Отдел из чужого сайта'`); n != 0 {
		t.Fatal("a refused request created a department")
	}
}

func TestMalformedForms(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser().login("minstroy.admin")
	t.Run("oversized", func(t *testing.T) {
		r := b.post("/admin/departments", url.Values{"name": {strings.Repeat("я", 40<<10)}})
		if r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("got %d, want 413", r.status)
		}
		mustContain(t, r, "Слишком большой запрос")
	})
	t.Run("broken UTF-8", func(t *testing.T) {
		r := b.post("/admin/departments", url.Values{"name": {"Отдел \xff\xfe"}})
		if r.status != http.StatusBadRequest {
			t.Fatalf("got %d, want 400", r.status)
		}
		mustContain(t, r, "не в кодировке UTF-8")
	})
	t.Run("empty department name", func(t *testing.T) {
		r := b.post("/admin/departments", url.Values{"name": {"   "}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", r.status)
		}
		mustContain(t, r, "Укажите название отдела.", `aria-invalid="true"`)
	})
	t.Run("duplicate login across agencies", func(t *testing.T) {
		r := b.post("/admin/users/new", url.Values{"login": {"OKN.Clerk"}, "full_name": {"Двойников Пётр"}, "role": {"clerk"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", r.status)
		}
		mustContain(t, r, "Этот логин уже занят", `value="Двойников Пётр"`)
	})
	t.Run("unknown role", func(t *testing.T) {
		r := b.post("/admin/users/new", url.Values{"login": {"new.person"}, "full_name": {"Новиков Иван"}, "role": {"platform_admin"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", r.status)
		}
		mustContain(t, r, "Выберите роль из списка.")
	})
	if n := s.count(`SELECT count(*) FROM departments WHERE agency_id = (SELECT id FROM agencies WHERE code = 'MINSTROY')`); n != 2 {
		t.Fatalf("bad forms changed departments: %d", n)
	}
	if n := s.count(`SELECT count(*) FROM users WHERE full_name IN ('Двойников Пётр', 'Новиков Иван')`); n != 0 {
		t.Fatal("bad forms created users")
	}
}

var secretPattern = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
var codePattern = regexp.MustCompile(`<code>([a-z0-9]{5}-[a-z0-9]{5})</code>`)

func TestSecondFactorEnrolmentAndLogin(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser().login("minstroy.head")
	if r := b.post("/account/second-factor/start", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("start enrolment: %d", r.status)
	}
	page := b.get("/account/second-factor")
	m := secretPattern.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no secret on the enrolment page:\n%s", page.body)
	}
	secret := m[1]
	if r := b.get("/account/second-factor/qr.png"); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := b.post("/account/second-factor", url.Values{"code": {"000000"}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong enrolment code: %d", r.status)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	r := b.post("/account/second-factor", url.Values{"code": {code}})
	if r.status != http.StatusOK {
		t.Fatalf("enrolment: %d %s", r.status, r.body)
	}
	recovery := codePattern.FindAllStringSubmatch(r.body, -1)
	if len(recovery) != 10 {
		t.Fatalf("got %d recovery codes", len(recovery))
	}
	b.post("/logout", url.Values{})

	// The next login stops at the code.
	b2 := s.browser()
	r = b2.post("/login", url.Values{"login": {"minstroy.head"}, "password": {demo.Password}})
	if r.status != http.StatusSeeOther || r.location != "/login/second-factor" {
		t.Fatalf("login with 2FA: %d → %s", r.status, r.location)
	}
	if r := b2.get("/"); r.location != "/login/second-factor" {
		t.Fatalf("pages open before the code: %d → %s", r.status, r.location)
	}
	if r := b2.post("/login/second-factor", url.Values{"code": {"123456"}}); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d", r.status)
	}
	if r := b2.post("/login/second-factor", url.Values{"code": {nextCode(secret)}}); r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("right code: %d → %s", r.status, r.location)
	}
	if r := b2.get("/"); r.status != http.StatusOK {
		t.Fatalf("home after code: %d", r.status)
	}

	// A recovery code works once, typed in capitals with spaces.
	for i, want := range []int{http.StatusSeeOther, http.StatusUnauthorized} {
		b3 := s.browser()
		b3.post("/login", url.Values{"login": {"minstroy.head"}, "password": {demo.Password}})
		typed := " " + strings.ToUpper(recovery[0][1]) + " "
		if r := b3.post("/login/second-factor", url.Values{"code": {typed}}); r.status != want {
			t.Fatalf("recovery code use %d: got %d, want %d", i+1, r.status, want)
		}
	}
}

func TestAgencyRequiresSecondFactor(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	admin := s.browser().login("minstroy.admin")
	admin.redirectedTo(t, admin.post("/admin/settings", url.Values{"require_second_factor": {"on"}}), "Настройки сохранены.")
	if n := s.count(`SELECT count(*) FROM agencies WHERE code = 'MINSTROY' AND require_second_factor`); n != 1 {
		t.Fatal("the setting was not stored")
	}
	// A head without a second factor can only enrol; a clerk is not affected.
	head := s.browser().login("minstroy.head")
	if r := head.get("/"); r.status != http.StatusSeeOther || r.location != "/account/second-factor" {
		t.Fatalf("head not sent to enrol: %d → %s", r.status, r.location)
	}
	if r := s.browser().login("minstroy.clerk").get("/"); r.status != http.StatusOK {
		t.Fatalf("clerk blocked: %d", r.status)
	}
	// Another agency's setting is untouched.
	if r := s.browser().login("okn.head").get("/"); r.status != http.StatusOK {
		t.Fatalf("other agency affected: %d", r.status)
	}
}

func TestUserAdministration(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	admin := s.browser().login("minstroy.admin")
	r := admin.post("/admin/users/new", url.Values{"login": {"Sidorov.P"}, "full_name": {"  Сидоров   Пётр Ильич "}, "role": {"head"}})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	m := regexp.MustCompile(`id="issued-password">([^<]+)<`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("temporary password not shown")
	}
	// The new user must replace the temporary password before anything else.
	u := s.browser()
	if r := u.post("/login", url.Values{"login": {"sidorov.p"}, "password": {m[1]}}); r.status != http.StatusSeeOther {
		t.Fatalf("login with temporary password: %d", r.status)
	}
	if r := u.get("/"); r.location != "/account" {
		t.Fatalf("temporary password not forced to change: %d → %s", r.status, r.location)
	}
	if r := u.post("/account/password", url.Values{"current_password": {m[1]}, "new_password": {"short"}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("short password accepted: %d", r.status)
	}
	// The change lands on a page that shows it (a 200, the temporary
	// password no longer forcing /account).
	if page := u.redirectedTo(t, u.post("/account/password", url.Values{"current_password": {m[1]}, "new_password": {"Длинный-пароль-2026"}}), "Пароль изменён."); page.status != http.StatusOK {
		t.Fatalf("page after password change: %d", page.status)
	}
	if r := u.get("/"); r.status != http.StatusOK {
		t.Fatalf("home after password change: %d", r.status)
	}
	if r := s.browser().post("/login", url.Values{"login": {"sidorov.p"}, "password": {"Длинный-пароль-2026"}}); r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("login with the new password: %d → %q", r.status, r.location)
	}

	id := s.userID("sidorov.p").String()
	admin.redirectedTo(t, admin.post("/admin/users/"+id+"/disable", url.Values{}), "Учётная запись отключена, её сеансы завершены.")
	if n := s.count(`SELECT count(*) FROM users WHERE login = 'sidorov.p' AND disabled_at IS NOT NULL`); n != 1 {
		t.Fatal("the user is not marked disabled")
	}
	if r := u.get("/"); r.status != http.StatusSeeOther {
		t.Fatal("a disabled user's session still works")
	}
	var fullName string
	if err := s.ownerQuery(`SELECT full_name FROM users WHERE login = 'sidorov.p'`).Scan(&fullName); err != nil || fullName != "Сидоров Пётр Ильич" {
		t.Fatalf("name not normalised: %q %v", fullName, err)
	}
	// Every action is in the agency's audit log, and the chain is intact.
	audit := admin.get("/admin/audit")
	mustContain(t, audit, "user.create", "user.change_password", "user.disable", "Целостность журнала подтверждена")
}

func TestErrorPagesAndOperations(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser()
	r := b.get("/nowhere")
	if r.status != http.StatusNotFound {
		t.Fatalf("404: %d", r.status)
	}
	mustContain(t, r, "Страница не найдена", `lang="ru"`)
	// Scripts run only with this response's nonce, which only the layout's
	// own script tag carries; 'self' would admit an uploaded file too.
	csp := r.header.Get("Content-Security-Policy")
	nonce := regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9]{20,})';`).FindStringSubmatch(csp)
	if nonce == nil || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("CSP: %q", csp)
	}
	mustContain(t, r, `nonce="`+nonce[1]+`"`)
	if again := b.get("/nowhere").header.Get("Content-Security-Policy"); again == csp {
		t.Fatalf("the nonce is the same in two responses: %q", csp)
	}
	b.get("/login")
	m := b.get("/metrics")
	mustContain(t, m, `okno_http_requests_total{method="GET",route="/login",status="200"} 1`, `okno_http_request_duration_seconds_bucket{method="GET",route="unmatched"`)

	// With the database gone: readiness fails, and a page that needs the
	// database shows a 500 with a request id that is also in the log.
	s.db.App.Close()
	if r := b.get("/readyz"); r.status != http.StatusServiceUnavailable {
		t.Fatalf("readyz without database: %d", r.status)
	}
	r = b.post("/login", url.Values{"login": {"minstroy.clerk"}, "password": {demo.Password}})
	if r.status != http.StatusInternalServerError {
		t.Fatalf("500 expected, got %d", r.status)
	}
	id := r.header.Get("X-Request-Id")
	mustContain(t, r, "Внутренняя ошибка", id)
	if strings.Contains(r.body, "pool") || strings.Contains(r.body, "closed") {
		t.Fatalf("internal details leak to the page: %s", r.body)
	}
	if !strings.Contains(s.log.String(), `"request_id":"`+id+`"`) {
		t.Fatalf("500 not logged with its request id %s:\n%s", id, s.log.String())
	}
}
