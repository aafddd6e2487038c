package sink

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/tick"
)

func TestDrainWritesEveryRecordOnce(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	const nTrades, nQuotes = 600, 400
	prod.produce(t, nTrades, nQuotes)

	var mu sync.Mutex
	var announced []File
	s := newTestSink(t, brokers, store, func(c *Config) {
		c.OnFiles = func(_ context.Context, files []File) {
			mu.Lock()
			defer mu.Unlock()
			announced = append(announced, files...)
		}
	})
	_, wait := startSink(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if err := wait(); err != nil {
		t.Fatalf("Run after Drain = %v, want nil", err)
	}

	rows := readLake(t, store)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
	checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, nil)
	keys := dataKeys(t, store)
	for _, dir := range []string{"trades/dt=2026-11-02/hr=14/", "trades/dt=2026-11-02/hr=15/", "quotes/dt=2026-11-02/hr=14/", "quotes/dt=2026-11-02/hr=15/"} {
		if !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, dir) }) {
			t.Errorf("no file under %s; files: %v", dir, keys)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	var announcedKeys []string
	var announcedRows int64
	for _, f := range announced {
		announcedKeys = append(announcedKeys, f.Key)
		announcedRows += f.Rows
	}
	slices.Sort(announcedKeys)
	if !slices.Equal(announcedKeys, keys) {
		t.Errorf("OnFiles announced %v, lake holds %v", announcedKeys, keys)
	}
	if announcedRows != nTrades+nQuotes {
		t.Errorf("OnFiles announced %d rows, want %d", announcedRows, nTrades+nQuotes)
	}
	st := s.Stats()
	if got := st.Topics[tick.TopicTrades]; got.Consumed != nTrades || got.Written != nTrades || got.Files == 0 || got.Bytes == 0 {
		t.Errorf("trades stats = %+v, want %d consumed and written", got, nTrades)
	}
}

func TestCancelFlushesAndCommits(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 300, 200)

	s := newTestSink(t, brokers, store, func(c *Config) { c.FlushInterval = time.Hour })
	cancel, wait := startSink(t, s)
	waitFor(t, "all records consumed", func() bool {
		st := s.Stats()
		return st.Topics[tick.TopicTrades].Consumed == 300 && st.Topics[tick.TopicQuotes].Consumed == 200
	})
	if n := len(dataKeys(t, store)); n != 0 {
		t.Fatalf("%d files before cancel with an hour's flush interval, want 0", n)
	}
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	rows := readLake(t, store)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
	checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, nil)

	before := dataKeys(t, store)
	again := runDrain(t, brokers, store, nil)
	if st := again.Stats(); st.Topics[tick.TopicTrades].Consumed != 0 || st.Topics[tick.TopicQuotes].Consumed != 0 {
		t.Errorf("second sink consumed %+v, want nothing: offsets were not committed", st.Topics)
	}
	if after := dataKeys(t, store); !slices.Equal(before, after) {
		t.Errorf("second sink wrote files: before %v, after %v", before, after)
	}
}

func TestRestartResumesWithoutDuplicatesOrGaps(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 200, 100)
	first := runDrain(t, brokers, store, nil)
	if got := first.Stats().Topics[tick.TopicTrades].Written; got != 200 {
		t.Fatalf("first sink wrote %d trades, want 200", got)
	}
	prod.produce(t, 150, 250)
	second := runDrain(t, brokers, store, nil)
	if got := second.Stats().Topics[tick.TopicQuotes].Consumed; got != 250 {
		t.Errorf("second sink consumed %d quotes, want the 250 new ones", got)
	}
	rows := readLake(t, store)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
	checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, nil)
}

func TestFlushIntervalWritesWithoutDrain(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 100, 100)
	s := newTestSink(t, brokers, store, func(c *Config) { c.FlushInterval = 200 * time.Millisecond })
	startSink(t, s)
	waitFor(t, "files holding every record", func() bool {
		st := s.Stats()
		return st.Topics[tick.TopicTrades].Written == 100 && st.Topics[tick.TopicQuotes].Written == 100
	})
	rows := readLake(t, store)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
	checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, nil)
}

func TestFlushRowsBoundsFiles(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 300, 0)
	runDrain(t, brokers, store, func(c *Config) { c.FlushRows = 20; c.FlushInterval = time.Hour })
	for _, key := range dataKeys(t, store) {
		if _, rows := readFile(t, store, key); len(rows) > 20 {
			t.Errorf("%s holds %d rows, want at most FlushRows=20", key, len(rows))
		}
	}
	rows := readLake(t, store)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
}

func TestRebalanceHandsOverWithoutDuplicatesOrGaps(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 300, 300)
	slow := func(c *Config) { c.FlushInterval = time.Hour }
	a := newTestSink(t, brokers, store, slow)
	cancelA, waitA := startSink(t, a)
	waitFor(t, "sink a to consume everything", func() bool {
		st := a.Stats()
		return st.Topics[tick.TopicTrades].Consumed == 300 && st.Topics[tick.TopicQuotes].Consumed == 300
	})

	// b joins: a must write and commit what it holds for the partitions it
	// gives up, or b would read them again.
	b := newTestSink(t, brokers, store, slow)
	cancelB, waitB := startSink(t, b)
	waitFor(t, "sink a to hand partitions over", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(dataKeys(t, store)) > 0 && len(b.assigned) > 0
	})
	prod.produce(t, 100, 100)
	waitFor(t, "both sinks to consume the new records", func() bool {
		sa, sb := a.Stats(), b.Stats()
		return sa.Topics[tick.TopicTrades].Consumed+sb.Topics[tick.TopicTrades].Consumed == 400 &&
			sa.Topics[tick.TopicQuotes].Consumed+sb.Topics[tick.TopicQuotes].Consumed == 400
	})
	cancelA()
	cancelB()
	if err := errors.Join(waitA(), waitB()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	rows := readLake(t, store)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
	checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, nil)
}

func TestFreshGroupResumesAtChainEnd(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 120, 80)
	// A drain with no timed flush writes one range per partition, so a
	// replay from offset 0 (here: a fresh group, as after a crash before the
	// commit) produces the same keys.
	once := func(c *Config) { c.FlushInterval = time.Hour }
	runDrain(t, brokers, store, once)
	before := dataKeys(t, store)
	// A fresh group resumes at the end of the lake's claim chains, not at
	// the log start: nothing is consumed twice.
	replay := runDrain(t, brokers, store, func(c *Config) { once(c); c.Group += "-replay" })
	if got := replay.Stats().Topics[tick.TopicTrades].Consumed; got != 0 {
		t.Fatalf("replay consumed %d trades, want 0", got)
	}
	if after := dataKeys(t, store); !slices.Equal(before, after) {
		t.Errorf("replay changed the lake: before %v, after %v", before, after)
	}
	rows := readLake(t, store)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
	checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, nil)
}
