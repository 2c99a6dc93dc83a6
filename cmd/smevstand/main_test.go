package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/testenv"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0.2/s", 0.2, true}, {"6/m", 0.1, true}, {"360/h", 0.1, true}, {"2", 2, true}, {"0", 0, true},
		{"1/d", 0, false}, {"-1/s", 0, false}, {"fast", 0, false},
	}
	for _, c := range cases {
		got, err := parseRate(c.in)
		if (err == nil) != c.ok || (c.ok && math.Abs(got-c.want) > 1e-9) {
			t.Errorf("parseRate(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestParseFlagsAndEnvironment(t *testing.T) {
	t.Setenv("SMEVSTAND_REDELIVERY", "5s")
	t.Setenv("SMEVSTAND_FAULT_DROP_RATE", "0.25")
	o, err := parse([]string{"-portal-rate", "12/m", "-portal-services", "building-permit=REGION", "-system", "MINSTROY=/etc/okno/minstroy.pem", "-system", "REGION=/etc/region.pem=Регион"})
	if err != nil {
		t.Fatal(err)
	}
	if o.cfg.Redelivery != 5*time.Second || o.cfg.Faults.DropRate != 0.25 || math.Abs(o.cfg.PortalRate-0.2) > 1e-9 {
		t.Fatalf("redelivery %s, drop %v, rate %v", o.cfg.Redelivery, o.cfg.Faults.DropRate, o.cfg.PortalRate)
	}
	if len(o.cfg.PortalServices) != 1 || o.cfg.PortalServices["building-permit"] != "REGION" {
		t.Fatalf("portal services %v", o.cfg.PortalServices)
	}
	got := map[string]string{}
	for _, s := range o.cfg.Systems {
		got[s.Mnemonic] = s.CertFile + "|" + s.Name
	}
	if got["MINSTROY"] != "/etc/okno/minstroy.pem|Министерство строительства (демо)" || got["REGION"] != "/etc/region.pem|Регион" || got["OKN"] != "|Комитет по охране объектов культурного наследия (демо)" {
		t.Fatalf("systems %v", got)
	}
	for _, bad := range [][]string{{"-no-data-rate", "1.5"}, {"-redelivery", "soon"}, {"-system", "NOCERT"}, {"-max-envelope-bytes", "0"}, {"-access-matrix", "/nonexistent"}, {"-portal-services", "building-permit"}} {
		if _, err := parse(bad); err == nil {
			t.Errorf("parse(%v) accepted", bad)
		}
	}
}

// The command's own control example, in-process, exits 0.
func TestControlExampleCommand(t *testing.T) {
	t.Parallel()
	testenv.NeedFonts(t, portal.DefaultFontPath)
	keys := filepath.Join(t.TempDir(), "keys")
	var out bytes.Buffer
	code, err := run(context.Background(), []string{"-control-example", "-database-url", pgtest.NewDatabase(t), "-keys", keys, "-wait", "30s"}, &out)
	if err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, out.String())
	}
	if !strings.Contains(out.String(), "0 failed") {
		t.Fatalf("report:\n%s", out.String())
	}
	for _, m := range []string{"SMEV", "MINSTROY", "OKN", "CONTROL"} {
		if _, err := os.Stat(filepath.Join(keys, m+".cert.pem")); err != nil {
			t.Errorf("demo key of %s not written: %v", m, err)
		}
	}
}
