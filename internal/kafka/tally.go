package kafka

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// tallies counts acknowledged records per topic. A producer writes to two
// or three topics, so a lookup is a scan of a short copy-on-write list
// rather than a map under a lock: acknowledgements arrive for every record
// and must cost next to nothing.
type tallies struct {
	metric *prometheus.CounterVec // ticklake_producer_records_total
	list   atomic.Pointer[[]*tally]
	mu     sync.Mutex // serialises adding a topic
}

// tally is one topic's count and its metric child.
type tally struct {
	topic  string
	acked  atomic.Int64
	metric prometheus.Counter
}

// add counts n acknowledged records of topic.
func (ts *tallies) add(topic string, n int64) {
	t := ts.find(topic)
	if t == nil {
		t = ts.create(topic)
	}
	t.acked.Add(n)
	t.metric.Add(float64(n))
}

func (ts *tallies) find(topic string) *tally {
	if l := ts.list.Load(); l != nil {
		for _, t := range *l {
			if t.topic == topic {
				return t
			}
		}
	}
	return nil
}

// create returns topic's tally, creating it on the first acknowledgement.
func (ts *tallies) create(topic string) *tally {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t := ts.find(topic); t != nil {
		return t
	}
	t := &tally{topic: topic, metric: ts.metric.WithLabelValues(topic)}
	var l []*tally
	if old := ts.list.Load(); old != nil {
		l = append(l, *old...)
	}
	l = append(l, t)
	ts.list.Store(&l)
	return t
}

// snapshot returns the counts of every topic acknowledged so far.
func (ts *tallies) snapshot() map[string]int64 {
	m := map[string]int64{}
	if l := ts.list.Load(); l != nil {
		for _, t := range *l {
			m[t.topic] = t.acked.Load()
		}
	}
	return m
}

// total returns the acknowledged records of all topics.
func (ts *tallies) total() int64 {
	var n int64
	if l := ts.list.Load(); l != nil {
		for _, t := range *l {
			n += t.acked.Load()
		}
	}
	return n
}
