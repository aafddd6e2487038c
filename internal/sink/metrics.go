package sink

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the sink's Prometheus series.
type metrics struct {
	consumed     *prometheus.CounterVec
	written      *prometheus.CounterVec
	files        *prometheus.CounterVec
	bytes        *prometheus.CounterVec
	decodeErrors *prometheus.CounterVec
	lag          *prometheus.GaugeVec
	flush        prometheus.Histogram
}

// newMetrics builds the series and registers them on reg unless it is nil.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"topic"})
	}
	m := &metrics{
		consumed:     counter("ticklake_sink_records_consumed_total", "Records consumed from Kafka."),
		written:      counter("ticklake_sink_records_written_total", "Rows written to Parquet files in the lake."),
		files:        counter("ticklake_sink_files_total", "Parquet files written to the lake."),
		bytes:        counter("ticklake_sink_bytes_total", "Bytes of Parquet files written to the lake."),
		decodeErrors: counter("ticklake_sink_decode_errors_total", "Malformed records sent to dead letters."),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ticklake_sink_lag_records",
			Help: "High watermark minus the next offset to consume, summed over the assigned partitions.",
		}, []string{"topic"}),
		flush: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ticklake_sink_flush_seconds",
			Help:    "Time to write and commit one flush.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.consumed, m.written, m.files, m.bytes, m.decodeErrors, m.lag, m.flush} {
		errs = append(errs, reg.Register(c))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("sink: registering metrics: %w (use one registry per sink)", err)
	}
	return m, nil
}
