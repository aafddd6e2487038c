package sink

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
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
				checkSameFile(t, got[i].data, want[i].data)
			}
		})
	}
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

// checkSameFile checks that two trade files hold the same rows, row groups,
// schema and footer metadata.
func checkSameFile(t *testing.T, got, want []byte) {
	t.Helper()
	gf, wf := openTestParquet(t, got), openTestParquet(t, want)
	if g, w := gf.Schema().String(), wf.Schema().String(); g != w {
		t.Errorf("schema\n%s\nwant\n%s", g, w)
	}
	if g, w := len(gf.RowGroups()), len(wf.RowGroups()); g != w {
		t.Errorf("%d row groups, want %d", g, w)
	}
	if g, w := gf.Metadata().KeyValueMetadata, wf.Metadata().KeyValueMetadata; !slices.Equal(g, w) {
		t.Errorf("footer metadata %v, want %v", g, w)
	}
	gr, err := parquet.Read[tradeRow](bytes.NewReader(got), int64(len(got)))
	if err != nil {
		t.Fatal(err)
	}
	wr, err := parquet.Read[tradeRow](bytes.NewReader(want), int64(len(want)))
	if err != nil {
		t.Fatal(err)
	}
	same := slices.EqualFunc(gr, wr, func(a, b tradeRow) bool {
		ac, bc := a.Conditions, b.Conditions
		a.Conditions, b.Conditions = nil, nil
		return reflect.DeepEqual(a, b) && slices.Equal(ac, bc)
	})
	if !same {
		t.Errorf("rows differ from the row table's")
	}
}

func openTestParquet(t *testing.T, data []byte) *parquet.File {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}
