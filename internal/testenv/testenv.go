// Package testenv is the one place where a test says which outside tool or
// file it needs: Chromium, OpenSSL with the gost engine, MinIO, xmllint, a
// font, the SMEV schemas. When the need is not met the test skips with a
// message naming what to install, except under CI, where it fails: a CI
// machine missing a tool must not pass by skipping.
//
// CI means the CI environment variable is set to anything but "" or
// "false" (CI=true on every common CI service).
package testenv

import (
	"errors"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run under CI, where no need may skip.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false"
}

// Unavailable ends the test for want of something: a skip with why outside
// CI, a failure in CI. It must be called from the test's own goroutine.
func Unavailable(tb testing.TB, why string) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("CI is set, so this test may not skip: %s", why)
		return
	}
	tb.Skipf("%s (set CI=true to make this a failure)", why)
}

// NeedTool returns the path of the named program on PATH, or ends the test
// with install as the hint.
func NeedTool(tb testing.TB, name, install string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Unavailable(tb, fmt.Sprintf("%s not found: %v (%s)", name, err, install))
	}
	return path
}

// NeedChromium returns the path of Debian's chromium (never downloaded).
func NeedChromium(tb testing.TB) string {
	tb.Helper()
	return NeedTool(tb, "chromium", "apt-get install chromium")
}

// NeedXmllint returns the path of xmllint.
func NeedXmllint(tb testing.TB) string {
	tb.Helper()
	return NeedTool(tb, "xmllint", "apt-get install libxml2-utils")
}

// NeedOpenSSLGost returns the path of an openssl that loads the gost engine.
func NeedOpenSSLGost(tb testing.TB) string {
	tb.Helper()
	path := NeedTool(tb, "openssl", "apt-get install openssl")
	if out, err := exec.Command(path, "engine", "gost").CombinedOutput(); err != nil {
		Unavailable(tb, fmt.Sprintf("openssl cannot load the gost engine: %v: %s (apt-get install libengine-gost-openssl)", err, out))
	}
	return path
}

// NeedMinIO returns the path of the minio server, looked for on PATH and
// in $GOPATH/bin (where `go install` puts it).
func NeedMinIO(tb testing.TB) string {
	tb.Helper()
	if path, err := exec.LookPath("minio"); err == nil {
		return path
	}
	for _, gopath := range filepath.SplitList(build.Default.GOPATH) {
		path := filepath.Join(gopath, "bin", "minio")
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	Unavailable(tb, "minio not found on PATH or in $GOPATH/bin (go install github.com/minio/minio@latest)")
	return ""
}

// DejaVuSans is the font the stand draws scans and printed forms with.
const DejaVuSans = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

// NeedFonts ends the test when a font file it draws with is missing; with
// no paths it checks DejaVuSans.
func NeedFonts(tb testing.TB, paths ...string) {
	tb.Helper()
	if len(paths) == 0 {
		paths = []string{DejaVuSans}
	}
	for _, path := range paths {
		if _, err := os.Stat(path); err != nil {
			Unavailable(tb, fmt.Sprintf("font missing: %v (apt-get install fonts-dejavu-core)", err))
		}
	}
}

// SchemasEnv names the directory of the official SMEV 3 schemas, the one
// holding 1.1/ and 1.3/. Unset, it is ../shared/smev3/xsd beside the
// repository's root.
const SchemasEnv = "OKNO_SMEV_XSD_DIR"

// NeedSchemas returns the directory of the SMEV 3 schemas (see SchemasEnv)
// and makes sure xmllint, which checks documents against them, is there.
func NeedSchemas(tb testing.TB) string {
	tb.Helper()
	NeedXmllint(tb)
	dir, err := SchemasDir()
	if err != nil {
		Unavailable(tb, err.Error())
	}
	probe := filepath.Join(dir, "1.3", "smev-message-exchange-types-1.3.xsd")
	if _, err := os.Stat(probe); err != nil {
		Unavailable(tb, fmt.Sprintf("SMEV schemas not found: %v (set %s to the directory holding 1.3/)", err, SchemasEnv))
	}
	return dir
}

// SchemasDir is where the SMEV schemas should be, present or not.
func SchemasDir() (string, error) {
	if dir := os.Getenv(SchemasEnv); dir != "" {
		return dir, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "..", "shared", "smev3", "xsd"), nil
}

// ModuleRoot is the directory of Okno's go.mod, found upwards from the
// test's working directory (its package directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("locate module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("locate module root: no go.mod above the working directory")
		}
		dir = parent
	}
}
