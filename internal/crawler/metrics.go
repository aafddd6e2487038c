package crawler

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the crawler's Prometheus metrics.
type metrics struct {
	crawls     prometheus.Counter
	registered prometheus.Counter
	errors     prometheus.Counter
	removed    prometheus.Counter
	changes    prometheus.Counter
	seconds    prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		crawls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_crawler_crawls_total",
			Help: "Full crawls of the lake run.",
		}),
		registered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_crawler_files_registered_total",
			Help: "Data files newly registered in the catalog, by crawls and events.",
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_crawler_errors_total",
			Help: "Objects that could not be registered and crawls that failed.",
		}),
		removed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_crawler_files_removed_total",
			Help: "Registered files gone from the lake and removed from the catalog by the delete behavior.",
		}),
		changes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_crawler_schema_changes_total",
			Help: "Column and partition key changes made to table schemas (added, widened, incompatible).",
		}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ticklake_crawler_crawl_seconds",
			Help:    "Duration of full crawls.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 8),
		}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.crawls, m.registered, m.errors, m.removed, m.changes, m.seconds} {
		errs = append(errs, reg.Register(c))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("registering crawler metrics: %w", err)
	}
	return m, nil
}
