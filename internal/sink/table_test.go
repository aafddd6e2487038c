package sink

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// tradeRecords makes n trade records of partition 3 whose symbols and
// timestamps are out of order, with ties on (symbol, ts), spread over two
// hours.
func tradeRecords(n int) []*kgo.Record {
	syms := []string{"MSFT", "AAPL", "NVDA"}
	base := time.Date(2026, 11, 2, 14, 59, 59, 0, time.UTC).UnixNano()
	recs := make([]*kgo.Record, 0, n)
	for i := range n {
		j := i
		if i%5 == 0 && i > 0 {
			j = i - 1 // the same symbol and ts as the previous record: a tie
		}
		ts := base + int64((j*7919)%n)*int64(time.Millisecond)/4 // back and forth across 15:00
		tr := tick.Trade{Symbol: syms[j%len(syms)], Ts: ts, Price: float64(i), Size: int64(i), Exchange: "Q",
			Conditions: []string{"@", strings.Repeat("F", i%3)}[:i%3], Side: "B", Seq: int64(i)}
		recs = append(recs, &kgo.Record{Topic: tick.TopicTrades, Partition: 3, Offset: int64(100 + i),
			Value: tr.AppendJSON(nil), Timestamp: time.Unix(0, ts)})
	}
	return recs
}

// encodeTrades adds recs to tb and encodes them.
func encodeTrades(t *testing.T, tb table, recs []*kgo.Record) []encodedFile {
	t.Helper()
	for _, r := range recs {
		if err := tb.add(r); err != nil {
			t.Fatal(err)
		}
	}
	files, err := tb.encode(tick.TopicTrades, 3, time.Unix(1_700_000_000, 0), map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestTradeTableEncode(t *testing.T) {
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
			recs := tradeRecords(tc.n)
			tb := newTable(tick.TopicTrades, newEncoder())
			files := encodeTrades(t, tb, recs)
			again, err := tb.encode(tick.TopicTrades, 3, time.Unix(1_700_000_000, 0), map[string]string{"k": "v"})
			if err != nil {
				t.Fatal(err)
			}
			tb.reset() // rows go back to the pools and are reused below
			reused := encodeTrades(t, tb, recs)
			var total int64
			for i, f := range files {
				if !bytes.Equal(f.data, again[i].data) || !bytes.Equal(f.data, reused[i].data) {
					t.Errorf("file %d: encoding the same records again gave other bytes", i)
				}
				total += f.rows
				checkTradeOrder(t, f)
			}
			if total != int64(tc.n) {
				t.Errorf("files hold %d rows, want %d", total, tc.n)
			}
		})
	}
}

// checkTradeOrder checks that a file's rows are in (symbol, ts, offset)
// order, stamped with the ingest time and in the file's hour.
func checkTradeOrder(t *testing.T, f encodedFile) {
	t.Helper()
	rows, err := parquet.Read[tradeRow](bytes.NewReader(f.data), int64(len(f.data)))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(rows)) != f.rows {
		t.Errorf("%v: %d rows, want %d", f.partition, len(rows), f.rows)
	}
	ordered := slices.IsSortedFunc(rows, func(a, b tradeRow) int {
		return cmp.Or(strings.Compare(a.Symbol, b.Symbol), cmp.Compare(a.Ts, b.Ts), cmp.Compare(a.KafkaOffset, b.KafkaOffset))
	})
	if !ordered {
		t.Errorf("%v: rows not in (symbol, ts, offset) order", f.partition)
	}
	for _, r := range rows {
		if r.IngestTime != 1_700_000_000_000_000 || r.KafkaPartition != 3 || r.Size != r.Seq || len(r.Conditions) != int(r.Seq%3) {
			t.Fatalf("%v: row %+v does not match its record", f.partition, r)
		}
		if got := time.Unix(0, r.Ts).UTC().Hour(); got != f.partition.Hour {
			t.Fatalf("%v: row at hour %d", f.partition, got)
		}
	}
}
