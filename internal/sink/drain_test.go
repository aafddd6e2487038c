package sink

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ticklake/ticklake/internal/tick"
)

// TestDrainWritesPartitionsAsTheyAreReached: a drain writes the range of a
// partition consumed to its end offset at once, while the others are still
// read, not all ranges at the end. The broker holds every fetch that asks
// for more records once some partition is at its end; files must appear
// while it does.
func TestDrainWritesPartitionsAsTheyAreReached(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, tick.TopicTrades))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	brokers := c.ListenAddrs()
	prod := newSpreadProducer(t, brokers)
	// Batches of 500 trades (~65 KB), 20,000 trades (~2.6 MB) in each of
	// two partitions: more than a fetch returns of a partition (1 MiB).
	total := 0
	for part, n := range []int{500, 20_000, 20_000} {
		for i := 0; i < n; i += 500 {
			var recs []*kgo.Record
			for j := i; j < i+500; j++ {
				tr := tick.Trade{Symbol: "AAPL", Ts: eventBase.UnixNano() + int64(j), Price: 100, Size: 1, Exchange: "Q", Conditions: []string{"@"}, Side: "B", Seq: int64(j + 1)}
				recs = append(recs, &kgo.Record{Topic: tick.TopicTrades, Partition: int32(part), Key: []byte("AAPL"), Value: tr.AppendJSON(nil), Timestamp: eventBase})
			}
			prod.send(t, recs...)
			total += len(recs)
		}
	}
	ends := map[int32]int64{}
	for pk, hw := range prod.hw {
		ends[pk.part] = hw
	}

	release := make(chan struct{})
	var held atomic.Int32
	c.ControlKey(int16(kmsg.Fetch), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		var atEnd, behind bool
		for _, tp := range kreq.(*kmsg.FetchRequest).Topics {
			for _, p := range tp.Partitions {
				atEnd = atEnd || p.FetchOffset >= ends[p.Partition]
				behind = behind || p.FetchOffset < ends[p.Partition]
			}
		}
		if atEnd && behind {
			held.Add(1)
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false
	})

	store := newTestLake(t)
	cfg := DefaultConfig()
	cfg.Group, cfg.Topics, cfg.Drain, cfg.FlushInterval = "drain-early", []string{tick.TopicTrades}, true, time.Hour
	// Without fetch sessions every fetch lists every partition and its offset.
	s, err := New(cfg, store, []kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DisableFetchSessions()}, testLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()

	waitFor(t, "a fetch held with a partition at its end", func() bool { return held.Load() >= 1 })
	waitFor(t, "the finished partition's files while the others are still being read", func() bool {
		return len(dataKeys(t, store)) > 0
	})
	if got := s.Stats().Topics[tick.TopicTrades].Consumed; got >= int64(total) {
		t.Fatalf("consumed %d of %d records while fetches were held: the test did not hold the drain back", got, total)
	}
	close(release)
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkOffsets(t, tick.TopicTrades, readLake(t, store)[tick.TopicTrades], prod.hw, nil)
	checkChains(t, store, prod.hw)
}
