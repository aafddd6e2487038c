package kafka

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/sim"
	"github.com/ticklake/ticklake/internal/tick"
)

var simStart = time.Date(2025, 11, 24, 14, 30, 0, 0, time.UTC)

func newTestSim(t *testing.T) *sim.Sim {
	t.Helper()
	s, err := sim.New(sim.Config{Seed: 1, Start: simStart})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newTestPipeline starts a broker with the default topics and a producer
// client on it.
func newTestPipeline(t *testing.T) (*Broker, *kgo.Client) {
	t.Helper()
	b := newTestBroker(t, "")
	if err := EnsureTopics(testCtx(t), newTestAdmin(t, b.Addr()), DefaultTopics(true)...); err != nil {
		t.Fatal(err)
	}
	return b, newTestClient(t, b.Addr())
}

func newTestProducer(t *testing.T, cl *kgo.Client, cfg ProducerConfig, reg prometheus.Registerer) *Producer {
	t.Helper()
	p, err := NewProducer(cl, cfg, nil, reg)
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	return p
}

func TestProducerCount(t *testing.T) {
	b, cl := newTestPipeline(t)
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, 500
	reg := prometheus.NewRegistry()
	p := newTestProducer(t, cl, cfg, reg)
	if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := p.Produced()
	if got["trades"]+got["quotes"] != 500 || got["trades"] == 0 || got["quotes"] == 0 {
		t.Fatalf("Produced() = %v, want 500 records over both topics", got)
	}
	ends := endOffsets(t, newTestAdmin(t, b.Addr()), "trades", "quotes")
	for topic, n := range got {
		if ends[topic] != n {
			t.Errorf("%s: Produced %d, high watermarks sum to %d", topic, n, ends[topic])
		}
		if m := counterValue(t, p.metrics.records.WithLabelValues(topic)); m != float64(n) {
			t.Errorf("%s: records metric %v, want %d", topic, m, n)
		}
	}
	if _, err := NewProducer(cl, cfg, nil, reg); err == nil {
		t.Error("a second producer registered the same metrics without error")
	}
}

func TestProducedRecordsReadBack(t *testing.T) {
	b, cl := newTestPipeline(t)
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, 300
	p := newTestProducer(t, cl, cfg, nil)
	before := time.Now()
	if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Replaying the same seed gives the events the producer sent.
	src := newTestSim(t)
	want := map[string]string{}
	for range 300 {
		ev := src.Next()
		want[ev.Topic()+" "+ev.Key()+" "+strconv.FormatInt(seqOf(ev), 10)] = string(ev.AppendJSON(nil))
	}
	recs := consumeAll(t, b.Addr(), 300, "trades", "quotes")
	for _, r := range recs {
		checkRecord(t, r, want, before)
	}
}

func seqOf(ev tick.Event) int64 {
	if ev.Trade != nil {
		return ev.Trade.Seq
	}
	return ev.Quote.Seq
}

func checkRecord(t *testing.T, r *kgo.Record, want map[string]string, before time.Time) {
	t.Helper()
	var key string
	var ts int64
	if r.Topic == "trades" {
		tr, err := tick.DecodeTrade(r.Value)
		if err != nil {
			t.Fatalf("DecodeTrade(%s): %v", r.Value, err)
		}
		key, ts = "trades "+tr.Symbol+" "+strconv.FormatInt(tr.Seq, 10), tr.Ts
		if string(r.Key) != tr.Symbol {
			t.Fatalf("record key %q, want the symbol %q", r.Key, tr.Symbol)
		}
	} else {
		q, err := tick.DecodeQuote(r.Value)
		if err != nil {
			t.Fatalf("DecodeQuote(%s): %v", r.Value, err)
		}
		key, ts = "quotes "+q.Symbol+" "+strconv.FormatInt(q.Seq, 10), q.Ts
	}
	if want[key] != string(r.Value) {
		t.Fatalf("record %s = %s, want %s", key, r.Value, want[key])
	}
	if r.Timestamp.UnixMilli() != ts/1e6 {
		t.Fatalf("record %s timestamp %v, want the event time %v", key, r.Timestamp, time.Unix(0, ts))
	}
	wantType := tick.EventQuote
	if r.Topic == "trades" {
		wantType = tick.EventTrade
	}
	h := headers(r)
	if len(r.Headers) != 3 || h[tick.HeaderSchemaVersion] != tick.SchemaVersion || h[tick.HeaderEventType] != wantType {
		t.Fatalf("record %s headers %v, want schema version, event type %s and produced-at", key, r.Headers, wantType)
	}
	at, err := strconv.ParseInt(h[tick.HeaderProducedAt], 10, 64)
	if err != nil || at < before.UnixNano() || at > time.Now().UnixNano() {
		t.Fatalf("record %s produced-at %q is not a wall-clock ns time of this run", key, r.Headers[0].Value)
	}
}

func headers(r *kgo.Record) map[string]string {
	m := map[string]string{}
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

func TestProducerDurationAndPacing(t *testing.T) {
	_, cl := newTestPipeline(t)
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Duration = 1000, time.Second
	p := newTestProducer(t, cl, cfg, nil)
	src := &recordingSource{src: newTestSim(t)}
	start := time.Now()
	if err := p.Run(testCtx(t), src); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if took := time.Since(start); took < 900*time.Microsecond {
		t.Errorf("1s of simulated time at 1000x took %v, want about 1ms or more", took)
	}
	got := p.Produced()
	sent := got["trades"] + got["quotes"]
	// The source was asked for one event past the duration, which is not sent.
	if sent == 0 || sent != int64(len(src.times)-1) {
		t.Fatalf("produced %d of %d events drawn", sent, len(src.times))
	}
	first, last := src.times[0], src.times[len(src.times)-2]
	if last.Sub(first) >= time.Second || src.times[len(src.times)-1].Sub(first) < time.Second {
		t.Fatalf("sent events span %v; want everything, and only, under 1s", last.Sub(first))
	}
}

type recordingSource struct {
	src   Source
	times []time.Time
}

func (r *recordingSource) Next() tick.Event {
	ev := r.src.Next()
	r.times = append(r.times, ev.Time())
	return ev
}

func TestProducerStopsAndFlushesOnCancel(t *testing.T) {
	b, cl := newTestPipeline(t)
	cfg := DefaultProducerConfig()
	cfg.Speed = 50 // unbounded run, so only cancellation stops it
	p := newTestProducer(t, cl, cfg, nil)
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, newTestSim(t)) }()
	deadline := time.Now().Add(10 * time.Second)
	for total(p.Produced()) < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("only %v produced after 10s", p.Produced())
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not waiting for it
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	ends := endOffsets(t, newTestAdmin(t, b.Addr()), "trades", "quotes")
	if got := p.Produced(); got["trades"] != ends["trades"] || got["quotes"] != ends["quotes"] {
		t.Fatalf("Produced %v, broker holds %v: the stop did not flush", got, ends)
	}
}

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func TestProducerFailsOnProduceError(t *testing.T) {
	b := newTestBroker(t, "") // no topics and no auto-creation
	cl := newTestClient(t, b.Addr(), kgo.UnknownTopicRetries(1))
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, 50
	reg := prometheus.NewRegistry()
	p := newTestProducer(t, cl, cfg, reg)
	err := p.Run(testCtx(t), newTestSim(t))
	if err == nil || !strings.Contains(err.Error(), "producing to topic") {
		t.Fatalf("Run without topics = %v, want a produce error naming the topic", err)
	}
	if counterValue(t, p.metrics.errors) == 0 {
		t.Fatal("errors metric did not count the failure")
	}
}

func TestProducerConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*ProducerConfig)
		wantErr string
	}{
		{"default", func(*ProducerConfig) {}, ""},
		{"max speed", func(c *ProducerConfig) { c.Speed = 0 }, ""},
		{"negative speed", func(c *ProducerConfig) { c.Speed = -1 }, "speed"},
		{"negative count", func(c *ProducerConfig) { c.Count = -1 }, "count"},
		{"negative duration", func(c *ProducerConfig) { c.Duration = -time.Second }, "duration"},
		{"no topic", func(c *ProducerConfig) { c.TopicQuotes = "" }, "topic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultProducerConfig()
			tc.edit(&c)
			err := c.Validate()
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
