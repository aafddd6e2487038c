package sink

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/tick"
)

// gatedLake is a real local lake whose claims wait at a gate until it
// opens, as a slow object store's answers do; it counts the claims waiting.
type gatedLake struct {
	*lake.Dir
	mu      sync.Mutex
	waiting map[string]bool
	open    chan struct{}
}

func newGatedLake(t *testing.T) *gatedLake {
	return &gatedLake{Dir: newTestLake(t), waiting: make(map[string]bool), open: make(chan struct{})}
}

func (g *gatedLake) Create(ctx context.Context, key string, data []byte) error {
	if strings.HasPrefix(key, "_commits/") {
		g.mu.Lock()
		g.waiting[key] = true
		g.mu.Unlock()
		select {
		case <-g.open:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.Dir.Create(ctx, key, data)
}

// claimsWaiting counts the claims that reached the gate.
func (g *gatedLake) claimsWaiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.waiting)
}

// checkChains checks that every partition's markers form one unbroken
// chain from its first offset to the high watermark.
func checkChains(t *testing.T, store lake.Store, hw map[partKey]int64) {
	t.Helper()
	for pk, end := range hw {
		next := int64(0)
		for _, m := range readMarkers(t, store, pk.topic, pk.part) {
			if m.From != next || m.To <= m.From {
				t.Errorf("%v: marker [%d, %d) does not continue the chain at %d", pk, m.From, m.To, next)
			}
			next = m.To
		}
		if next != end {
			t.Errorf("%v: chain ends at %d, want the high watermark %d", pk, next, end)
		}
	}
}

// newSpreadProducer is a test producer that writes records to the
// partitions they name.
func newSpreadProducer(t *testing.T, brokers []string) *testProducer {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &testProducer{cl: cl, hw: make(map[partKey]int64)}
}

// spread produces n trades to each of parts partitions.
func spread(t *testing.T, p *testProducer, n int, parts int32) {
	t.Helper()
	var recs []*kgo.Record
	for i := range n * int(parts) {
		p.seq++
		sym := testSymbols[p.seq%len(testSymbols)]
		tr := tick.Trade{Symbol: sym, Ts: eventBase.UnixNano() + int64(p.seq), Price: 100, Size: 1, Exchange: "Q", Conditions: []string{"@"}, Side: "B", Seq: int64(p.seq)}
		recs = append(recs, &kgo.Record{Topic: tick.TopicTrades, Partition: int32(i) % parts, Key: []byte(sym),
			Value: tr.AppendJSON(nil), Timestamp: eventBase})
	}
	p.send(t, recs...)
}

func TestFlightsOverlapConsuming(t *testing.T) {
	brokers := newTestCluster(t)
	store := newGatedLake(t)
	prod := newSpreadProducer(t, brokers)
	spread(t, prod, 75, 3)
	s := newTestSink(t, brokers, store, func(c *Config) {
		c.Drain, c.FlushRows, c.FlushInterval = true, 50, time.Hour
	})
	_, wait := startSink(t, s)
	// A synchronous flush would wait at the gate with the first claim; the
	// loop goes on consuming and sends the other partitions' ranges on
	// flights meanwhile.
	waitFor(t, "claims of several flights waiting at once", func() bool { return store.claimsWaiting() >= 2 })
	close(store.open)
	if err := wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	rows := readLake(t, store.Dir)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
	checkChains(t, store, prod.hw)
	if st := s.Stats(); st.BufferedBytes != 0 || st.Topics[tick.TopicTrades].Written != 225 {
		t.Errorf("after the drain: %d bytes buffered, %d rows written; want 0 and 225", st.BufferedBytes, st.Topics[tick.TopicTrades].Written)
	}
}

