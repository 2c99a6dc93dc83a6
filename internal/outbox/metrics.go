package outbox

import (
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the outbox's Prometheus series: delivery attempts by result
// and stuck deliveries by agency. The gauge of an agency is refreshed from
// the database whenever one of its deliveries is tried, retried or
// cancelled, so after a restart it fills within one backoff cap.
type Metrics struct {
	attempts *prometheus.CounterVec
	stuck    *prometheus.GaugeVec
}

// NewMetrics registers the outbox's series with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "okno_outbox_delivery_attempts_total",
			Help: "Status deliveries sent to the bus, by result: sent, overflow (DestinationOverflow), error."}, []string{"result"}),
		stuck: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "okno_outbox_stuck_deliveries",
			Help: "Status deliveries of an agency (by id) not gone for longer than the stuck threshold."}, []string{"agency"}),
	}
	for _, c := range []prometheus.Collector{m.attempts, m.stuck} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) attempt(result string) {
	if m != nil {
		m.attempts.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) setStuck(agencyID uuid.UUID, n int) {
	if m != nil {
		m.stuck.WithLabelValues(agencyID.String()).Set(float64(n))
	}
}
