package sink

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/tick"
)

// eventBase is the event time of the first test record; records spread over
// this hour and the next.
var eventBase = time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC)

var testSymbols = []string{"AAPL", "MSFT", "NVDA", "TSLA", "AMZN"}

// newTestCluster starts an in-process Kafka with the default topics and
// extra ones.
func newTestCluster(t *testing.T, extra ...string) []string {
	t.Helper()
	topics := append([]string{tick.TopicTrades, tick.TopicQuotes}, extra...)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// testProducer produces records and remembers the high watermark of every
// partition it wrote to.
type testProducer struct {
	cl  *kgo.Client
	seq int
	hw  map[partKey]int64
}

func newTestProducer(t *testing.T, brokers []string) *testProducer {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &testProducer{cl: cl, hw: make(map[partKey]int64)}
}

// produce writes n trades and m quotes with event times spread over two
// hours, returning the produced records.
func (p *testProducer) produce(t *testing.T, n, m int) []*kgo.Record {
	t.Helper()
	var recs []*kgo.Record
	step := 2 * time.Hour / time.Duration(max(n, m, 1))
	for i := range max(n, m) {
		p.seq++
		ts := eventBase.Add(time.Duration(i)*step + time.Duration(p.seq)) // odd nanoseconds
		sym := testSymbols[p.seq%len(testSymbols)]
		if i < n {
			tr := tick.Trade{Symbol: sym, Ts: ts.UnixNano(), Price: 100 + float64(i)/100, Size: int64(i + 1), Exchange: "Q", Conditions: []string{"@"}, Side: "B", Seq: int64(p.seq)}
			recs = append(recs, &kgo.Record{Topic: tick.TopicTrades, Key: []byte(sym), Value: tr.AppendJSON(nil), Timestamp: ts})
		}
		if i < m {
			q := tick.Quote{Symbol: sym, Ts: ts.UnixNano(), Bid: 99, BidSize: 100, Ask: 101, AskSize: 200, Exchange: "N", Seq: int64(p.seq)}
			recs = append(recs, &kgo.Record{Topic: tick.TopicQuotes, Key: []byte(sym), Value: q.AppendJSON(nil), Timestamp: ts})
		}
	}
	p.send(t, recs...)
	return recs
}

// send produces records synchronously.
func (p *testProducer) send(t *testing.T, recs ...*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("producing: %v", err)
	}
	for _, r := range recs {
		pk := partKey{r.Topic, r.Partition}
		p.hw[pk] = max(p.hw[pk], r.Offset+1)
	}
}

