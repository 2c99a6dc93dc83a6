package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"hash"
	"io"
	"syscall"

	"github.com/okno-oiv/okno/internal/esign/gost3410"
	"github.com/okno-oiv/okno/internal/esign/opensslref"
	"github.com/okno-oiv/okno/internal/esign/streebog"
)

// esignFigure is one measured quantity, ours and OpenSSL's, higher is better.
type esignFigure struct {
	name, unit string
	measure    func(seconds float64) (float64, error) // ours
	ref        string                                 // OpenSSL harness figure name
}

// esignSignCurves are the parameter sets timed, with the gost engine's
// name for each; the first one is the headline figure.
var esignSignCurves = [...]struct{ ours, engine string }{
	{"CryptoPro-A", "256:A"}, // = tc26 256-B and XchA
	{"CryptoPro-B", "256:B"}, // = tc26 256-C
	{"CryptoPro-C", "256:C"}, // = tc26 256-D and XchB
	{"A", "256:TCA"},
	{"512-A", "512:A"},
	{"512-B", "512:B"},
	{"512-C", "512:C"},
}

// runEsign compares Streebog and GOST R 34.10-2012 signing and verification
// with OpenSSL's gost engine timed through the EVP API in one process. The
// measurements alternate between the two for several rounds and keep each
// side's best, so that load from other processes hurts both alike.
func runEsign(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("esign", flag.ContinueOnError)
	seconds := fs.Float64("seconds", 0.5, "CPU seconds per measurement")
	rounds := fs.Int("rounds", 3, "alternating rounds; the best of each side counts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	harness, err := opensslref.BuildHarness()
	if err != nil {
		return fmt.Errorf("esign: %w (install libssl-dev libengine-gost-openssl and a C compiler)", err)
	}
	defer harness.Close()

	figures := []esignFigure{
		{name: "streebog-256", unit: "MB/s", measure: hashRate(streebog.New256), ref: "streebog256"},
		{name: "streebog-512", unit: "MB/s", measure: hashRate(streebog.New512), ref: "streebog512"},
	}
	var refOps []string
	refOps = append(refOps, "streebog256", "streebog512")
	for _, sc := range esignSignCurves {
		c, err := gost3410.CurveByName(sc.ours)
		if err != nil {
			return err
		}
		sign, verify, err := signRates(c)
		if err != nil {
			return err
		}
		figures = append(figures,
			esignFigure{name: "sign " + sc.ours, unit: "ops/s", measure: sign, ref: "sign:" + sc.engine},
			esignFigure{name: "verify " + sc.ours, unit: "ops/s", measure: verify, ref: "verify:" + sc.engine})
		refOps = append(refOps, "sign:"+sc.engine)
	}

	ours := make(map[string]float64)
	theirs := make(map[string]float64)
	for range *rounds {
		ref, err := harness.Run(*seconds, refOps...)
		if err != nil {
			return fmt.Errorf("esign: %w", err)
		}
		for _, f := range figures {
			theirs[f.name] = max(theirs[f.name], ref[f.ref])
			v, err := f.measure(*seconds)
			if err != nil {
				return fmt.Errorf("esign: %s: %w", f.name, err)
			}
			ours[f.name] = max(ours[f.name], v)
		}
	}

	fmt.Fprintf(out, "%-22s %14s %14s %7s\n", "esign", "okno", "openssl", "ratio")
	ratio := make(map[string]float64)
	for _, f := range figures {
		if theirs[f.name] == 0 {
			return fmt.Errorf("esign: the harness reported no figure %q", f.ref)
		}
		ratio[f.name] = ours[f.name] / theirs[f.name]
		fmt.Fprintf(out, "%-22s %9.1f %-5s%9.1f %-5s%6.2f\n", f.name, ours[f.name], f.unit, theirs[f.name], f.unit, ratio[f.name])
	}
	headline := esignSignCurves[0].ours
	fmt.Fprintf(out, "esign: streebog %.2f, sign %.2f, verify %.2f\n",
		ratio["streebog-256"], ratio["sign "+headline], ratio["verify "+headline])
	return nil
}

// hashRate measures hashing 8 KiB messages, the size the harness uses.
func hashRate(newHash func() hash.Hash) func(float64) (float64, error) {
	return func(seconds float64) (float64, error) {
		buf := make([]byte, 8192)
		h := newHash()
		sum := make([]byte, 0, 64)
		rate, err := timeLoop(seconds, func() error {
			h.Reset()
			h.Write(buf)
			sum = h.Sum(sum[:0])
			return nil
		})
		return rate * float64(len(buf)) / 1e6, err
	}
}

// signRates returns measurements of signing and verifying with a fresh key.
func signRates(c *gost3410.Curve) (sign, verify func(float64) (float64, error), err error) {
	key, err := gost3410.GenerateKey(c, rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	digest := make([]byte, c.ScalarSize())
	rand.Read(digest)
	sig, err := key.Sign(rand.Reader, digest)
	if err != nil {
		return nil, nil, err
	}
	sign = func(seconds float64) (float64, error) {
		return timeLoop(seconds, func() error {
			_, err := key.Sign(rand.Reader, digest)
			return err
		})
	}
	verify = func(seconds float64) (float64, error) {
		return timeLoop(seconds, func() error {
			ok, err := key.Public().Verify(digest, sig)
			if err == nil && !ok {
				err = fmt.Errorf("own signature rejected on %s", c.Name)
			}
			return err
		})
	}
	return sign, verify, nil
}

// timeLoop runs op in batches until seconds of CPU time have passed and
// returns the rate in operations per CPU second, or op's first error.
// CPU time, like the harness's, keeps other load on the machine out of
// the comparison.
func timeLoop(seconds float64, op func() error) (float64, error) {
	start, err := cpuTime()
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		for range 8 {
			if err := op(); err != nil {
				return 0, err
			}
			n++
		}
		now, err := cpuTime()
		if err != nil {
			return 0, err
		}
		if elapsed := now - start; elapsed >= seconds {
			return float64(n) / elapsed, nil
		}
	}
}

// cpuTime returns the user and system CPU seconds used by this process.
func cpuTime() (float64, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	sec := func(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
	return sec(ru.Utime) + sec(ru.Stime), nil
}
