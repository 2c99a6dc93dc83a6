package audit

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// Command is `okno audit`: verify the chains against their anchors, or
// anchor the heads now. It returns the exit code: 0 when every chain checks
// out, 1 when one does not, 2 when it could not tell.
func Command(ctx context.Context, s *Anchors, args []string, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprintln(stderr, "usage: okno audit verify [-agency CODE]   check the hash chains against their signed anchors")
		fmt.Fprintln(stderr, "       okno audit anchor [-agency CODE]   sign and keep the current heads now")
		return 2
	}
	if len(args) == 0 {
		return usage()
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	code := fs.String("agency", "", "only the agency with this code")
	if (args[0] != "verify" && args[0] != "anchor") || fs.Parse(args[1:]) != nil || fs.NArg() != 0 {
		return usage()
	}
	agencies, err := s.Agencies(ctx)
	if *code != "" {
		var a Agency
		a, err = s.AgencyByCode(ctx, *code)
		agencies = []Agency{a}
	}
	if err != nil {
		fmt.Fprintln(stderr, "okno", err)
		return 2
	}
	exit := 0
	for _, a := range agencies {
		if args[0] == "anchor" {
			anchor, err := s.Anchor(ctx, a)
			switch {
			case err != nil:
				fmt.Fprintln(stderr, "okno", err)
				exit = 2
			case anchor == nil:
				fmt.Fprintf(stdout, "%s: nothing new to anchor\n", a.Code)
			default:
				fmt.Fprintf(stdout, "%s: anchored entry %d\n", a.Code, anchor.Seq)
			}
			continue
		}
		r, err := s.Verify(ctx, a)
		if err != nil {
			fmt.Fprintln(stderr, "okno", err)
			exit = 2
			continue
		}
		if r.OK() {
			fmt.Fprintf(stdout, "%s: ok, %d entries, %d anchors\n", a.Code, r.Head, r.Anchors)
			continue
		}
		fmt.Fprintf(stdout, "%s: BROKEN\n", a.Code)
		if r.Break != nil {
			fmt.Fprintf(stdout, "  chain: entry %d: %s\n", r.Break.Seq, r.Break.Reason)
		}
		for _, p := range r.Problems {
			fmt.Fprintf(stdout, "  %s\n", p)
		}
		exit = max(exit, 1)
	}
	return exit
}
