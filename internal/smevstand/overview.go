package smevstand

import (
	"bytes"
	_ "embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

//go:embed overview.html
var overviewHTML string

// overview is the stand's front page: where to connect, which systems are
// registered, what waits in the queues and the access matrix.
type overview struct {
	bus    *bus.Bus
	keyDir string
	tmpl   *template.Template
	log    *slog.Logger
}

func newOverview(b *bus.Bus, keyDir string, log *slog.Logger) (*overview, error) {
	tmpl, err := template.New("overview").Parse(overviewHTML)
	if err != nil {
		return nil, err
	}
	return &overview{bus: b, keyDir: keyDir, tmpl: tmpl, log: log}, nil
}

func (o *overview) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	queues, err := o.bus.Store().QueueStats(r.Context())
	if err != nil {
		o.log.Error("overview: queues", "err", err)
		http.Error(w, "Стенд временно недоступен", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	err = o.tmpl.Execute(&b, struct {
		Base, KeyDir string
		Systems      []bus.System
		Queues       []store.QueueStat
		Routes       []bus.Route
	}{"http://" + r.Host, o.keyDir, o.bus.Systems().List(), queues, o.bus.Matrix().Routes()})
	if err != nil {
		o.log.Error("overview: render", "err", err)
		http.Error(w, "Стенд временно недоступен", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = b.WriteTo(w)
}
