package sink

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
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

// TestFreshnessSamplesBusyRanges checks which records the freshness
// histogram counts, and for how many: each range's first freshSampleAll
// records one each, then one in freshSampleEvery by offset, for
// freshSampleEvery records each.
func TestFreshnessSamplesBusyRanges(t *testing.T) {
	brokers := newTestCluster(t)
	prod := newTestProducer(t, brokers)
	at := []byte(strconv.FormatInt(time.Now().UnixNano(), 10))
	var recs []*kgo.Record
	for i := range 3000 {
		sym := testSymbols[i%len(testSymbols)]
		tr := tick.Trade{Symbol: sym, Ts: eventBase.UnixNano() + int64(i), Price: 100, Size: 1, Exchange: "Q", Conditions: []string{"@"}, Side: "B", Seq: int64(i + 1)}
		recs = append(recs, &kgo.Record{Topic: tick.TopicTrades, Key: []byte(sym), Value: tr.AppendJSON(nil),
			Headers: []kgo.RecordHeader{{Key: tick.HeaderProducedAt, Value: at}}})
	}
	prod.send(t, recs...)
	s := runDrain(t, brokers, newTestLake(t), nil) // one range a partition
	var sampled, want int64
	for pk, hw := range prod.hw {
		if pk.topic != tick.TopicTrades {
			continue
		}
		var n int64
		for off := range hw {
			switch {
			case n < freshSampleAll:
				n++
				want++
			case off%freshSampleEvery == 0:
				n++
				want += freshSampleEvery
			}
		}
		t.Logf("partition %d: %d records, %d sampled", pk.part, hw, n)
		sampled += n
	}
	if sampled >= 1000 || sampled <= freshSampleAll {
		t.Fatalf("the test's partitions sample %d of 3000 records: not a busy range", sampled)
	}
	if got := s.fresh.total; got != want {
		t.Errorf("freshness counted %d records, want %d (the first %d of each range, then one in %d counting for %[4]d)",
			got, want, freshSampleAll, freshSampleEvery)
	}
	if want < 2900 || want > 3100 {
		t.Errorf("the weighted sample stands for %d records, want about the 3000 written", want)
	}
	if p99 := s.Stats().FreshnessP99; p99 <= 0 {
		t.Errorf("freshness p99 %v, want a positive time", p99)
	}
}
