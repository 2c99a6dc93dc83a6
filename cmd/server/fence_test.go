package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The SMEV 3 stand is a test double of the bus and the portal; the
// production binary must not carry any of it, not even a client helper.
func TestServerDoesNotImportTheStand(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	const stand = "github.com/okno-oiv/okno/internal/smevstand"
	var found []string
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == stand || strings.HasPrefix(pkg, stand+"/") {
			found = append(found, pkg)
		}
	}
	if len(found) > 0 {
		t.Fatalf("cmd/server depends on the stand: %s", strings.Join(found, ", "))
	}
}
