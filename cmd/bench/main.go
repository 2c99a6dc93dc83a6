// Command bench measures Okno's performance-critical parts, each against
// an independent reference where one exists. It is a dispatcher: every
// benchmark is a subcommand in its own file.
//
//	go run ./cmd/bench esign [-seconds 0.5] [-rounds 3]
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one benchmark: it parses its own flags and writes its report.
type command struct {
	summary string
	run     func(args []string, out io.Writer) error
}

// commands lists the benchmarks; each subcommand adds itself here.
func commands() map[string]command {
	return map[string]command{
		"concurrency": {summary: "one agency worked by -workers people over HTTP and -bus pulling nodes at once: actions/s, errors, card p95 during exports, bus registrations/s", run: runConcurrency},
		"esign":       {summary: "Streebog and GOST R 34.10-2012 against OpenSSL's gost engine", run: runEsign},
		"intake":      {summary: "applications/s from the SMEV 3 stand into cases, signatures on (-n 2000)", run: runIntake},
		"registry":    {summary: "the case registry list at volume (-cases 1000000), p50/p95 per page kind", run: runRegistry},
		"status":      {summary: "clerk action → status accepted by the bus and by the portal, p50/p95 (-n 200)", run: runStatus},
	}
}

func main() {
	if err := dispatch(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func dispatch(args []string, out io.Writer) error {
	cmds := commands()
	if len(args) == 0 || cmds[args[0]].run == nil {
		names := make([]string, 0, len(cmds))
		for name := range cmds {
			names = append(names, name)
		}
		sort.Strings(names)
		var usage strings.Builder
		usage.WriteString("usage: bench <benchmark> [flags]\nbenchmarks:\n")
		for _, name := range names {
			fmt.Fprintf(&usage, "  %-8s %s\n", name, cmds[name].summary)
		}
		if len(args) == 0 {
			return fmt.Errorf("no benchmark named\n%s", usage.String())
		}
		return fmt.Errorf("unknown benchmark %q\n%s", args[0], usage.String())
	}
	return cmds[args[0]].run(args[1:], out)
}
