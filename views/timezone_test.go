package views

import (
	"testing"
	"time"
)

func TestTimesOnTheAgencyClock(t *testing.T) {
	loc := AgencyZone(nil)
	yekaterinburg, err := time.LoadLocation("Asia/Yekaterinburg")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 10, 14, 28, 0, 0, time.UTC)
	for _, c := range []struct{ name, got, want string }{
		{"time", FormatTime(at, loc), "10.03.2026 17:28"},
		{"clock", FormatClock(at, loc), "17:28"},
		{"label", ZoneLabel(loc), "московское (UTC+3)"},
		{"other zone", ZoneLabel(yekaterinburg), "Asia/Yekaterinburg (UTC+5)"},
		{"half hours", ZoneLabel(time.FixedZone("Asia/Kolkata", 5*3600+30*60)), "Asia/Kolkata (UTC+5:30)"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}
