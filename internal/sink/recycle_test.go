package sink

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// TestRecycledRecordsLeaveNoTrace runs a sink over several polls of
// lz4-compressed batches (decompressed into the pool's buffers, which
// franz-go zeroes when the sink recycles them) with bad records and
// duplicates among the trades, and checks that nothing kept past a poll
// pointed into a record: every row matches the record produced at its
// offset, every bad record keeps its raw bytes, and a duplicate of a symbol
// whose seq was noted polls earlier is still caught (the state's keys are
// copies).
func TestRecycledRecordsLeaveNoTrace(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	prod := &testProducer{cl: cl, hw: make(map[partKey]int64)}
	s := newTestSink(t, brokers, store, nil)
	cancel, wait := startSink(t, s)

	var good, bad, dups []*kgo.Record
	consumed := func() int64 {
		st := s.Stats().Topics
		return st[tick.TopicTrades].Consumed + st[tick.TopicQuotes].Consumed
	}
	for round := range 4 {
		recs := prod.produce(t, 300, 150)
		good = append(good, recs...)
		odd := []*kgo.Record{
			{Topic: tick.TopicTrades, Key: []byte("AAPL"), Value: []byte(fmt.Sprintf(`{"round":%d,not json`, round)), Timestamp: eventBase},
			{Topic: tick.TopicQuotes, Key: []byte("MSFT"), Value: []byte(fmt.Sprintf(`{"symbol":"MSFT","round":%d}`, round)), Timestamp: eventBase},
		}
		if round > 0 { // a trade of the first round again: its seq was noted polls ago
			first := good[0]
			dup := &kgo.Record{Topic: first.Topic, Key: first.Key, Value: first.Value, Timestamp: first.Timestamp}
			odd, dups = append(odd, dup), append(dups, dup)
		}
		prod.send(t, odd...)
		bad = append(bad, odd...)
		want := int64(len(good) + len(bad))
		waitFor(t, fmt.Sprintf("round %d consumed", round), func() bool { return consumed() == want })
	}
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	if s.pool.returned.Load() == 0 {
		t.Error("no record memory came back to the pool: records are not recycled")
	}
	rows := make(map[partKey]map[int64]lakeRow)
	for topic, rs := range readLake(t, store) {
		for _, r := range rs {
			pk := partKey{topic, r.part}
			if rows[pk] == nil {
				rows[pk] = make(map[int64]lakeRow)
			}
			rows[pk][r.offset] = r
		}
	}
	dec := tick.NewDecoder()
	for _, r := range good {
		got, ok := rows[partKey{r.Topic, r.Partition}][r.Offset]
		want := lakeRow{r.Partition, r.Offset, "", 0}
		if r.Topic == tick.TopicTrades {
			tr, err := dec.Trade(r.Value)
			if err != nil {
				t.Fatal(err)
			}
			want.symbol, want.ts = tr.Symbol, tr.Ts
		} else {
			q, err := dec.Quote(r.Value)
			if err != nil {
				t.Fatal(err)
			}
			want.symbol, want.ts = q.Symbol, q.Ts
		}
		if !ok || got != want {
			t.Errorf("%s/%d@%d: row %+v (found %v), want %+v", r.Topic, r.Partition, r.Offset, got, ok, want)
		}
	}
	errs := readErrors(t, store)
	for _, r := range bad {
		b, ok := errs[partKey{r.Topic, r.Partition}][r.Offset]
		if !ok || !bytes.Equal(b.Raw, r.Value) {
			t.Errorf("%s/%d@%d: _errors raw %q (found %v), want %q", r.Topic, r.Partition, r.Offset, b.Raw, ok, r.Value)
		}
	}
	for _, r := range dups {
		if b := errs[partKey{r.Topic, r.Partition}][r.Offset]; !strings.Contains(b.Reason, "duplicate: "+string(r.Key)+" seq") {
			t.Errorf("%s/%d@%d: reason %q, want a duplicate of %s", r.Topic, r.Partition, r.Offset, b.Reason, r.Key)
		}
	}
	if n := s.Stats().Topics[tick.TopicTrades].Duplicates; n != 3 {
		t.Errorf("trades duplicates = %d, want 3", n)
	}
}
