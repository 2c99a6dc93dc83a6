// Package views renders Okno's pages: one layout, pages composed of small
// components with typed parameters, Russian text. Views only display what
// handlers give them; they hold no logic beyond a loop or an if.
package views

import (
	"strings"
	"time"

	"github.com/okno-oiv/okno/internal/people"
)

// Chrome is what every page's frame needs: who is looking, where they can
// go, messages to show once, and where the static assets live.
type Chrome struct {
	Title       string
	Principal   *people.Principal // nil on pages for anonymous visitors
	Nav         []NavItem
	Flashes     []Flash
	Asset       func(name string) string // cache-busting URL of a static file
	ScriptNonce string                   // the CSP nonce of this response, for Okno's own script tags
	Current     string                   // path of the page, to mark the nav item
	// SavedDrafts are forms whose browser drafts are now stored for real.
	SavedDrafts []string
}

// NavItem is one link of the navigation.
type NavItem struct {
	Href, Label string
}

// Flash is a one-time message after a redirect.
type Flash struct {
	Kind string // "ok" or "error"
	Text string
}

// Zone is the agency's clock for every time on the page.
func (c Chrome) Zone() *time.Location { return AgencyZone(c.Principal) }

// Time shows a moment on the agency's clock.
func (c Chrome) Time(t time.Time) string { return FormatTime(t, c.Zone()) }

// TimeWithSeconds is Time for records where seconds matter (the audit log).
func (c Chrome) TimeWithSeconds(t time.Time) string {
	return t.In(c.Zone()).Format("02.01.2006 15:04:05")
}

// active marks the nav item of the current page: the longest item that is
// the path itself or a folder above it ("Мои дела" on /cases/mine, not "Реестр").
func (c Chrome) active(href string) bool {
	best := ""
	for _, item := range c.Nav {
		if covers(item.Href, c.Current) && len(item.Href) > len(best) {
			best = item.Href
		}
	}
	return best == href
}

func covers(href, path string) bool {
	return path == href || (href != "/" && strings.HasPrefix(path, href+"/"))
}
