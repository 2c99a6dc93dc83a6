package main

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/esign/opensslref"
	"github.com/okno-oiv/okno/internal/testenv"
)

func TestDispatchRejectsUnknownBenchmark(t *testing.T) {
	for _, args := range [][]string{nil, {"nope"}} {
		err := dispatch(args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "esign") {
			t.Errorf("dispatch(%q) = %v, want an error listing the benchmarks", args, err)
		}
	}
}

// TestEsignReport runs the esign benchmark briefly and checks the report's
// shape, above all the last line other tools parse.
func TestEsignReport(t *testing.T) {
	opensslref.Require(t)
	var out bytes.Buffer
	err := dispatch([]string{"esign", "-seconds", "0.05", "-rounds", "1"}, &out)
	if errors.Is(err, opensslref.ErrUnavailable) {
		testenv.Unavailable(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	m := regexp.MustCompile(`^esign: streebog (\d+\.\d\d), sign (\d+\.\d\d), verify (\d+\.\d\d)$`).FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("last line %q does not have the agreed form", last)
	}
	for _, r := range m[1:] {
		if v, _ := strconv.ParseFloat(r, 64); v <= 0 {
			t.Errorf("ratio %s in %q is not positive", r, last)
		}
	}
	if len(lines) != 1+2+2*len(esignSignCurves)+1 { // header, hashes, sign and verify per curve, summary
		t.Errorf("report has %d lines:\n%s", len(lines), out.String())
	}
}
