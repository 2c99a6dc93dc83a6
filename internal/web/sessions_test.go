package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/okno-oiv/okno/internal/demo"
)

// enrol connects a second factor for the browser's user through the pages and
// returns the secret and the code that confirmed it.
func (b *browser) enrol() (secret, code string) {
	t := b.s.t
	t.Helper()
	if r := b.post("/account/second-factor/start", url.Values{}); r.status != http.StatusSeeOther || r.location != "/account/second-factor" {
		t.Fatalf("start enrolment: %d → %q %s", r.status, r.location, r.body)
	}
	page := b.get("/account/second-factor")
	m := secretPattern.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no secret on the enrolment page:\n%s", page.body)
	}
	code, _ = totp.GenerateCode(m[1], time.Now())
	if r := b.post("/account/second-factor", url.Values{"code": {code}}); r.status != http.StatusOK {
		t.Fatalf("confirm enrolment: %d %s", r.status, r.body)
	}
	return m[1], code
}

// nextCode is the code of the following time step, which the server accepts
// (one step of skew) and which was not used yet.
func nextCode(secret string) string {
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	return code
}

// TestChangingPasswordEndsOtherSessions: the person's other browsers are
// logged out, the browser that changed the password stays in with a new
// session token.
func TestChangingPasswordEndsOtherSessions(t *testing.T) {
	s := newSite(t)
	here := s.browser().login("minstroy.clerk")
	elsewhere := s.browser().login("minstroy.clerk")
	colleague := s.browser().login("minstroy.head")
	id := s.userID("minstroy.clerk")
	if n := s.count(`SELECT count(*) FROM user_sessions WHERE user_id = $1`, id); n != 2 {
		t.Fatalf("%d sessions before", n)
	}
	var oldHashes string
	if err := s.ownerQuery(`SELECT string_agg(encode(token_hash, 'hex'), ',') FROM user_sessions WHERE user_id = $1`, id).Scan(&oldHashes); err != nil {
		t.Fatal(err)
	}
	r := here.post("/account/password", url.Values{"current_password": {demo.Password}, "new_password": {"Новый-пароль-2026"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("change password: %d %s", r.status, r.body)
	}
	if r := here.get("/"); r.status != http.StatusOK {
		t.Fatalf("the changing browser was logged out: %d → %s", r.status, r.location)
	}
	if r := elsewhere.get("/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Fatalf("another session survived the password change: %d → %s", r.status, r.location)
	}
	if r := colleague.get("/"); r.status != http.StatusOK {
		t.Fatalf("a colleague's session ended: %d", r.status)
	}
	var hash string
	if err := s.ownerQuery(`SELECT encode(token_hash, 'hex') FROM user_sessions WHERE user_id = $1`, id).Scan(&hash); err != nil {
		t.Fatalf("exactly one session should remain: %v", err)
	}
	if strings.Contains(oldHashes, hash) {
		t.Fatal("the remaining session kept its old token: not rotated")
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'user.change_password' AND object_id = $1`, id.String()); n != 1 {
		t.Fatalf("%d audit entries for the change", n)
	}

	// Reset and disable by an administrator end every session, as before.
	admin := s.browser().login("minstroy.admin")
	head := s.userID("minstroy.head").String()
	if r := admin.post("/admin/users/"+head+"/reset-password", url.Values{}); r.status != http.StatusOK {
		t.Fatalf("reset: %d", r.status)
	}
	if r := colleague.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("session survived a reset: %d", r.status)
	}
	if r := admin.post("/admin/users/"+id.String()+"/disable", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.status)
	}
	if r := here.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("session survived disabling: %d", r.status)
	}
	if n := s.count(`SELECT count(*) FROM user_sessions WHERE user_id IN ($1, $2)`, id, s.userID("minstroy.head")); n != 0 {
		t.Fatalf("%d sessions left after reset and disable", n)
	}
}

// TestOneTimeCodeWorksOnce: a TOTP code is accepted once; the same code again
// within its window — including the code that confirmed enrolment — is refused.
func TestOneTimeCodeWorksOnce(t *testing.T) {
	s := newSite(t)
	secret, enrolCode := s.browser().login("minstroy.head").enrol()

	loginPending := func() *browser {
		b := s.browser()
		if r := b.post("/login", url.Values{"login": {"minstroy.head"}, "password": {demo.Password}}); r.location != "/login/second-factor" {
			t.Fatalf("login: %d → %s", r.status, r.location)
		}
		return b
	}
	// The enrolment code (same or earlier step as now) is spent.
	if r := loginPending().post("/login/second-factor", url.Values{"code": {enrolCode}}); r.status != http.StatusUnauthorized {
		t.Fatalf("enrolment code reused for login: %d", r.status)
	}
	code := nextCode(secret)
	if r := loginPending().post("/login/second-factor", url.Values{"code": {code}}); r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("fresh code: %d → %s", r.status, r.location)
	}
	replay := loginPending()
	r := replay.post("/login/second-factor", url.Values{"code": {code}})
	if r.status != http.StatusUnauthorized {
		t.Fatalf("replayed code accepted: %d → %s", r.status, r.location)
	}
	mustContain(t, r, "Этот код уже использован")
	if r := replay.get("/"); r.location != "/login/second-factor" {
		t.Fatalf("replay opened pages: %d → %s", r.status, r.location)
	}
}

// TestEnrolmentPageChangesNothing: opening the enrolment page and its QR code
// writes nothing; the pending secret is made by a POST.
func TestEnrolmentPageChangesNothing(t *testing.T) {
	s := newSite(t)
	b := s.browser().login("minstroy.head")
	audit := s.count(`SELECT count(*) FROM audit_log`)
	for i := 0; i < 2; i++ {
		if r := b.get("/account/second-factor"); r.status != http.StatusOK {
			t.Fatalf("enrolment page: %d", r.status)
		}
		b.get("/account/second-factor/qr.png")
	}
	if n := s.count(`SELECT count(*) FROM users WHERE login = 'minstroy.head' AND totp_secret IS NOT NULL`); n != 0 {
		t.Fatal("GET wrote a pending secret")
	}
	if n := s.count(`SELECT count(*) FROM audit_log`); n != audit {
		t.Fatalf("GET wrote %d audit entries", n-audit)
	}
	// A start from another site is refused like every POST.
	if r := b.do(http.MethodPost, "/account/second-factor/start", url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.status != http.StatusForbidden {
		t.Fatalf("cross-site start: %d", r.status)
	}
	if r := b.post("/account/second-factor/start", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("start: %d", r.status)
	}
	if n := s.count(`SELECT count(*) FROM users WHERE login = 'minstroy.head' AND totp_secret IS NOT NULL AND totp_enabled_at IS NULL`); n != 1 {
		t.Fatal("POST did not keep a pending secret")
	}
	page := b.get("/account/second-factor")
	if secretPattern.FindStringSubmatch(page.body) == nil {
		t.Fatalf("no secret after start:\n%s", page.body)
	}
	if r := b.get("/account/second-factor/qr.png"); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr: %d %s", r.status, r.header.Get("Content-Type"))
	}
}

// TestSecondFactorSecretsAreSealed: the database holds no TOTP secret in
// clear, and a sealed secret copied to another user does not work for them.
func TestSecondFactorSecretsAreSealed(t *testing.T) {
	s := newSite(t)
	secret, _ := s.browser().login("minstroy.head").enrol()
	var stored string
	if err := s.ownerQuery(`SELECT totp_secret FROM users WHERE login = 'minstroy.head'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, secret) || !strings.HasPrefix(stored, "v1:") {
		t.Fatalf("secret stored in clear or unsealed: %q", stored)
	}
	b := s.browser()
	b.post("/login", url.Values{"login": {"minstroy.head"}, "password": {demo.Password}})
	if r := b.post("/login/second-factor", url.Values{"code": {nextCode(secret)}}); r.status != http.StatusSeeOther {
		t.Fatalf("login with the sealed secret: %d", r.status)
	}
	// The sealed value is bound to its user.
	s.ownerExec(`UPDATE users SET totp_secret = $1, totp_enabled_at = now() WHERE login = 'minstroy.admin'`, stored)
	a := s.browser()
	a.post("/login", url.Values{"login": {"minstroy.admin"}, "password": {demo.Password}})
	code, _ := totp.GenerateCode(secret, time.Now())
	if r := a.post("/login/second-factor", url.Values{"code": {code}}); r.status != http.StatusInternalServerError {
		t.Fatalf("a secret sealed for one user, in another's row: %d, want the fault page", r.status)
	}
	if !strings.Contains(s.log.String(), "does not open with this key and user") {
		t.Fatal("the broken seal is not logged")
	}
	if r := a.get("/"); r.location != "/login/second-factor" {
		t.Fatalf("the broken seal opened pages: %d → %s", r.status, r.location)
	}
}

// TestLoginKeepsNextAndStaysLocal: next survives a wrong password and the
// code step, and only ever leads to a path of Okno.
func TestLoginKeepsNextAndStaysLocal(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	r := b.get("/cases/mine?status=open")
	if r.status != http.StatusSeeOther || r.location != "/login?next=%2Fcases%2Fmine%3Fstatus%3Dopen" {
		t.Fatalf("anonymous page: %d → %s", r.status, r.location)
	}
	page := b.get(r.location)
	mustContain(t, page, `name="next" value="/cases/mine?status=open"`)
	wrong := b.post("/login", url.Values{"login": {"minstroy.clerk"}, "password": {"wrong"}, "next": {"/cases/mine?status=open"}})
	if wrong.status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", wrong.status)
	}
	mustContain(t, wrong, `name="next" value="/cases/mine?status=open"`)
	ok := b.post("/login", url.Values{"login": {"minstroy.clerk"}, "password": {demo.Password}, "next": {"/cases/mine?status=open"}})
	if ok.status != http.StatusSeeOther || ok.location != "/cases/mine?status=open" {
		t.Fatalf("login: %d → %s", ok.status, ok.location)
	}

	// Through the second factor.
	secret, _ := s.browser().login("minstroy.head").enrol()
	h := s.browser()
	r = h.post("/login", url.Values{"login": {"minstroy.head"}, "password": {demo.Password}, "next": {"/cases?q=дом"}})
	if r.status != http.StatusSeeOther || r.location != "/login/second-factor?next=%2Fcases%3Fq%3D%D0%B4%D0%BE%D0%BC" {
		t.Fatalf("login with 2FA: %d → %s", r.status, r.location)
	}
	mustContain(t, h.get(r.location), `name="next" value="/cases?q=дом"`)
	if r := h.get("/cases/mine"); r.location != "/login/second-factor?next=%2Fcases%2Fmine" {
		t.Fatalf("a page opened before the code does not come back after it: %d → %s", r.status, r.location)
	}
	bad := h.post("/login/second-factor", url.Values{"code": {"000000"}, "next": {"/cases?q=дом"}})
	if bad.status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d", bad.status)
	}
	mustContain(t, bad, `name="next" value="/cases?q=дом"`)
	// Go's redirect escapes the non-ASCII letters; the browser opens the same page.
	if r := h.post("/login/second-factor", url.Values{"code": {nextCode(secret)}, "next": {"/cases?q=дом"}}); r.status != http.StatusSeeOther || r.location != "/cases?q=%d0%b4%d0%be%d0%bc" {
		t.Fatalf("code: %d → %s", r.status, r.location)
	}

	hostile := []string{
		"/\t/evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example", "http://evil.example/",
		"https:evil.example", "HTTPS://evil.example", "javascript:alert(1)", "/\r\n/evil.example", "/\x7f/evil.example",
		"evil.example", " /cases", "/cases\nLocation: http://evil.example", "/%09/evil.example",
	}
	for _, next := range hostile {
		t.Run(url.QueryEscape(next), func(t *testing.T) {
			b := s.browser()
			if r := b.get("/login?next=" + url.QueryEscape(next)); strings.Contains(r.body, "evil.example") {
				t.Fatalf("login page carries the hostile next: %s", r.body)
			}
			r := b.post("/login", url.Values{"login": {"minstroy.clerk"}, "password": {demo.Password}, "next": {next}})
			if r.status != http.StatusSeeOther || r.location != "/" {
				t.Fatalf("next %q: %d → %q, want /", next, r.status, r.location)
			}
		})
	}
	// The raw form of the reported address, as a browser sends it.
	raw := s.browser()
	req := raw.do(http.MethodPost, "/login?next=/%09/evil.example", url.Values{"login": {"minstroy.clerk"}, "password": {demo.Password}}, nil)
	if req.location != "/" {
		t.Fatalf("raw /%%09/evil.example: → %q", req.location)
	}
}

