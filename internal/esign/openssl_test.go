package esign

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/okno-oiv/okno/internal/testenv"
)

// openSSL runs the real openssl with the gost engine; tests that need it
// skip only outside CI when the tool or the engine is missing.
type openSSL struct {
	t   *testing.T
	dir string
	env []string // added to the environment of every run
}

func requireOpenSSL(t *testing.T) *openSSL {
	t.Helper()
	testenv.NeedOpenSSLGost(t)
	return &openSSL{t: t, dir: t.TempDir()}
}

// loadGostByConfig makes every later run load the gost engine from a
// configuration file, for subcommands that lost -engine in OpenSSL 3 (crl).
func (o *openSSL) loadGostByConfig() {
	conf := o.write("gost.cnf", []byte("openssl_conf = init\n[init]\nengines = engines\n"+
		"[engines]\ngost = gost\n[gost]\nengine_id = gost\ndefault_algorithms = ALL\n"))
	o.env = []string{"OPENSSL_CONF=" + conf}
}

// path returns a file name inside the test's directory.
func (o *openSSL) path(name string) string { return filepath.Join(o.dir, name) }

// write puts data into a file of the test's directory and returns its path.
func (o *openSSL) write(name string, data []byte) string {
	o.t.Helper()
	p := o.path(name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		o.t.Fatal(err)
	}
	return p
}

func (o *openSSL) read(name string) []byte {
	o.t.Helper()
	data, err := os.ReadFile(o.path(name))
	if err != nil {
		o.t.Fatal(err)
	}
	return data
}

// run runs openssl in the test's directory and returns stdout and whether it
// exited with 0.
func (o *openSSL) run(args ...string) (string, bool) {
	o.t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = o.dir
	if o.env != nil {
		cmd.Env = append(os.Environ(), o.env...)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		o.t.Logf("openssl %v: %v\n%s", args, err, errOut.String())
	}
	return out.String() + errOut.String(), err == nil
}

// must runs openssl and fails the test unless it succeeds.
func (o *openSSL) must(args ...string) string {
	o.t.Helper()
	out, ok := o.run(args...)
	if !ok {
		o.t.Fatalf("openssl %v failed: %s", args, out)
	}
	return out
}
