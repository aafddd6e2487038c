package lake_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticklake/ticklake/internal/faultproxy"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/lake/s3test"
)

func TestInstrumentCountsResults(t *testing.T) {
	ctx := context.Background()
	d, err := lake.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	st, err := lake.Instrument(d, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Create(ctx, "k", []byte("12345")); err != nil {
		t.Fatal(err)
	}
	if err := st.Create(ctx, "k", []byte("x")); !errors.Is(err, lake.ErrExists) {
		t.Fatalf("second Create through the wrapper = %v, want ErrExists", err)
	}
	if _, err := st.Stat(ctx, "missing"); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("Stat(missing) = %v", err)
	}
	tests := []struct {
		name   string
		series string
		labels map[string]string
		want   float64
	}{
		{"created", "ticklake_lake_operations_total", map[string]string{"op": "create", "result": "ok"}, 1},
		{"refused", "ticklake_lake_operations_total", map[string]string{"op": "create", "result": "exists"}, 1},
		{"missing", "ticklake_lake_operations_total", map[string]string{"op": "stat", "result": "not_found"}, 1},
		{"bytes", "ticklake_lake_written_bytes_total", nil, 5},
		{"no retries on disk", "ticklake_lake_retries_total", nil, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := counterValue(t, reg, tc.series, tc.labels); got != tc.want {
				t.Fatalf("%s%v = %v, want %v (-1 = absent)", tc.series, tc.labels, got, tc.want)
			}
		})
	}
	if _, err := lake.Instrument(d, reg); err == nil {
		t.Fatal("instrumenting twice on one registry succeeded, want a duplicate-registration error")
	}
}

func TestInstrumentCountsS3Retries(t *testing.T) {
	srv := s3test.Start(t)
	proxy, err := faultproxy.Start(srv.Endpoint, faultproxy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	opts := srv.Options()
	opts.S3Endpoint = proxy.URL
	s3, err := lake.OpenWith(srv.URL("metrics"), opts)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	st, err := lake.Instrument(s3, reg)
	if err != nil {
		t.Fatal(err)
	}
	proxy.Set(faultproxy.Config{Rate: 1, Faults: []faultproxy.Fault{faultproxy.Status503}, Limit: 3})
	if err := st.Put(context.Background(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	proxy.Set(faultproxy.Config{Rate: 1, Faults: []faultproxy.Fault{faultproxy.Status503}, Limit: 2})
	if err := st.Create(context.Background(), "c", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if got := counterValue(t, reg, "ticklake_lake_retries_total", nil); got != 5 {
		t.Fatalf("ticklake_lake_retries_total = %v after 5 injected 503s, want 5", got)
	}
}

// counterValue returns the counter series of name with exactly labels, or -1
// when reg has none.
func counterValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if maps.Equal(got, labels) || (len(got) == 0 && len(labels) == 0) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}
