package kafka

import (
	"bytes"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
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
				ts.add(topics[(g+i)%len(topics)], 1)
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

func TestHeadersSharedPerStampAndKind(t *testing.T) {
	clock := newWallClock()
	clock.stamp(0, false)
	first := clock.headers(kindTrade)
	tests := []struct {
		name string
		kind int
		want string
	}{
		{"trade", kindTrade, tick.EventTrade},
		{"quote", kindQuote, tick.EventQuote},
		{"replay", kindReplay, tick.EventReplay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := decodeHeaders(t, clock.headers(tt.kind))
			if len(h) != 3 || h[0].Key != tick.HeaderSchemaVersion || string(h[0].Value) != tick.SchemaVersion ||
				h[1].Key != tick.HeaderEventType || string(h[1].Value) != tt.want ||
				h[2].Key != tick.HeaderProducedAt || string(h[2].Value) != string(clock.at) {
				t.Fatalf("headers %v", h)
			}
		})
	}
	clock.stamp(1, false) // not due: same stamp, same shared headers
	if again := clock.headers(kindTrade); &again[0] != &first[0] {
		t.Error("records of one stamp got a fresh header array")
	}
	clock.stamp(stampEvery, false) // due: a new stamp gets new headers
	if next := clock.headers(kindTrade); &next[0] == &first[0] {
		t.Error("a new stamp reused the old stamp's headers")
	}
}

// decodeHeaders reads headers encoded by encodeHeaders with franz-go's
// record decoder.
func decodeHeaders(t *testing.T, enc []byte) []kgo.RecordHeader {
	t.Helper()
	var b batch
	b.reset(&partition{})
	b.append(0, 0, "", nil, enc)
	var tmp bytes.Buffer
	b.seal(producerIdentity{}, 0, nil, &tmp)
	_, recs := readBatch(t, b.wire)
	return headersOf(recs[0])
}