// TestAdministratorUnlocksAndResetsSecondFactor: an agency administrator
// lifts a lock and removes a lost second factor from the user's page; both
// are audited and refused from other sites; the user enrols again at the next
// login when the agency requires it.
func TestAdministratorUnlocksAndResetsSecondFactor(t *testing.T) {
	s := newSite(t)
	admin := s.browser().login("minstroy.admin")
	id := s.userID("minstroy.head").String()
	for i := 0; i < 5; i++ {
		s.browser().post("/login", url.Values{"login": {"minstroy.head"}, "password": {"wrong"}})
	}
	if r := s.browser().post("/login", url.Values{"login": {"minstroy.head"}, "password": {demo.Password}}); r.status != http.StatusTooManyRequests {
		t.Fatalf("not locked: %d", r.status)
	}
	page := admin.get("/admin/users/" + id)
	mustContain(t, page, "Вход заблокирован", `action="/admin/users/`+id+`/unlock"`)
	if r := admin.do(http.MethodPost, "/admin/users/"+id+"/unlock", url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.status != http.StatusForbidden {
		t.Fatalf("cross-site unlock: %d", r.status)
	}
	if r := admin.post("/admin/users/"+id+"/unlock", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("unlock: %d %s", r.status, r.body)
	}
	mustContain(t, admin.get("/admin/users/"+id), "Блокировка снята.")
	head := s.browser().login("minstroy.head")

	secret, _ := head.enrol()
	admin.enrol() // an administrator of an agency that requires it has a second factor
	if r := admin.post("/admin/settings", url.Values{"require_second_factor": {"on"}}); r.status != http.StatusSeeOther {
		t.Fatalf("settings: %d", r.status)
	}
	mustContain(t, admin.get("/admin/users/"+id), `action="/admin/users/`+id+`/reset-second-factor"`)
	if r := admin.do(http.MethodPost, "/admin/users/"+id+"/reset-second-factor", url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.status != http.StatusForbidden {
		t.Fatalf("cross-site reset: %d", r.status)
	}
	if n := s.count(`SELECT count(*) FROM users WHERE id = $1 AND totp_enabled_at IS NOT NULL`, id); n != 1 {
		t.Fatal("a refused reset changed the second factor")
	}
	if r := admin.post("/admin/users/"+id+"/reset-second-factor", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("reset second factor: %d %s", r.status, r.body)
	}
	mustContain(t, admin.get("/admin/users/"+id), "Второй фактор сброшен")
	if r := head.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("session survived the reset of the second factor: %d", r.status)
	}
	if n := s.count(`SELECT count(*) FROM recovery_codes WHERE user_id = $1`, id); n != 0 {
		t.Fatalf("%d recovery codes left", n)
	}
	// The next login asks for no code and leads to enrolment.
	again := s.browser()
	r := again.post("/login", url.Values{"login": {"minstroy.head"}, "password": {demo.Password}})
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("login after reset: %d → %s", r.status, r.location)
	}
	if r := again.get("/"); r.location != "/account/second-factor" {
		t.Fatalf("not sent to enrol: %d → %s", r.status, r.location)
	}
	if renewed, _ := again.enrol(); renewed == secret {
		t.Fatal("enrolled again with the old secret")
	}
	for _, action := range []string{"user.unlock", "user.reset_second_factor"} {
		if n := s.count(`SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, id); n != 1 {
			t.Errorf("%d audit entries %s", n, action)
		}
	}
	// Another agency's user is not found.
	if r := admin.post("/admin/users/"+s.userID("okn.head").String()+"/unlock", url.Values{}); r.status != http.StatusNotFound {
		t.Errorf("foreign unlock: %d", r.status)
	}
	if r := admin.post("/admin/users/"+s.userID("okn.head").String()+"/reset-second-factor", url.Values{}); r.status != http.StatusNotFound {
		t.Errorf("foreign reset: %d", r.status)
	}
}

// TestClearSecretIsSealedOnFirstUse: a secret kept in clear by an earlier
// version still logs in, and that login seals it.
func TestClearSecretIsSealedOnFirstUse(t *testing.T) {
	s := newSite(t)
	const clear = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	s.ownerExec(`UPDATE users SET totp_secret = $1, totp_enabled_at = now() WHERE login = 'minstroy.head'`, clear)
	b := s.browser()
	b.post("/login", url.Values{"login": {"minstroy.head"}, "password": {demo.Password}})
	code, _ := totp.GenerateCode(clear, time.Now())
	if r := b.post("/login/second-factor", url.Values{"code": {code}}); r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("login with a clear secret: %d → %s", r.status, r.location)
	}
	var stored string
	if err := s.ownerQuery(`SELECT totp_secret FROM users WHERE login = 'minstroy.head'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == clear || !strings.HasPrefix(stored, "v1:") {
		t.Fatalf("clear secret not sealed by its use: %q", stored)
	}
	again := s.browser()
	again.post("/login", url.Values{"login": {"minstroy.head"}, "password": {demo.Password}})
	if r := again.post("/login/second-factor", url.Values{"code": {nextCode(clear)}}); r.status != http.StatusSeeOther {
		t.Fatalf("login after sealing: %d", r.status)
	}
}
