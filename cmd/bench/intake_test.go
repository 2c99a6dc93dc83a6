package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/testenv"
)

// requireStandFont: the stand's portal renders scans with DejaVu; without
// it the intake and status benchmarks cannot file applications.
func requireStandFont(t *testing.T) {
	t.Helper()
	testenv.NeedFonts(t, portal.DefaultFontPath)
}

// runReport runs a benchmark and returns its report's lines.
func runReport(t *testing.T, args ...string) []string {
	t.Helper()
	var out bytes.Buffer
	if err := dispatch(args, &out); err != nil {
		t.Fatalf("bench %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return strings.Split(strings.TrimSpace(out.String()), "\n")
}

// lastFigure checks the last line against the agreed form and returns its
// positive figure.
func lastFigure(t *testing.T, lines []string, form string) float64 {
	t.Helper()
	last := lines[len(lines)-1]
	m := regexp.MustCompile(form).FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("last line %q does not have the form %s\n%s", last, form, strings.Join(lines, "\n"))
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || v <= 0 {
		t.Fatalf("figure in %q is not positive", last)
	}
	return v
}

func hasLine(lines []string, pattern string) bool {
	re := regexp.MustCompile(pattern)
	for _, l := range lines {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// TestIntakeReport drains a handful of real portal applications both ways
// and checks the report: the server's puller's figure last, the parallel
// loops and the bare COPY compared, and the time split by phase.
func TestIntakeReport(t *testing.T) {
	requireStandFont(t)
	lines := runReport(t, "intake", "-n", "6", "-parallel", "2", "-parallel-n", "4", "-filers", "2", "-top", "3")
	lastFigure(t, lines, `^intake: (\d+\.\d) applications/s$`)
	for _, want := range []string{
		`^intake: 6 portal applications preloaded`,
		`^intake: Puller \(1 puller, as the server\): 6 applications in .*; (\d+) applicant signatures valid$`,
		`^intake: 2 parallel Receive loops: 4 applications in`,
		`^intake: parallel \d+\.\d applications/s, \d+\.\d\d× the server's puller$`,
		`^intake: bare COPY of the same rows \(10 cases, \d+ case_documents, 20 case_events, 10 status_deliveries\): \d+ applications/s, \d+\.\d× the server's puller$`,
		`^ +\d+\.\d ms  GetRequest`,
		`^  GOST R 34.10 sign/verify +\d+\.\d% +\d+\.\d%$`,
	} {
		if !hasLine(lines, want) {
			t.Errorf("no line matches %s in\n%s", want, strings.Join(lines, "\n"))
		}
	}
}

// TestStatusReport changes a few statuses and checks the report's shape.
func TestStatusReport(t *testing.T) {
	requireStandFont(t)
	lines := runReport(t, "status", "-n", "4", "-rate", "50", "-pull-interval", "300ms", "-portal-poll", "100ms")
	p95 := lastFigure(t, lines, `^status: p95 (\d+\.\d) ms$`)
	sent := regexp.MustCompile(`^status: action → "sent" .* p95 +(\d+\.\d) ms`)
	found := false
	for _, l := range lines {
		if m := sent.FindStringSubmatch(l); m != nil {
			found = true
			if v, _ := strconv.ParseFloat(m[1], 64); v != p95 {
				t.Errorf("last line p95 %.1f differs from the \"sent\" line's %s", p95, m[1])
			}
		}
	}
	if !found || !hasLine(lines, `^status: action → "accepted" .* p95 +\d+\.\d ms`) ||
		!hasLine(lines, `^status: River fetch poll 200ms, bus pull every 300ms, portal poll 100ms`) {
		t.Errorf("report lacks the sent/accepted lines or the intervals:\n%s", strings.Join(lines, "\n"))
	}
}

// TestBusBenchmarksRejectBadFlags: nothing starts with a nonsensical size.
func TestBusBenchmarksRejectBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"intake", "-n", "0"},
		{"intake", "-parallel", "0"},
		{"intake", "-filers", "-1"},
		{"intake", "-parallel-n", "0"},
		{"status", "-n", "0"},
		{"status", "-rate", "0"},
		{"status", "-pull-interval", "0s"},
	} {
		var out bytes.Buffer
		err := dispatch(args, &out)
		if err == nil || !strings.Contains(err.Error(), "must be positive") {
			t.Errorf("bench %s = %v, want a refusal", strings.Join(args, " "), err)
		}
		if out.Len() != 0 {
			t.Errorf("bench %s wrote %q before refusing", strings.Join(args, " "), out.String())
		}
	}
}
