package audit

import (
	"context"
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
)

// ChainGauge is okno_audit_chain_ok{agency}: 1 while the agency's chain
// checks out against its anchors, 0 once it does not.
type ChainGauge struct{ ok *prometheus.GaugeVec }

// NewChainGauge registers the gauge.
func NewChainGauge(reg prometheus.Registerer) (*ChainGauge, error) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "okno_audit_chain_ok",
		Help: "1 when the agency's audit hash chain is intact and matches its signed anchors, 0 when not.",
	}, []string{"agency"})
	if err := reg.Register(g); err != nil {
		return nil, err
	}
	return &ChainGauge{ok: g}, nil
}

// Set records one verification.
func (g *ChainGauge) Set(r Report) {
	v := 0.0
	if r.OK() {
		v = 1
	}
	g.ok.WithLabelValues(r.Agency.Code).Set(v)
}

// AnchorArgs is the periodic job that verifies and anchors every agency's chain.
type AnchorArgs struct{}

// Kind names the job in River.
func (AnchorArgs) Kind() string { return "audit_anchor" }

// AnchorWorker verifies each agency's chain against its anchors, sets the
// gauge, and anchors the head of a chain that checks out (a broken chain is
// not vouched for).
type AnchorWorker struct {
	river.WorkerDefaults[AnchorArgs]
	Anchors *Anchors
	Gauge   *ChainGauge // optional
	Logger  *slog.Logger
}

// Work runs one round over all agencies; an agency that fails does not stop the others.
func (w *AnchorWorker) Work(ctx context.Context, _ *river.Job[AnchorArgs]) error {
	return w.Round(ctx)
}

// Round verifies and anchors every agency once.
func (w *AnchorWorker) Round(ctx context.Context) error {
	agencies, err := w.Anchors.Agencies(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range agencies {
		r, err := w.Anchors.Verify(ctx, a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if w.Gauge != nil {
			w.Gauge.Set(r)
		}
		if !r.OK() {
			w.Logger.Error("audit chain does not check out", "agency", a.Code, "break", r.Break, "problems", r.Problems)
			continue
		}
		if _, err := w.Anchors.Anchor(ctx, a); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
