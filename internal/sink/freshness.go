package sink

import (
	"math"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// freshness is a histogram of the time from a record being produced (its
// tick.HeaderProducedAt header) to its file being in the lake, with
// log-spaced buckets 10% wide from 1 ms, precise enough for p50 and p99.
// It also counts the buckets of the ticklake_sink_freshness_seconds
// Prometheus histogram, which it serves as a collector: a flush adds all
// its records under one lock, where a prometheus.Histogram takes atomic
// adds per record (it cost more than the rest of the flush's accounting).
type freshness struct {
	bounds []float64 // bounds[i]: the upper bound of bucket i, in ns

	mu     sync.Mutex
	counts []int64
	total  int64

	desc       *prometheus.Desc
	promBounds []float64 // upper bounds of the Prometheus buckets, in seconds
	prom       []uint64  // records per Prometheus bucket (not cumulative); the last: above every bound
	promSum    float64   // seconds
}

const (
	freshBase    = float64(time.Millisecond)
	freshGrowth  = 1.1
	freshBuckets = 200 // 1 ms × 1.1^200 ≈ 2 days
)

func newFreshness() *freshness {
	f := &freshness{
		bounds: make([]float64, freshBuckets),
		counts: make([]int64, freshBuckets+1),
		desc: prometheus.NewDesc("ticklake_sink_freshness_seconds",
			"Wall-clock time from a record being produced to its file being in the lake.", nil, nil),
		promBounds: prometheus.ExponentialBuckets(0.01, 1.5, 24),
	}
	for i := range f.bounds {
		f.bounds[i] = freshBase * math.Pow(freshGrowth, float64(i))
	}
	f.prom = make([]uint64, len(f.promBounds)+1)
	return f
}

// bucket returns the index of d's bucket: the first whose upper bound is at
// least d (d <= 1 ms: 0; beyond the last bound: freshBuckets).
func (f *freshness) bucket(d time.Duration) int {
	return sort.SearchFloat64s(f.bounds, float64(d))
}

// observeAll adds the freshness of records produced at the given Unix
// nanosecond times, as of now.
func (f *freshness) observeAll(produced []int64, now time.Time) {
	f.observe(produced, now, len(produced))
}

// observeSample adds the freshness of a range's sample (partBuf.samples):
// its first freshSampleAll produce times are one record each, the later
// ones, one in freshSampleEvery by offset, stand for freshSampleEvery.
func (f *freshness) observeSample(produced []int64, now time.Time) {
	f.observe(produced, now, freshSampleAll)
}

// observe adds produced[:whole] with a weight of one record and the rest
// with a weight of freshSampleEvery.
func (f *freshness) observe(produced []int64, now time.Time, whole int) {
	if len(produced) == 0 {
		return
	}
	n := now.UnixNano()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, p := range produced {
		w := int64(1)
		if i >= whole {
			w = freshSampleEvery
		}
		d := time.Duration(n - p)
		f.counts[f.bucket(d)] += w
		sec := d.Seconds()
		// Prometheus's own rule: the first bucket whose bound is >= the value.
		f.prom[sort.SearchFloat64s(f.promBounds, sec)] += uint64(w)
		f.promSum += sec * float64(w)
		f.total += w
	}
}

// quantile returns the upper bound of the bucket holding quantile q, or 0
// when nothing was observed.
func (f *freshness) quantile(q float64) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(f.total)))
	var seen int64
	for i, c := range f.counts {
		seen += c
		if seen >= max(rank, 1) {
			return time.Duration(freshBase * math.Pow(freshGrowth, float64(i)))
		}
	}
	return time.Duration(freshBase * math.Pow(freshGrowth, freshBuckets))
}

// Describe implements prometheus.Collector.
func (f *freshness) Describe(ch chan<- *prometheus.Desc) { ch <- f.desc }

// Collect implements prometheus.Collector: the Prometheus buckets as a
// histogram, cumulative as Prometheus wants them.
func (f *freshness) Collect(ch chan<- prometheus.Metric) {
	f.mu.Lock()
	buckets := make(map[float64]uint64, len(f.promBounds))
	var cum uint64
	for i, b := range f.promBounds {
		cum += f.prom[i]
		buckets[b] = cum
	}
	count, sum := cum+f.prom[len(f.promBounds)], f.promSum
	f.mu.Unlock()
	ch <- prometheus.MustNewConstHistogram(f.desc, count, sum, buckets)
}
