package kafka

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func newTestTallies(t *testing.T) *tallies {
	t.Helper()
	m, err := newProducerMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return &tallies{metric: m.records}
}

func TestTalliesCountConcurrentAcks(t *testing.T) {
	ts := newTestTallies(t)
	topics := []string{"trades", "quotes", "index_prices"}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				ts.ack(topics[(g+i)%len(topics)])
			}
		})
	}
	wg.Wait()
	got := ts.snapshot()
	var sum int64
	for _, topic := range topics {
		sum += got[topic]
		if m := counterValue(t, ts.metric.WithLabelValues(topic)); m != float64(got[topic]) {
			t.Errorf("%s: metric %v, tally %d", topic, m, got[topic])
		}
	}
	if len(got) != len(topics) || sum != 4000 || ts.total() != 4000 {
		t.Fatalf("snapshot %v, total %d; want 4000 acks over %d topics", got, ts.total(), len(topics))
	}
}

func TestPooledRecordsKeepLongValues(t *testing.T) {
	var rp recordPool
	long := strings.Repeat("x", 3*valueRoom)
	tests := []struct {
		name, key, value string
	}{
		{"short", "AAPL", `{"a":1}`},
		{"longer than the pooled buffer", "BRK.B", long},
		{"short again, reusing a grown buffer", "MSFT", `{"b":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rp.get()
			at := []byte("123")
			fill(r, "trades", tt.key, func(b []byte) []byte { return append(b, tt.value...) }, time.Unix(0, 42), typeTrade, at)
			if string(r.Key) != tt.key || string(r.Value) != tt.value || r.Topic != "trades" || len(r.Headers) != 3 {
				t.Fatalf("record %q/%q on %q with %d headers; want %q/%q on trades with 3", r.Key, r.Value, r.Topic, len(r.Headers), tt.key, tt.value)
			}
			if string(r.Headers[2].Value) != "123" || r.Headers[1].Key != headerEventType {
				t.Fatalf("headers %v", r.Headers)
			}
			rp.put(r)
		})
	}
}
