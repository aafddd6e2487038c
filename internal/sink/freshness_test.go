package sink

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestFreshnessMatchesPrometheusHistogram feeds the same durations to the
// sink's freshness collector and to a prometheus.Histogram with the same
// buckets, and compares what both expose.
func TestFreshnessMatchesPrometheusHistogram(t *testing.T) {
	f := newFreshness()
	ref := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "ticklake_sink_freshness_seconds", Buckets: prometheus.ExponentialBuckets(0.01, 1.5, 24),
	})
	now := time.Unix(2_000_000, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	for batch := range 20 {
		var produced []int64
		for range 500 {
			d := time.Duration(rng.Int64N(int64(time.Hour))) >> rng.IntN(30) // spread over every bucket
			if batch == 0 {
				d = -time.Millisecond // a producer clock ahead of the sink's
			}
			produced = append(produced, now.Add(-d).UnixNano())
			ref.Observe(float64(d) / 1e9)
		}
		f.observeAll(produced, now)
	}
	got, want := collectHistogram(t, f), collectHistogram(t, ref)
	if got.GetSampleCount() != want.GetSampleCount() || math.Abs(got.GetSampleSum()-want.GetSampleSum()) > 1e-6*math.Abs(want.GetSampleSum()) {
		t.Errorf("count %d sum %v, want count %d sum %v", got.GetSampleCount(), got.GetSampleSum(), want.GetSampleCount(), want.GetSampleSum())
	}
	if len(got.GetBucket()) != len(want.GetBucket()) {
		t.Fatalf("%d buckets, want %d", len(got.GetBucket()), len(want.GetBucket()))
	}
	for i, b := range got.GetBucket() {
		w := want.GetBucket()[i]
		if b.GetUpperBound() != w.GetUpperBound() || b.GetCumulativeCount() != w.GetCumulativeCount() {
			t.Errorf("bucket %d: <= %v: %d, want <= %v: %d", i, b.GetUpperBound(), b.GetCumulativeCount(), w.GetUpperBound(), w.GetCumulativeCount())
		}
	}
}

// collectHistogram collects the one histogram c serves.
func collectHistogram(t *testing.T, c prometheus.Collector) *dto.Histogram {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.GetHistogram() == nil {
		t.Fatal("not a histogram")
	}
	return m.GetHistogram()
}

// TestFreshnessBucketsAreLogSpaced checks bucket against its definition:
// the smallest i with d <= 1 ms × 1.1^i, capped at the last bucket.
func TestFreshnessBucketsAreLogSpaced(t *testing.T) {
	f := newFreshness()
	tests := []struct {
		name string
		d    time.Duration
		want int
	}{
		{"negative", -time.Second, 0},
		{"zero", 0, 0},
		{"1 ms", time.Millisecond, 0},
		{"just over 1 ms", time.Millisecond + 1, 1},
		{"1.1 ms", 1100 * time.Microsecond, 1},
		{"1.2 ms", 1200 * time.Microsecond, 2},
		{"1 s", time.Second, int(math.Ceil(math.Log(1000) / math.Log(1.1)))},
		{"a week", 7 * 24 * time.Hour, freshBuckets},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := f.bucket(tc.d); got != tc.want {
				t.Errorf("bucket(%v) = %d, want %d", tc.d, got, tc.want)
			}
		})
	}
}
