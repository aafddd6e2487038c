package lake

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// retryCounter is implemented by backends that retry requests internally
// (S3), so Instrument can export how often they did.
type retryCounter interface {
	Retries() int64
}

// instrumented wraps a Store with Prometheus series; see Instrument.
type instrumented struct {
	Store
	ops     *prometheus.CounterVec
	seconds *prometheus.HistogramVec
	written prometheus.Counter
}

// Instrument returns s with Prometheus series registered on reg:
// ticklake_lake_operations_total{op,result}, ticklake_lake_operation_seconds{op},
// ticklake_lake_written_bytes_total and, for S3, ticklake_lake_retries_total
// (request attempts repeated after a transient failure). A nil reg returns s
// unchanged. Instrument each store once per registry.
func Instrument(s Store, reg prometheus.Registerer) (Store, error) {
	if reg == nil {
		return s, nil
	}
	m := &instrumented{
		Store: s,
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticklake_lake_operations_total",
			Help: "Lake operations by kind and result (ok, exists, not_found, error).",
		}, []string{"op", "result"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ticklake_lake_operation_seconds",
			Help:    "Duration of lake operations, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"op"}),
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticklake_lake_written_bytes_total",
			Help: "Bytes stored by Create and Put.",
		}),
	}
	cs := []prometheus.Collector{m.ops, m.seconds, m.written}
	if rc, ok := s.(retryCounter); ok {
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ticklake_lake_retries_total",
			Help: "Lake requests repeated after a transient failure (5xx, reset, timeout).",
		}, func() float64 { return float64(rc.Retries()) }))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe records one operation that started at start and ended with err.
func (m *instrumented) observe(op string, start time.Time, err error) {
	m.seconds.WithLabelValues(op).Observe(time.Since(start).Seconds())
	result := "ok"
	switch {
	case errors.Is(err, ErrExists):
		result = "exists"
	case errors.Is(err, ErrNotExist):
		result = "not_found"
	case err != nil:
		result = "error"
	}
	m.ops.WithLabelValues(op, result).Inc()
}

// Create implements Store.
func (m *instrumented) Create(ctx context.Context, key string, data []byte) error {
	start := time.Now()
	err := m.Store.Create(ctx, key, data)
	m.observe("create", start, err)
	if err == nil {
		m.written.Add(float64(len(data)))
	}
	return err
}

// Put implements Store.
func (m *instrumented) Put(ctx context.Context, key string, data []byte) error {
	start := time.Now()
	err := m.Store.Put(ctx, key, data)
	m.observe("put", start, err)
	if err == nil {
		m.written.Add(float64(len(data)))
	}
	return err
}

// Stat implements Store.
func (m *instrumented) Stat(ctx context.Context, key string) (Object, error) {
	start := time.Now()
	o, err := m.Store.Stat(ctx, key)
	m.observe("stat", start, err)
	return o, err
}

// Open implements Store; the time is to the first byte.
func (m *instrumented) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	start := time.Now()
	r, err := m.Store.Open(ctx, key)
	m.observe("open", start, err)
	return r, err
}

// ReadAt implements Store.
func (m *instrumented) ReadAt(ctx context.Context, key string) (ReaderAt, error) {
	start := time.Now()
	r, err := m.Store.ReadAt(ctx, key)
	m.observe("read_at", start, err)
	return r, err
}

// List implements Store.
func (m *instrumented) List(ctx context.Context, prefix string, fn func(Object) error) error {
	start := time.Now()
	err := m.Store.List(ctx, prefix, fn)
	m.observe("list", start, err)
	return err
}

// Delete implements Store.
func (m *instrumented) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := m.Store.Delete(ctx, key)
	m.observe("delete", start, err)
	return err
}
