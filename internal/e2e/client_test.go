package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// person is a logged-in browser session over plain HTTP.
type person struct {
	t      *testing.T
	base   string
	client *http.Client
}

func (w *world) login(login string) *person {
	w.t.Helper()
	jar, _ := cookiejar.New(nil)
	p := &person{t: w.t, base: w.oknoURL, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	if status, _ := p.post("/login", url.Values{"login": {login}, "password": {"okno-demo-2026"}}); status != http.StatusSeeOther {
		w.t.Fatalf("login %s: %d", login, status)
	}
	return p
}

func (p *person) post(path string, form url.Values) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return p.do(req)
}

func (p *person) get(path string) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.base+path, nil)
	return p.do(req)
}

func (p *person) do(req *http.Request) (int, string) {
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
