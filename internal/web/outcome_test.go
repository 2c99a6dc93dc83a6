package web_test

import (
	"net/http"
	"testing"
)

// redirectedTo asserts that r is the 303 of a completed form and that the
// page it leads to shows what the person is told (the flash text and
// anything else in want), and returns that page: a redirect alone proves
// nothing about what happened.
func (b *browser) redirectedTo(t *testing.T, r response, want ...string) response {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location == "" {
		t.Fatalf("got %d → %q, want a 303 redirect\n%s", r.status, r.location, r.body)
	}
	page := b.get(r.location)
	// A page may send the person further (an administrator who must enrol
	// a second factor is sent to do so); the flash waits for the page shown.
	for hops := 0; page.status == http.StatusSeeOther && hops < 5; hops++ {
		page = b.get(page.location)
	}
	mustContain(t, page, want...)
	return page
}
