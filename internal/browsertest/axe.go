package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/okno-oiv/okno/internal/testenv"
)

// axePath is where `npm ci` puts axe-core, relative to the repository root.
const axePath = "node_modules/axe-core/axe.min.js"

// Axe reads axe-core, the accessibility checker, from the repository's
// node_modules. Like Chromium it is never downloaded by a test: outside CI a
// missing copy skips the test, in CI it fails it.
func Axe(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	src, err := os.ReadFile(filepath.Join(dir, axePath))
	if err != nil {
		testenv.Unavailable(t, fmt.Sprintf("%s is missing (%v); run npm ci in the repository root", axePath, err))
	}
	return string(src)
}

// BypassCSP lets the test inject axe into pages whose Content-Security-Policy
// refuses any script but their own. Only a test's browser does this.
func BypassCSP() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	})
}

// Violation is one rule axe found broken, with the elements that break it.
type Violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s at %v", v.ID, v.Impact, v.Help, v.Nodes)
}

// SeriousViolations runs axe on the current page (the context must have run
// BypassCSP before the page loaded) and returns its serious and critical
// findings.
func SeriousViolations(ctx context.Context, axe string) ([]Violation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+";true")); err != nil {
		return nil, fmt.Errorf("inject axe: %w", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document).then((r) => JSON.stringify(r.violations
		.filter((v) => v.impact === "serious" || v.impact === "critical")
		.map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" "))}))))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe: %w", err)
	}
	var out []Violation
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("read axe's result: %w", err)
	}
	return out, nil
}
