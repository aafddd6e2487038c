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

// tradeTable is the table of the trades topic.
type tradeTable = chunkTable[tradeVals, tradeRow]

func newTradeTable(enc *encoder) *tradeTable {
	t := newChunkTable[tradeVals, tradeRow](enc)
	dec := tick.NewDecoder()
	t.decode = func(r *kgo.Record) (tradeVals, error) {
		tr, err := dec.Trade(r.Value)
		if err != nil {
			return tradeVals{}, err
		}
		return tradeVals{
			ts: tr.Ts, size: tr.Size, seq: tr.Seq, off: r.Offset, price: tr.Price,
			sym: t.strs.id(tr.Symbol), exch: t.strs.id(tr.Exchange), side: t.strs.id(tr.Side),
			conds: t.lists.id(tr.Conditions),
		}, nil
	}
	t.key = func(v *tradeVals) (uint32, int64, int64) { return v.sym, v.ts, v.off }
	t.cols = []leaf[tradeVals]{
		{kind: colDict, id: func(v *tradeVals) uint32 { return v.sym }},
		{kind: colDelta, i64: func(v *tradeVals) int64 { return v.ts }},
		{kind: colDouble, f64: func(v *tradeVals) float64 { return v.price }},
		{kind: colPlain, i64: func(v *tradeVals) int64 { return v.size }},
		{kind: colDict, id: func(v *tradeVals) uint32 { return v.exch }},
		{kind: colList, id: func(v *tradeVals) uint32 { return v.conds }},
		{kind: colDict, id: func(v *tradeVals) uint32 { return v.side }},
		{kind: colDelta, i64: func(v *tradeVals) int64 { return v.seq }},
		{kind: colPartition},
		{kind: colDelta, i64: func(v *tradeVals) int64 { return v.off }},
		{kind: colIngest},
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

// quoteTable is the table of the quotes topic.
type quoteTable = chunkTable[quoteVals, quoteRow]

func newQuoteTable(enc *encoder) *quoteTable {
	t := newChunkTable[quoteVals, quoteRow](enc)
	dec := tick.NewDecoder()
	t.decode = func(r *kgo.Record) (quoteVals, error) {
		q, err := dec.Quote(r.Value)
		if err != nil {
			return quoteVals{}, err
		}
		return quoteVals{
			ts: q.Ts, bidSize: q.BidSize, askSize: q.AskSize, seq: q.Seq, off: r.Offset, bid: q.Bid, ask: q.Ask,
			sym: t.strs.id(q.Symbol), exch: t.strs.id(q.Exchange),
		}, nil
	}
	t.key = func(v *quoteVals) (uint32, int64, int64) { return v.sym, v.ts, v.off }
	t.cols = []leaf[quoteVals]{
		{kind: colDict, id: func(v *quoteVals) uint32 { return v.sym }},
		{kind: colDelta, i64: func(v *quoteVals) int64 { return v.ts }},
		{kind: colDouble, f64: func(v *quoteVals) float64 { return v.bid }},
		{kind: colPlain, i64: func(v *quoteVals) int64 { return v.bidSize }},
		{kind: colDouble, f64: func(v *quoteVals) float64 { return v.ask }},
		{kind: colPlain, i64: func(v *quoteVals) int64 { return v.askSize }},
		{kind: colDict, id: func(v *quoteVals) uint32 { return v.exch }},
		{kind: colDelta, i64: func(v *quoteVals) int64 { return v.seq }},
		{kind: colPartition},
		{kind: colDelta, i64: func(v *quoteVals) int64 { return v.off }},
		{kind: colIngest},
	}
	return t
}
