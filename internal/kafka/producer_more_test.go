package kafka

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/tick"
)

func TestJSONLinesProducer(t *testing.T) {
	var out bytes.Buffer
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, 200
	p, err := NewJSONLinesProducer(&out, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	src := newTestSim(t)
	sc := bufio.NewScanner(&out)
	n := 0
	for sc.Scan() {
		ev := src.Next()
		var line struct {
			Topic     string          `json:"topic"`
			Key       string          `json:"key"`
			Timestamp int64           `json:"timestamp"`
			Value     json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d %q: %v", n+1, sc.Text(), err)
		}
		if line.Topic != ev.Topic() || line.Key != ev.Key() || line.Timestamp != ev.Time().UnixNano() || string(line.Value) != string(ev.AppendJSON(nil)) {
			t.Fatalf("line %d = %s, want %s %s %d %s", n+1, sc.Text(), ev.Topic(), ev.Key(), ev.Time().UnixNano(), ev.AppendJSON(nil))
		}
		n++
	}
	if n != 200 || total(p.Produced()) != 200 {
		t.Fatalf("%d lines, Produced %v; want 200", n, p.Produced())
	}
}

// murmur2 is Kafka's Java client hash (Utils.murmur2), written out here
// independently of franz-go to check the partitioner against it.
func murmur2(data []byte) uint32 {
	const m, r = 0x5bd1e995, 24
	h := uint32(0x9747b28c) ^ uint32(len(data))
	n := len(data) / 4
	for i := range n {
		k := uint32(data[4*i]) | uint32(data[4*i+1])<<8 | uint32(data[4*i+2])<<16 | uint32(data[4*i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h = h*m ^ k
	}
	tail := data[4*n:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

func TestProducerPartitionsLikeJavaClient(t *testing.T) {
	b := newTestBroker(t, "")
	if err := EnsureTopics(testCtx(t), newTestAdmin(t, b.Addr()), DefaultTopics(true)...); err != nil {
		t.Fatal(err)
	}
	opts, err := ProducerOpts("zstd")
	if err != nil {
		t.Fatal(err)
	}
	cl := newTestClient(t, b.Addr(), opts...)
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, 400
	p := newTestProducer(t, cl, cfg, nil)
	if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	keys := map[string]bool{}
	for _, r := range consumeAll(t, b.Addr(), 400, "trades", "quotes") {
		keys[string(r.Key)] = true
		if want := int32(murmur2(r.Key)&0x7fffffff) % 3; r.Partition != want {
			t.Fatalf("key %s in partition %d; the Java client puts it in %d", r.Key, r.Partition, want)
		}
	}
	if len(keys) < 10 {
		t.Fatalf("only %d keys seen", len(keys))
	}
}

// clockSource emits trades every step (10 ms when zero) of event time from
// a start.
type clockSource struct {
	next time.Time
	step time.Duration
	seq  int64
}

func (c *clockSource) Next() tick.Event {
	c.seq++
	tr := &tick.Trade{Symbol: "AAPL", Ts: c.next.UnixNano(), Price: 1, Size: 100, Exchange: "Q", Conditions: []string{}, Side: "B", Seq: c.seq}
	c.next = c.next.Add(cmp.Or(c.step, 10*time.Millisecond))
	return tick.Event{Trade: tr}
}

func TestMaxSpeedNeverRunsPastTheWallClock(t *testing.T) {
	var out bytes.Buffer
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, 60
	p, err := NewJSONLinesProducer(&out, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// 20 events in the past, 40 in the next 400 ms
	if err := p.Run(testCtx(t), &clockSource{next: start.Add(-200 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 350*time.Millisecond {
		t.Fatalf("60 events reaching 390 ms into the future were sent in %v; max speed ran past the wall clock", took)
	}
}

func TestCompressionCodec(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"default", "", ""},
		{"lz4", "lz4", ""},
		{"zstd", "ZSTD", ""},
		{"none", "none", ""},
		{"unknown", "brotli", "unknown compression"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ProducerOpts(tc.in)
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("ProducerOpts(%q) = %v, want error %q", tc.in, err, tc.wantErr)
			}
		})
	}
}

type sliceMessages struct{ values []string }

func (s *sliceMessages) NextMessage() (string, []byte, []byte, bool) {
	if len(s.values) == 0 {
		return "", nil, nil, false
	}
	v := s.values[0]
	s.values = s.values[1:]
	return "index_prices", []byte("HSI"), []byte(v), true
}

func TestRunMessagesPacesAndStampsProduceTime(t *testing.T) {
	b := newTestBroker(t, "")
	ensureTestTopic(t, newTestAdmin(t, b.Addr()), "index_prices", 1)
	p := newTestProducer(t, newTestClient(t, b.Addr()), DefaultProducerConfig(), nil)
	var values []string
	for i := range 20 {
		values = append(values, `{"n":`+strings.Repeat("1", i+1)+`}`)
	}
	start := time.Now()
	if err := p.RunMessages(testCtx(t), &sliceMessages{values: values}, 100); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 180*time.Millisecond {
		t.Fatalf("20 records at 100/s took %v, want about 190ms", took)
	}
	for i, r := range consumeAll(t, b.Addr(), 20, "index_prices") {
		if string(r.Value) != values[i] || string(r.Key) != "HSI" {
			t.Fatalf("record %d = %s %s, want HSI %s", i, r.Key, r.Value, values[i])
		}
		if r.Timestamp.Before(start.Add(-time.Millisecond)) || r.Timestamp.After(time.Now()) {
			t.Fatalf("record %d timestamp %v is not its produce time", i, r.Timestamp)
		}
		if h := headers(r); h[tick.HeaderEventType] != tick.EventReplay {
			t.Fatalf("record %d headers %v, want event type replay", i, h)
		}
	}
}
