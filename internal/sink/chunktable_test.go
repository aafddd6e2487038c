package sink

import (
	"bytes"
	"reflect"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// newTestRowTradeTable returns trades through the generic row table, the
// way the sink buffered them before tradeTable: the reference tradeTable's
// files must match row for row.
func newTestRowTradeTable(t *testing.T) table {
	t.Helper()
	dec := tick.NewDecoder()
	return newRowTable(newEncoder(), func(r *kgo.Record) (tradeRow, error) {
		tr, err := dec.Trade(r.Value)
		if err != nil {
			return tradeRow{}, err
		}
		return tradeRow{
			Symbol: tr.Symbol, Ts: tr.Ts, Price: tr.Price, Size: tr.Size, Exchange: tr.Exchange,
			Conditions: tr.Conditions, Side: tr.Side, Seq: tr.Seq,
			KafkaPartition: r.Partition, KafkaOffset: r.Offset,
		}, nil
	},
		func(r *tradeRow, us int64) { r.IngestTime = us },
		func(r *tradeRow) (string, int64, int64) { return r.Symbol, r.Ts, r.KafkaOffset }, bySymbolTs()...)
}

func TestTradeTableMatchesRowTable(t *testing.T) {
	tests := []struct {
		name string
		recs []*kgo.Record
	}{
		{name: "ties and two hours", recs: tradeRecords(5000)},
		{name: "more than a row group", recs: tradeRecords(rowGroupRows + 10)},
		{name: "null and empty conditions", recs: nullConditionRecords()},
		{name: "no conditions at all", recs: nullConditionRecords()[:3]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := encodeTrades(t, newTable(tick.TopicTrades, newEncoder()), tc.recs)
			want := encodeTrades(t, newTestRowTradeTable(t), tc.recs)
			if len(got) != len(want) {
				t.Fatalf("%d files, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i].partition != want[i].partition || got[i].rows != want[i].rows ||
					got[i].firstOffset != want[i].firstOffset || got[i].lastOffset != want[i].lastOffset {
					t.Errorf("file %d is %+v, want %+v", i, got[i], want[i])
				}
				checkSameFile(t, got[i].data, want[i].data, sameTrade)
			}
		})
	}
}

func TestQuoteTableMatchesRowTable(t *testing.T) {
	tests := []struct {
		name string
		n    int
	}{
		{name: "one row", n: 1},
		{name: "ties and two hours", n: 5000},
		{name: "more than a row group", n: rowGroupRows + 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs := quoteRecords(tc.n)
			tb := newTable(tick.TopicQuotes, newEncoder())
			got := encodeTable(t, tb, tick.TopicQuotes, recs)
			again, err := tb.encode(tick.TopicQuotes, 3, time.Unix(1_700_000_000, 0), map[string]string{"k": "v"})
			if err != nil {
				t.Fatal(err)
			}
			want := encodeTable(t, newTestRowQuoteTable(t), tick.TopicQuotes, recs)
			if len(got) != len(want) {
				t.Fatalf("%d files, want %d", len(got), len(want))
			}
			var total int64
			for i := range got {
				if got[i].partition != want[i].partition || got[i].rows != want[i].rows {
					t.Errorf("file %d is %+v, want %+v", i, got[i], want[i])
				}
				if !bytes.Equal(got[i].data, again[i].data) {
					t.Errorf("file %d: encoding the same records again gave other bytes", i)
				}
				checkSameFile(t, got[i].data, want[i].data, func(a, b quoteRow) bool { return a == b })
				total += got[i].rows
			}
			if total != int64(tc.n) {
				t.Errorf("files hold %d rows, want %d", total, tc.n)
			}
		})
	}
}

// quoteRecords makes n quote records of partition 3 whose symbols and
// timestamps are out of order, with ties on (symbol, ts), spread over two
// hours.
func quoteRecords(n int) []*kgo.Record {
	syms := []string{"MSFT", "AAPL", "NVDA"}
	base := time.Date(2026, 11, 2, 14, 59, 59, 0, time.UTC).UnixNano()
	recs := make([]*kgo.Record, 0, n)
	for i := range n {
		j := i
		if i%5 == 0 && i > 0 {
			j = i - 1
		}
		ts := base + int64((j*7919)%n)*int64(time.Millisecond)/4
		q := tick.Quote{Symbol: syms[j%len(syms)], Ts: ts, Bid: float64(i), BidSize: int64(i), Ask: float64(i) + 0.5,
			AskSize: int64(2 * i), Exchange: []string{"N", "Q"}[i%2], Seq: int64(i)}
		recs = append(recs, &kgo.Record{Topic: tick.TopicQuotes, Partition: 3, Offset: int64(100 + i),
			Value: q.AppendJSON(nil), Timestamp: time.Unix(0, ts)})
	}
	return recs
}

