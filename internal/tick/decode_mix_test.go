package tick

import (
	"math/rand/v2"
	"testing"
)

// mixSymbols and mixConditions make the decode benchmarks' mix: what the
// simulator draws, 12 symbols, so that lengths vary from value to value as
// they do on the wire.
var (
	mixSymbols    = []string{"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B", "JPM", "V", "XOM", "SPY"}
	mixConditions = [][]string{{}, {}, {}, {}, {"I"}, {"I"}, {"F"}, {"T"}, {"T", "I"}, {"@", "F"}}
)

// mixValues returns n trade and n quote wire values with random symbols,
// sizes, prices and conditions.
func mixValues(n int) (trades, quotes [][]byte) {
	r := rand.New(rand.NewPCG(5, 6))
	ts := int64(1_762_092_000_000_000_000)
	for i := range n {
		ts += r.Int64N(1_000_000)
		px := 10_000 + r.Int64N(5_000_000)
		t := Trade{Symbol: mixSymbols[r.IntN(len(mixSymbols))], Ts: ts, Price: float64(px) / 1e4, Size: 1 + r.Int64N(2000),
			Exchange: string("QNPZKVD"[r.IntN(7)]), Conditions: mixConditions[r.IntN(len(mixConditions))],
			Side: []string{"B", "S", ""}[r.IntN(3)], Seq: int64(i + 1)}
		q := Quote{Symbol: t.Symbol, Ts: ts, Bid: float64(px) / 1e4, BidSize: 100 * (1 + r.Int64N(50)),
			Ask: float64(px+1+r.Int64N(100)) / 1e4, AskSize: 100 * (1 + r.Int64N(50)), Exchange: t.Exchange, Seq: int64(i + 1)}
		trades, quotes = append(trades, t.AppendJSON(nil)), append(quotes, q.AppendJSON(nil))
	}
	return trades, quotes
}

// BenchmarkDecodeMix decodes the mix in turn, one value per op.
func BenchmarkDecodeMix(b *testing.B) {
	trades, quotes := mixValues(4096)
	b.Run("trades", func(b *testing.B) {
		d, i := NewDecoder(), 0
		for b.Loop() {
			if _, err := d.Trade(trades[i]); err != nil {
				b.Fatal(err)
			}
			i = (i + 1) % len(trades)
		}
	})
	b.Run("quotes", func(b *testing.B) {
		d, i := NewDecoder(), 0
		for b.Loop() {
			if _, err := d.Quote(quotes[i]); err != nil {
				b.Fatal(err)
			}
			i = (i + 1) % len(quotes)
		}
	})
}
