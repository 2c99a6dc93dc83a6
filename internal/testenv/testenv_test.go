package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// recorder stands in for a test so that Unavailable's verdict can be read
// instead of ending this test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skipf(format string, a ...any)  { r.skipped = fmt.Sprintf(format, a...) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

func TestUnavailableSkipsOutsideCIAndFailsInCI(t *testing.T) {
	for _, tc := range []struct {
		ci       string
		wantFail bool
	}{{"", false}, {"false", false}, {"true", true}, {"1", true}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			Unavailable(r, "frobnicator missing")
			if tc.wantFail && (r.failed == "" || r.skipped != "") {
				t.Fatalf("in CI: failed %q, skipped %q; want a failure", r.failed, r.skipped)
			}
			if !tc.wantFail && (r.skipped == "" || r.failed != "") {
				t.Fatalf("outside CI: failed %q, skipped %q; want a skip", r.failed, r.skipped)
			}
		})
	}
}

func TestNeedSchemasHonoursTheVariable(t *testing.T) {
	empty := t.TempDir()
	t.Setenv(SchemasEnv, empty)
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	if _, err := os.Stat("/usr/bin/xmllint"); err != nil {
		t.Skip("xmllint absent; the verdict would be about it, not the schemas")
	}
	NeedSchemas(r)
	if r.failed == "" {
		t.Fatalf("an empty %s did not fail the test under CI", SchemasEnv)
	}

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "1.3"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "1.3", "smev-message-exchange-types-1.3.xsd"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(SchemasEnv, dir)
	r = &recorder{TB: t}
	if got := NeedSchemas(r); got != dir || r.failed != "" || r.skipped != "" {
		t.Fatalf("NeedSchemas = %q (failed %q, skipped %q), want %q", got, r.failed, r.skipped, dir)
	}
}
