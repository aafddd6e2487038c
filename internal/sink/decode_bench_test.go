package sink

import (
	"math/rand/v2"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// mixSymbols are the symbols of the decode benchmarks' mix.
var mixSymbols = []string{"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B", "JPM", "V", "XOM", "SPY"}

// mixConditions are the conditions lists the simulator draws, and one
// more of two elements.
var mixConditions = [][]string{{}, {}, {}, {}, {"I"}, {"I"}, {"F"}, {"T"}, {"T", "I"}, {"@", "F"}}

// mixTradeRecords returns n trades in the wire form the producer writes:
// 12 symbols, random sizes and prices, the simulator's conditions.
func mixTradeRecords(n int) []*kgo.Record {
	r := rand.New(rand.NewPCG(5, 6))
	recs := make([]*kgo.Record, n)
	ts := int64(1_762_092_000_000_000_000)
	for i := range recs {
		ts += r.Int64N(1_000_000)
		tr := tick.Trade{
			Symbol: mixSymbols[r.IntN(len(mixSymbols))], Ts: ts,
			Price: float64(10_000+r.Int64N(5_000_000)) / 1e4, Size: 1 + r.Int64N(2000),
			Exchange: string("QNPZKVD"[r.IntN(7)]), Conditions: mixConditions[r.IntN(len(mixConditions))],
			Side: []string{"B", "S", ""}[r.IntN(3)], Seq: int64(i + 1),
		}
		recs[i] = &kgo.Record{Value: tr.AppendJSON(nil), Offset: int64(i)}
	}
	return recs
}

// mixQuoteRecords returns n quotes the way mixTradeRecords does trades.
func mixQuoteRecords(n int) []*kgo.Record {
	r := rand.New(rand.NewPCG(7, 8))
	recs := make([]*kgo.Record, n)
	ts := int64(1_762_092_000_000_000_000)
	for i := range recs {
		ts += r.Int64N(1_000_000)
		bid := 10_000 + r.Int64N(5_000_000)
		q := tick.Quote{
			Symbol: mixSymbols[r.IntN(len(mixSymbols))], Ts: ts,
			Bid: float64(bid) / 1e4, BidSize: 100 * (1 + r.Int64N(50)),
			Ask: float64(bid+1+r.Int64N(100)) / 1e4, AskSize: 100 * (1 + r.Int64N(50)),
			Exchange: string("QNPZKV"[r.IntN(6)]), Seq: int64(i + 1),
		}
		recs[i] = &kgo.Record{Value: q.AppendJSON(nil), Offset: int64(i)}
	}
	return recs
}

// BenchmarkTableDecode measures the tables' decode closures alone: a
// record's wire value to its row of dictionary ids.
func BenchmarkTableDecode(b *testing.B) {
	b.Run("trades", func(b *testing.B) {
		t := newTradeTable(newEncoder())
		benchDecode(b, mixTradeRecords(4096), t.decode)
	})
	b.Run("quotes", func(b *testing.B) {
		t := newQuoteTable(newEncoder())
		benchDecode(b, mixQuoteRecords(4096), t.decode)
	})
}

func benchDecode[V any](b *testing.B, recs []*kgo.Record, decode func(*kgo.Record) (V, error)) {
	i := 0
	for b.Loop() {
		if _, err := decode(recs[i]); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % len(recs)
	}
}
