package opensslref

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// harnessSource times the gost engine in one process through the EVP API.
//
//go:embed csrc/gostbench.c
var harnessSource []byte

// Harness is the compiled timing program.
type Harness struct {
	dir  string
	path string
}

// BuildHarness compiles the timing program with the system C compiler
// against libcrypto (packages libssl-dev and libengine-gost-openssl).
// It is built at bench time so that `go build ./...` never needs cgo.
func BuildHarness() (*Harness, error) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return nil, fmt.Errorf("%w: no C compiler: %w", ErrUnavailable, err)
	}
	dir, err := os.MkdirTemp("", "gostbench")
	if err != nil {
		return nil, fmt.Errorf("opensslref: %w", err)
	}
	src, bin := filepath.Join(dir, "gostbench.c"), filepath.Join(dir, "gostbench")
	if err := os.WriteFile(src, harnessSource, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("opensslref: %w", err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(cc, "-O2", "-Wno-deprecated-declarations", "-o", bin, src, "-lcrypto")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: compile gostbench: %w: %s", ErrUnavailable, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return &Harness{dir: dir, path: bin}, nil
}

// Close removes the compiled program.
func (h *Harness) Close() error { return os.RemoveAll(h.dir) }

// Run times each op for about seconds and returns the figures by name:
// "streebog256"/"streebog512" in MB/s, "sign:BITS:PARAMSET" and
// "verify:BITS:PARAMSET" in operations per second.
func (h *Harness) Run(seconds float64, ops ...string) (map[string]float64, error) {
	args := append([]string{strconv.FormatFloat(seconds, 'f', 2, 64)}, ops...)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(h.path, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("opensslref: gostbench %v: %w: %s", ops, err, bytes.TrimSpace(stderr.Bytes()))
	}
	figures := make(map[string]float64)
	for line := range strings.Lines(stdout.String()) {
		fields := strings.Fields(line)
		if len(fields) != 3 {
			return nil, fmt.Errorf("opensslref: gostbench wrote %q, want \"name value unit\"", line)
		}
		v, err := strconv.ParseFloat(fields[1], 64)
		if err != nil {
			return nil, fmt.Errorf("opensslref: gostbench figure %q: %w", line, err)
		}
		figures[fields[0]] = v
	}
	return figures, nil
}
