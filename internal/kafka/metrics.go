package kafka

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// producerMetrics are the producer's metrics: records acknowledged and
// failed, and stalls.
type producerMetrics struct {
	records *prometheus.CounterVec
	errors  prometheus.Counter
	stalls  prometheus.Counter
	retries prometheus.Counter
}

func newProducerMetrics(reg prometheus.Registerer) (*producerMetrics, error) {
	m := &producerMetrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticklake_producer_records_total",
			Help: "Records the broker acknowledged, by topic.",
		}, []string{"topic"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_producer_errors_total",
			Help: "Records that failed to produce.",
		}),
		stalls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_producer_stalls_total",
			Help: "Times records waited unacknowledged for 5s or more (brokers down, below min.insync.replicas).",
		}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_producer_batch_retries_total",
			Help: "Batches sent again after a failed send (a lost connection, a leader moving, replicas behind).",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.records, m.errors, m.stalls, m.retries} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering producer metrics: %w", err)
		}
	}
	return m, nil
}