// newTestSink makes a sink on brokers and store; edit adjusts its config.
func newTestSink(t *testing.T, brokers []string, store lake.Store, edit func(*Config)) *Sink {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Group = "test-" + strings.ReplaceAll(t.Name(), "/", "-")
	if edit != nil {
		edit(&cfg)
	}
	// A short heartbeat makes members notice rebalances quickly.
	opts := []kgo.Opt{kgo.SeedBrokers(brokers...), kgo.HeartbeatInterval(100 * time.Millisecond), kgo.FetchMaxWait(100 * time.Millisecond)}
	s, err := New(cfg, store, opts, testLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startSink runs s in the background; cancel stops it and wait returns Run's
// error.
func startSink(t *testing.T, s *Sink) (cancel func(), wait func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	var once sync.Once
	var err error
	wait = func() error {
		once.Do(func() {
			select {
			case err = <-errc:
			case <-time.After(20 * time.Second):
				err = fmt.Errorf("Run did not return")
			}
		})
		return err
	}
	t.Cleanup(func() { cancel(); wait() })
	return cancel, wait
}

// runDrain runs a sink in Drain mode to completion.
func runDrain(t *testing.T, brokers []string, store lake.Store, edit func(*Config)) *Sink {
	t.Helper()
	s := newTestSink(t, brokers, store, func(c *Config) {
		c.Drain = true
		if edit != nil {
			edit(c)
		}
	})
	_, wait := startSink(t, s)
	if err := wait(); err != nil {
		t.Fatalf("Run in drain mode: %v", err)
	}
	return s
}

// newTestLake opens a lake in a temporary directory.
func newTestLake(t *testing.T) *lake.Dir {
	t.Helper()
	d, err := lake.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// lakeRow is what the tests check of one written row.
type lakeRow struct {
	part   int32
	offset int64
	symbol string
	ts     int64
}

// dataKeys lists the data files in the lake.
func dataKeys(t *testing.T, store lake.Store) []string {
	t.Helper()
	var keys []string
	err := store.List(context.Background(), "", func(o lake.Object) error {
		if lake.IsData(o.Key) {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// readLake reads every data file back, checking its format, and returns the
// rows per topic.
func readLake(t *testing.T, store *lake.Dir) map[string][]lakeRow {
	t.Helper()
	rows := make(map[string][]lakeRow)
	for _, key := range dataKeys(t, store) {
		topic, got := readFile(t, store, key)
		rows[topic] = append(rows[topic], got...)
	}
	return rows
}

// readFile checks one data file and returns its topic and rows.
func readFile(t *testing.T, store *lake.Dir, key string) (string, []lakeRow) {
	t.Helper()
	path, _ := store.LocalPath(key)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	checkFormat(t, key, pf)
	topic, _ := pf.Lookup(MetaTopic)
	var rows []lakeRow
	switch topic {
	case tick.TopicTrades:
		got, err := parquet.Read[tradeRow](f, st.Size())
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		for _, r := range got {
			rows = append(rows, lakeRow{r.KafkaPartition, r.KafkaOffset, r.Symbol, r.Ts})
		}
	case tick.TopicQuotes:
		got, err := parquet.Read[quoteRow](f, st.Size())
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		for _, r := range got {
			rows = append(rows, lakeRow{r.KafkaPartition, r.KafkaOffset, r.Symbol, r.Ts})
		}
	default:
		t.Fatalf("%s: metadata %s = %q, want trades or quotes", key, MetaTopic, topic)
	}
	checkRows(t, key, pf, rows)
	return topic, rows
}

// checkFormat checks a file's codec, encodings, ts type and metadata keys.
func checkFormat(t *testing.T, key string, pf *parquet.File) {
	t.Helper()
	for _, k := range []string{MetaTopic, MetaPartition, MetaFirstOffset, MetaLastOffset, MetaColumns} {
		if v, ok := pf.Lookup(k); !ok || v == "" {
			t.Errorf("%s: metadata %s missing", key, k)
		}
	}
	if cols, _ := pf.Lookup(MetaColumns); !strings.Contains(cols, `"symbol":"symbol"`) {
		t.Errorf("%s: %s = %s, want a symbol entry", key, MetaColumns, cols)
	}
	for _, el := range pf.Metadata().Schema {
		if el.Name != "ts" {
			continue
		}
		ts, ok := el.LogicalType.Value.(*format.TimestampType)
		if !ok || ts.String() != "TIMESTAMP(isAdjustedToUTC=false,unit=NANOS)" {
			t.Errorf("%s: ts logical type = %v, want TIMESTAMP(isAdjustedToUTC=false,unit=NANOS)", key, el.LogicalType.Value)
		}
	}
	for _, rg := range pf.Metadata().RowGroups {
		for _, c := range rg.Columns {
			md := c.MetaData
			if md.Codec != format.Zstd {
				t.Errorf("%s: column %v codec %v, want ZSTD", key, md.PathInSchema, md.Codec)
			}
			if slices.Equal(md.PathInSchema, []string{"symbol"}) && !slices.Contains(md.Encoding, format.RLEDictionary) {
				t.Errorf("%s: symbol encodings %v, want RLE_DICTIONARY", key, md.Encoding)
			}
		}
	}
}

// checkRows checks that rows are sorted by (symbol, ts), lie in the file's
// hourly partition and match its offset metadata.
func checkRows(t *testing.T, key string, pf *parquet.File, rows []lakeRow) {
	t.Helper()
	if len(rows) == 0 {
		t.Errorf("%s: no rows", key)
		return
	}
	sorted := slices.IsSortedFunc(rows, func(a, b lakeRow) int {
		return cmp.Or(strings.Compare(a.symbol, b.symbol), cmp.Compare(a.ts, b.ts))
	})
	if !sorted {
		t.Errorf("%s: rows not sorted by (symbol, ts)", key)
	}
	first, last := rows[0].offset, rows[0].offset
	for _, r := range rows {
		first, last = min(first, r.offset), max(last, r.offset)
		if dir := lake.PartitionOf(time.Unix(0, r.ts)).Dir(); !strings.Contains(key, "/"+dir+"/") {
			t.Errorf("%s: row at %v belongs in %s", key, time.Unix(0, r.ts).UTC(), dir)
			return
		}
	}
	if v, _ := pf.Lookup(MetaFirstOffset); v != fmt.Sprint(first) {
		t.Errorf("%s: %s = %s, want %d", key, MetaFirstOffset, v, first)
	}
	if v, _ := pf.Lookup(MetaLastOffset); v != fmt.Sprint(last) {
		t.Errorf("%s: %s = %s, want %d", key, MetaLastOffset, v, last)
	}
}

// partOffset names one record of a topic.
type partOffset struct {
	part   int32
	offset int64
}

// checkOffsets checks that rows hold every offset below each partition's high
// watermark exactly once, except those in skip.
func checkOffsets(t *testing.T, topic string, rows []lakeRow, hw map[partKey]int64, skip map[partOffset]bool) {
	t.Helper()
	seen := make(map[partOffset]int)
	for _, r := range rows {
		seen[partOffset{r.part, r.offset}]++
	}
	want := 0
	for pk, end := range hw {
		if pk.topic != topic {
			continue
		}
		for off := range end {
			po := partOffset{pk.part, off}
			if skip[po] {
				continue
			}
			want++
			if n := seen[po]; n != 1 {
				t.Errorf("%s partition %d offset %d: written %d times, want once", topic, pk.part, off, n)
			}
		}
	}
	if len(rows) != want {
		t.Errorf("%s: %d rows, want %d", topic, len(rows), want)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testLogger logs to the test log when TICKLAKE_TEST_LOG is set.
func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("TICKLAKE_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
}
