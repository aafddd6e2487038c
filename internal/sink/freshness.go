package sink

import (
	"math"
	"sync"
	"time"
)

// freshness is a histogram of the time from a record being produced (its
// tick.HeaderProducedAt header) to its file being in the lake, with
// log-spaced buckets 10% wide from 1 ms, precise enough for p50 and p99.
type freshness struct {
	mu     sync.Mutex
	counts []int64
	total  int64
}

const (
	freshBase    = float64(time.Millisecond)
	freshGrowth  = 1.1
	freshBuckets = 200 // 1 ms × 1.1^200 ≈ 2 days
)

func newFreshness() *freshness { return &freshness{counts: make([]int64, freshBuckets+1)} }

// bucket returns the index of d's bucket.
func bucket(d time.Duration) int {
	if float64(d) <= freshBase {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/freshBase) / math.Log(freshGrowth)))
	return min(i, freshBuckets)
}

// observeAll adds the freshness of records produced at the given Unix
// nanosecond times, as of now.
func (f *freshness) observeAll(produced []int64, now time.Time) {
	if len(produced) == 0 {
		return
	}
	n := now.UnixNano()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range produced {
		f.counts[bucket(time.Duration(n-p))]++
	}
	f.total += int64(len(produced))
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
