package views

import (
	"fmt"
	"time"

	// Zone data inside the binary: the servers' images need not carry /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/okno-oiv/okno/internal/people"
)

// defaultZone is where an agency without its own setting reads times.
const defaultZone = "Europe/Moscow"

// AgencyZone is the time zone the agency's people read times in. Every time
// shown anywhere goes through it. Without a principal (the login page) or a
// zone, times read in Moscow time.
func AgencyZone(p *people.Principal) *time.Location {
	if p == nil {
		return Zone("")
	}
	return Zone(p.Agency.TimeZone)
}

// Zone loads an agency's zone by its IANA name; the database checks the
// name, so an empty or unknown one falls back to Moscow time.
func Zone(name string) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	loc, err := time.LoadLocation(defaultZone)
	if err != nil {
		// Unreachable with time/tzdata linked in; Moscow has been UTC+3 since 2014.
		return time.FixedZone("MSK", 3*60*60)
	}
	return loc
}

// FormatTime is the one way a moment is shown: date and time on the
// agency's clock, without a zone suffix (the page names the zone once).
func FormatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("02.01.2006 15:04")
}

// FormatClock is FormatTime for a moment today: the time of day only.
func FormatClock(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("15:04")
}

// ZoneLabel names the zone for the one label a page carries.
func ZoneLabel(loc *time.Location) string {
	_, offset := time.Now().In(loc).Zone()
	utc := fmt.Sprintf("UTC%+d", offset/3600)
	if m := offset % 3600 / 60; m != 0 {
		utc += fmt.Sprintf(":%02d", abs(m))
	}
	if loc.String() == defaultZone {
		return "московское (" + utc + ")"
	}
	return loc.String() + " (" + utc + ")"
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
