package sink

import (
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// tradeVals is one buffered trade without pointers: its strings are ids in
// the table's dictionaries.
type tradeVals struct {
	ts, size, seq, off int64
	price              float64
	sym, exch, side    uint32 // strDict ids
	conds              uint32 // listDict id
}

// tradeTable is the table of the trades topic; its columns follow
// tradeRow's fields.
type tradeTable = chunkTable[tradeVals, tradeRow]

func newTradeTable(enc *encoder) *tradeTable {
	t := newChunkTable[tradeVals, tradeRow](enc)
	dec := tick.NewDecoder()
	t.decode = func(r *kgo.Record) (tradeVals, error) {
		var tr tick.Trade
		var refs tick.Refs
		if err := dec.TradeRefs(r.Value, &tr, &refs); err != nil {
			return tradeVals{}, err
		}
		return tradeVals{
			ts: tr.Ts, size: tr.Size, seq: tr.Seq, off: r.Offset, price: tr.Price,
			sym: t.strs.idRef(refs.Symbol, tr.Symbol), exch: t.strs.idRef(refs.Exchange, tr.Exchange),
			side: t.strs.idRef(refs.Side, tr.Side), conds: t.lists.idRef(refs.Conditions, tr.Conditions),
		}, nil
	}
	t.key = func(v *tradeVals) (uint32, int64, int64) { return v.sym, v.ts, v.off }
	t.cols = []colKind{colDict, colDelta, colDouble, colPlain, colDict, colList, colDict, colDelta, colPartition, colDelta, colIngest}
	t.gather = func(v *tradeVals, c []colValues) {
		c[0].ids = append(c[0].ids, v.sym)
		c[1].i64 = append(c[1].i64, v.ts)
		c[2].f64 = append(c[2].f64, v.price)
		c[3].i64 = append(c[3].i64, v.size)
		c[4].ids = append(c[4].ids, v.exch)
		c[5].ids = append(c[5].ids, v.conds)
		c[6].ids = append(c[6].ids, v.side)
		c[7].i64 = append(c[7].i64, v.seq)
		c[9].i64 = append(c[9].i64, v.off)
	}
	return t
}

// quoteVals is one buffered quote without pointers: its strings are ids in
// the table's dictionary.
type quoteVals struct {
	ts, bidSize, askSize, seq, off int64
	bid, ask                       float64
	sym, exch                      uint32 // strDict ids
}

// quoteTable is the table of the quotes topic; its columns follow
// quoteRow's fields.
type quoteTable = chunkTable[quoteVals, quoteRow]

func newQuoteTable(enc *encoder) *quoteTable {
	t := newChunkTable[quoteVals, quoteRow](enc)
	dec := tick.NewDecoder()
	t.decode = func(r *kgo.Record) (quoteVals, error) {
		var q tick.Quote
		var refs tick.Refs
		if err := dec.QuoteRefs(r.Value, &q, &refs); err != nil {
			return quoteVals{}, err
		}
		return quoteVals{
			ts: q.Ts, bidSize: q.BidSize, askSize: q.AskSize, seq: q.Seq, off: r.Offset, bid: q.Bid, ask: q.Ask,
			sym: t.strs.idRef(refs.Symbol, q.Symbol), exch: t.strs.idRef(refs.Exchange, q.Exchange),
		}, nil
	}
	t.key = func(v *quoteVals) (uint32, int64, int64) { return v.sym, v.ts, v.off }
	t.cols = []colKind{colDict, colDelta, colDouble, colPlain, colDouble, colPlain, colDict, colDelta, colPartition, colDelta, colIngest}
	t.gather = func(v *quoteVals, c []colValues) {
		c[0].ids = append(c[0].ids, v.sym)
		c[1].i64 = append(c[1].i64, v.ts)
		c[2].f64 = append(c[2].f64, v.bid)
		c[3].i64 = append(c[3].i64, v.bidSize)
		c[4].f64 = append(c[4].f64, v.ask)
		c[5].i64 = append(c[5].i64, v.askSize)
		c[6].ids = append(c[6].ids, v.exch)
		c[7].i64 = append(c[7].i64, v.seq)
		c[9].i64 = append(c[9].i64, v.off)
	}
	return t
}
