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
	t.row = func(v *tradeVals, part int32, ingestMicros int64) tradeRow {
		return tradeRow{
			Symbol: t.strs.str(v.sym), Ts: v.ts, Price: v.price, Size: v.size, Exchange: t.strs.str(v.exch),
			Conditions: t.lists.list(v.conds), Side: t.strs.str(v.side), Seq: v.seq,
			KafkaPartition: part, KafkaOffset: v.off, IngestTime: ingestMicros,
		}
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
	t.row = func(v *quoteVals, part int32, ingestMicros int64) quoteRow {
		return quoteRow{
			Symbol: t.strs.str(v.sym), Ts: v.ts, Bid: v.bid, BidSize: v.bidSize, Ask: v.ask, AskSize: v.askSize,
			Exchange: t.strs.str(v.exch), Seq: v.seq,
			KafkaPartition: part, KafkaOffset: v.off, IngestTime: ingestMicros,
		}
	}
	return t
}