// newTestRowQuoteTable returns quotes through the generic row table, the
// reference quoteTable's files must match row for row.
func newTestRowQuoteTable(t *testing.T) table {
	t.Helper()
	dec := tick.NewDecoder()
	return newRowTable(newEncoder(), func(r *kgo.Record) (quoteRow, error) { return decodeQuoteRow(dec, r) },
		func(r *quoteRow, us int64) { r.IngestTime = us },
		func(r *quoteRow) (string, int64, int64) { return r.Symbol, r.Ts, r.KafkaOffset }, bySymbolTs()...)
}

// encodeTable adds recs to tb and encodes them as partition 3 of topic.
func encodeTable(t *testing.T, tb table, topic string, recs []*kgo.Record) []encodedFile {
	t.Helper()
	for _, r := range recs {
		if err := tb.add(r); err != nil {
			t.Fatal(err)
		}
	}
	files, err := tb.encode(topic, 3, time.Unix(1_700_000_000, 0), map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// nullConditionRecords makes trades whose conditions are null, empty or
// not, interleaved.
func nullConditionRecords() []*kgo.Record {
	values := []string{
		`{"symbol":"AAPL","ts":1793628000000000000,"price":1.5,"size":1,"exchange":"Q","conditions":null,"side":"B","seq":1}`,
		`{"symbol":"AAPL","ts":1793628000000000001,"price":1.5,"size":1,"exchange":"Q","conditions":[],"side":"B","seq":2}`,
		`{"symbol":"AAPL","ts":1793628000000000002,"price":1.5,"size":1,"exchange":"Q","side":"S","seq":3}`,
		`{"symbol":"AAPL","ts":1793628000000000003,"price":1.5,"size":1,"exchange":"Q","conditions":["@","F"],"side":"","seq":4}`,
		`{"symbol":"MSFT","ts":1793628000000000004,"price":1.5,"size":1,"exchange":"Q","conditions":["F"],"side":"","seq":5}`,
	}
	recs := make([]*kgo.Record, 0, len(values))
	for i, v := range values {
		recs = append(recs, &kgo.Record{Topic: tick.TopicTrades, Partition: 3, Offset: int64(i),
			Value: []byte(v), Timestamp: time.Unix(0, 1793628000000000000)})
	}
	return recs
}

// sameTrade reports whether two trade rows are equal, a null and an empty
// list of conditions being the same list.
func sameTrade(a, b tradeRow) bool {
	ac, bc := a.Conditions, b.Conditions
	a.Conditions, b.Conditions = nil, nil
	return reflect.DeepEqual(a, b) && slices.Equal(ac, bc)
}

// checkSameFile checks that two files hold the same rows, row groups,
// schema and footer metadata.
func checkSameFile[R any](t *testing.T, got, want []byte, same func(a, b R) bool) {
	t.Helper()
	gf, wf := openTestParquet(t, got), openTestParquet(t, want)
	if g, w := gf.Schema().String(), wf.Schema().String(); g != w {
		t.Errorf("schema\n%s\nwant\n%s", g, w)
	}
	// The crawler identifies a file's schema by these bytes.
	if g, w := marshalSchema(t, gf), marshalSchema(t, wf); !bytes.Equal(g, w) {
		t.Errorf("schema elements encode as %x, want %x", g, w)
	}
	if g, w := len(gf.RowGroups()), len(wf.RowGroups()); g != w {
		t.Errorf("%d row groups, want %d", g, w)
	}
	if g, w := gf.Metadata().KeyValueMetadata, wf.Metadata().KeyValueMetadata; !slices.Equal(g, w) {
		t.Errorf("footer metadata %v, want %v", g, w)
	}
	if g, w := gf.Metadata().ColumnOrders, wf.Metadata().ColumnOrders; len(g) != len(w) {
		t.Errorf("%d column orders, want %d", len(g), len(w))
	}
	for i, rg := range gf.Metadata().RowGroups {
		checkSameChunks(t, rg, wf.Metadata().RowGroups[i])
	}
	gr, err := parquet.Read[R](bytes.NewReader(got), int64(len(got)))
	if err != nil {
		t.Fatal(err)
	}
	wr, err := parquet.Read[R](bytes.NewReader(want), int64(len(want)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(gr, wr, same) {
		t.Errorf("rows differ from the row table's")
	}
}

// marshalSchema is the thrift encoding of f's schema elements.
func marshalSchema(t *testing.T, f *parquet.File) []byte {
	t.Helper()
	b, err := thrift.Marshal(new(thrift.CompactProtocol), f.Metadata().Schema)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openTestParquet(t *testing.T, data []byte) *parquet.File {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// BenchmarkTradeTable decodes, buffers and encodes b.N trades of one
// partition, the sink's work per record without Kafka.
func BenchmarkTradeTable(b *testing.B) {
	recs := benchTradeRecords(b.N)
	enc := newEncoder()
	tb := newTable(tick.TopicTrades, enc)
	b.ResetTimer()
	for i := 0; i < len(recs); i += 100_000 {
		for _, r := range recs[i:min(i+100_000, len(recs))] {
			if err := tb.add(r); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := tb.encode(tick.TopicTrades, 3, time.Unix(1_700_000_000, 0), nil); err != nil {
			b.Fatal(err)
		}
		tb.reset()
	}
}

// benchTradeRecords makes n trades like the producer's: a dozen symbols,
// one timestamp per microsecond, in the producer's layout.
func benchTradeRecords(n int) []*kgo.Record {
	syms := []string{"AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "META", "GOOGL", "AMD", "NFLX", "INTC", "SPY", "QQQ"}
	base := time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC).UnixNano()
	recs := make([]*kgo.Record, 0, n)
	for i := range n {
		ts := base + int64(i)*1000
		tr := tick.Trade{Symbol: syms[(i*7)%len(syms)], Ts: ts, Price: 100 + float64((i*7919)%10000)/100, Size: int64(1 + i%500),
			Exchange: "Q", Conditions: []string{"@", "F"}, Side: "B", Seq: int64(i)}
		recs = append(recs, &kgo.Record{Topic: tick.TopicTrades, Partition: 3, Offset: int64(i),
			Value: tr.AppendJSON(nil), Timestamp: time.Unix(0, ts)})
	}
	return recs
}

// BenchmarkTradeTableEncode encodes the same 100,000 buffered trades b.N
// times; ns/op is per file of 100,000 rows.
func BenchmarkTradeTableEncode(b *testing.B) {
	tb := newTable(tick.TopicTrades, newEncoder())
	for _, r := range benchTradeRecords(100_000) {
		if err := tb.add(r); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	cpu0 := testCPU(b)
	for range b.N {
		files, err := tb.encode(tick.TopicTrades, 3, time.Unix(1_700_000_000, 0), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(files[0].data)), "bytes")
	}
	b.ReportMetric(float64(testCPU(b)-cpu0)/float64(b.N)/100_000, "cpu_ns/row")
}

// testCPU is the user and system CPU time this process has used: on a
// shared machine, a steadier figure than the wall time.
func testCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestEncodeIgnoresDictionaryHistory checks that a range's files are a
// function of its records alone: a table whose dictionaries already number
// other strings, and lists in another order (an empty list seen before a
// null one), encodes the same bytes as a fresh one.
func TestEncodeIgnoresDictionaryHistory(t *testing.T) {
	target := append(nullConditionRecords(), tradeRecords(200)...)
	earlier := slices.Clone(tradeRecords(300))
	slices.Reverse(earlier)
	earlier = append(earlier, nullConditionRecords()[1]) // "conditions":[] numbered first
	tests := []struct {
		name    string
		history [][]*kgo.Record
	}{
		{name: "fresh"},
		{name: "after other ranges", history: [][]*kgo.Record{earlier, tradeRecords(10)}},
	}
	want := encodeTable(t, newTable(tick.TopicTrades, newEncoder()), tick.TopicTrades, target)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTable(tick.TopicTrades, newEncoder())
			for _, recs := range tc.history {
				encodeTable(t, tb, tick.TopicTrades, recs)
				tb.reset()
			}
			got := encodeTable(t, tb, tick.TopicTrades, target)
			if len(got) != len(want) {
				t.Fatalf("%d files, want %d", len(got), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i].data, want[i].data) {
					t.Errorf("file %d: other bytes than a fresh table's", i)
				}
			}
		})
	}
}

// checkSameChunks checks that two row groups declare the same rows, sort
// order and columns, with the same statistics.
func checkSameChunks(t *testing.T, got, want format.RowGroup) {
	t.Helper()
	if got.NumRows != want.NumRows || !slices.Equal(got.SortingColumns, want.SortingColumns) {
		t.Errorf("row group of %d rows sorted by %v, want %d rows by %v", got.NumRows, got.SortingColumns, want.NumRows, want.SortingColumns)
	}
	for i, c := range got.Columns {
		g, w := c.MetaData, want.Columns[i].MetaData
		if g.Type != w.Type || !slices.Equal(g.PathInSchema, w.PathInSchema) || g.Codec != w.Codec || g.NumValues != w.NumValues {
			t.Errorf("column %v: %v %v %d values, want %v %v %v %d", g.PathInSchema, g.Type, g.Codec, g.NumValues, w.PathInSchema, w.Type, w.Codec, w.NumValues)
		}
		gs, ws := g.Statistics, w.Statistics
		if !bytes.Equal(gs.MinValue, ws.MinValue) || !bytes.Equal(gs.MaxValue, ws.MaxValue) || gs.NullCount != ws.NullCount {
			t.Errorf("column %v: statistics %+v, want %+v", g.PathInSchema, gs, ws)
		}
	}
}

// BenchmarkTradeTableDecode decodes b.N trade records into rows, as
// predecode does.
func BenchmarkTradeTableDecode(b *testing.B) {
	recs := benchTradeRecords(100_000)
	tb := newTradeTable(newEncoder())
	b.ResetTimer()
	for i := range b.N {
		if _, err := tb.decode(recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
}