// TestEncodedFlightsHoldOnlyTheirFiles: once a flight has encoded its range,
// the memory bound counts its files, not its rows (they are back in the
// pool), so a slow store does not hold the loop up for rows long gone.
func TestEncodedFlightsHoldOnlyTheirFiles(t *testing.T) {
	brokers := newTestCluster(t)
	store := newGatedLake(t)
	prod := newSpreadProducer(t, brokers)
	spread(t, prod, 500, 3) // a range of 400 rows in flight per partition, 100 behind it
	s := newTestSink(t, brokers, store, func(c *Config) { c.FlushRows, c.FlushInterval = 400, time.Hour })
	cancel, wait := startSink(t, s)
	// A flight encodes before it claims: at the gate, all three are
	// encoded, and the loop, all records consumed, waits for more.
	waitFor(t, "three encoded flights at the gate, every record consumed", func() bool {
		return store.claimsWaiting() >= 3 && s.Stats().Topics[tick.TopicTrades].Consumed == 1500
	})
	s.mu.Lock()
	buffered, flying, held := s.buffered, s.flying, s.held()
	s.mu.Unlock()
	if flying == 0 || held > buffered-flying/2 {
		t.Errorf("flights of %d bytes encoded: the bound counts %d of %d buffered; want their files only, under half their rows", flying, held, buffered)
	}
	close(store.open)
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkOffsets(t, tick.TopicTrades, readLake(t, store.Dir)[tick.TopicTrades], prod.hw, nil)
	checkChains(t, store, prod.hw)
}

func TestParkedFlightsAreRetried(t *testing.T) {
	brokers := newTestCluster(t)
	dir := newTestLake(t)
	store := &outageLake{Dir: dir}
	store.down.Store(true)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 600, 300)
	s := newTestSink(t, brokers, store, func(c *Config) { c.FlushRows, c.FlushInterval = 40, time.Hour })
	cancel, wait := startSink(t, s)
	// Every flight fails and is parked; the retries come from the flushes
	// after each backoff, the next ranges waiting behind the parked ones.
	waitFor(t, "flights to fail and be retried", func() bool { return s.Stats().Retries >= 3 })
	store.down.Store(false)
	waitFor(t, "every record written after the outage", func() bool {
		st := s.Stats()
		return st.Topics[tick.TopicTrades].Written == 600 && st.Topics[tick.TopicQuotes].Written == 300
	})
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	rows := readLake(t, dir)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
	checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, nil)
	checkChains(t, dir, prod.hw)
	if b := s.Stats().BufferedBytes; b != 0 {
		t.Errorf("BufferedBytes = %d after the stop, want 0", b)
	}
}

func TestFrozenDictsOutliveGrowthAndClear(t *testing.T) {
	strs := newStrDict()
	lists := newListDict(strs)
	want := []string{"AAPL", "MSFT", "Q", "B"}
	for _, s := range want {
		strs.id(s)
	}
	lid := lists.id([]string{"@", "F"})
	fs := strs.frozen()
	fl := lists.frozen(fs)
	tests := []struct {
		name   string
		mutate func()
	}{
		{"growth", func() {
			for i := range 5000 {
				strs.id(strings.Repeat("x", i%50) + string(rune('a'+i%26)))
			}
			lists.id([]string{"T"})
		}},
		{"clear", func() {
			strs.clear()
			lists.clear()
			strs.id("NVDA")
			lists.id([]string{"Z", "Y"})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.mutate()
			for i, s := range want {
				if got := fs.str(uint32(i)); got != s {
					t.Errorf("frozen str(%d) = %q, want %q", i, got, s)
				}
			}
			ids := fl.elemIDs(lid)
			if got := []string{fs.str(ids[0]), fs.str(ids[1])}; got[0] != "@" || got[1] != "F" {
				t.Errorf("frozen list %d elements = %q, want [@ F]", lid, got)
			}
			if fs.len() != len(want)+2 || fl.len() != 1 {
				t.Errorf("frozen views hold %d strings and %d lists, want %d and 1", fs.len(), fl.len(), len(want)+2)
			}
		})
	}
}

// TestTimedFlushWritesPartitionsSideBySide: a timed flush sends every
// partition's range on a flight of its own, so their claims wait at a slow
// lake together rather than one after the other.
func TestTimedFlushWritesPartitionsSideBySide(t *testing.T) {
	brokers := newTestCluster(t)
	store := newGatedLake(t)
	prod := newSpreadProducer(t, brokers)
	spread(t, prod, 30, 3) // under FlushRows: only the timed flush writes them
	s := newTestSink(t, brokers, store, func(c *Config) { c.FlushInterval = 300 * time.Millisecond })
	cancel, wait := startSink(t, s)
	defer cancel()
	waitFor(t, "the three partitions' claims at the gate together", func() bool { return store.claimsWaiting() >= 3 })
	close(store.open)
	waitFor(t, "every record written", func() bool { return s.Stats().Topics[tick.TopicTrades].Written == 90 })
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkOffsets(t, tick.TopicTrades, readLake(t, store.Dir)[tick.TopicTrades], prod.hw, nil)
	checkChains(t, store, prod.hw)
}
