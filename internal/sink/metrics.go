package sink

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the sink's Prometheus series.
type metrics struct {
	consumed   *prometheus.CounterVec
	written    *prometheus.CounterVec
	files      *prometheus.CounterVec
	bytes      *prometheus.CounterVec
	badRecords *prometheus.CounterVec
	duplicates *prometheus.CounterVec
	gaps       *prometheus.CounterVec
	errors     *prometheus.CounterVec
	lag        *prometheus.GaugeVec
	claimsLost prometheus.Counter
	retries    prometheus.Counter
	buffered   prometheus.Gauge
	flush      prometheus.Histogram
	freshness  prometheus.Collector // the sink's freshness histogram
}

// newMetrics builds the series and registers them on reg unless it is nil;
// fresh serves ticklake_sink_freshness_seconds.
func newMetrics(reg prometheus.Registerer, fresh *freshness) (*metrics, error) {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"topic"})
	}
	m := &metrics{
		consumed:   counter("ticklake_sink_records_consumed_total", "Records consumed from Kafka."),
		written:    counter("ticklake_sink_records_written_total", "Rows written to Parquet files in the lake."),
		files:      counter("ticklake_sink_files_total", "Parquet files written to the lake."),
		bytes:      counter("ticklake_sink_bytes_total", "Bytes of Parquet files written to the lake."),
		badRecords: counter("ticklake_sink_bad_records_total", "Records refused (not JSON, wrong types, oversize, tombstones) and written to _errors."),
		duplicates: counter("ticklake_sink_duplicates_total", "Records whose seq a producer already wrote for their symbol (a resent batch the broker appended again), written to _errors instead of the data files."),
		gaps:       counter("ticklake_sink_sequence_gaps_total", "Records whose seq skips ahead of the last one written for their symbol and producer; they are kept."),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticklake_sink_errors_total",
			Help: "Failed lake writes, head moves and Kafka commits, by kind; each is retried.",
		}, []string{"kind"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ticklake_sink_lag_records",
			Help: "High watermark minus the next offset to consume, summed over the assigned partitions.",
		}, []string{"topic"}),
		claimsLost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_sink_claims_lost_total",
			Help: "Flush ranges another sink claimed first (a zombie or a rebalance race); the loser resyncs.",
		}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_sink_retries_total",
			Help: "Flushes retried after a failed lake write.",
		}),
		buffered: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ticklake_sink_buffered_bytes",
			Help: "Record bytes held in memory, waiting for their flush.",
		}),
		flush: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ticklake_sink_flush_seconds",
			Help:    "Time to write and commit one flush.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
		freshness: fresh,
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.consumed, m.written, m.files, m.bytes, m.badRecords, m.duplicates, m.gaps, m.errors,
		m.lag, m.claimsLost, m.retries, m.buffered, m.flush, m.freshness} {
		errs = append(errs, reg.Register(c))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("sink: registering metrics: %w (use one registry per sink)", err)
	}
	return m, nil
}
