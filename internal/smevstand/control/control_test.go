package control_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevstand"
	"github.com/okno-oiv/okno/internal/smevstand/control"
	"github.com/okno-oiv/okno/internal/smevstand/faultinject"
	"github.com/okno-oiv/okno/internal/smevstand/standtest"
)

// runControl starts a stand in-process and runs the control example on it.
func runControl(t *testing.T, faults faultinject.Config) (control.Result, string) {
	t.Helper()
	st := standtest.Start(t, func(c *smevstand.Config) { c.Faults = faults })
	var out bytes.Buffer
	res, err := control.Run(context.Background(), control.Config{BaseURL: st.URL, KeyDir: st.KeyDir, Wait: 30 * time.Second, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	return res, out.String()
}

func TestControlExamplePasses(t *testing.T) {
	res, out := runControl(t, faultinject.Config{})
	if !res.OK() || strings.Contains(out, "FAIL") || res.Passed < 10 {
		t.Fatalf("control example: %d passed, %d failed\n%s", res.Passed, res.Failed, out)
	}
	t.Log("\n" + out)
}

// Okno's client rides out a misbehaving bus: its retries meet
// MessageIsAlreadySent and TargetMessageIsNotFound where the stand
// processed a call whose reply was lost, and duplicates are acknowledged.
func TestControlExampleSurvivesInjectedFaults(t *testing.T) {
	res, out := runControl(t, faultinject.Config{SMEVFailureRate: 0.15, HTTPErrorRate: 0.1, DropRate: 0.1, DuplicateRate: 0.3, Seed: 3})
	if !res.OK() {
		t.Fatalf("control example under faults: %d passed, %d failed\n%s", res.Passed, res.Failed, out)
	}
}
