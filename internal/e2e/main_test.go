package e2e

import (
	"flag"
	"os"
	"testing"
)

// e2eParallel is how many worlds run at once unless -parallel says
// otherwise. A world mostly waits (for the bus's poll intervals, the stand's
// redelivery, a restarted server), so more of them than there are cores
// keep the machine busy without starving each other.
const e2eParallel = "4"

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		if err := flag.Set("test.parallel", e2eParallel); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
