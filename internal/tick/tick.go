// Package tick defines ticklake's market records (trades and quotes) and their
// wire form on Kafka: JSON values keyed by symbol, the record timestamp set to
// the event time, and a header carrying the wall-clock produce time.
//
// It knows no transport and no storage: producers, the sink and tests all meet
// here.
package tick

import (
	"encoding/json"
	"fmt"
	"time"
)

// Topic names ticklake produces to by default.
const (
	TopicTrades = "trades"
	TopicQuotes = "quotes"
)

// HeaderProducedAt is the record header holding the wall-clock produce time as
// decimal nanoseconds since the Unix epoch; the sink uses it to measure
// end-to-end freshness.
const HeaderProducedAt = "ticklake-produced-at"

// Trade is one execution. Ts is nanoseconds since the Unix epoch, UTC.
type Trade struct {
	Symbol     string   `json:"symbol"`
	Ts         int64    `json:"ts"`
	Price      float64  `json:"price"`
	Size       int64    `json:"size"`
	Exchange   string   `json:"exchange"`
	Conditions []string `json:"conditions"`
	Side       string   `json:"side"` // aggressor: "B", "S" or "" when unknown
	Seq        int64    `json:"seq"`
}

// Quote is one NBBO update. Ts is nanoseconds since the Unix epoch, UTC.
type Quote struct {
	Symbol   string  `json:"symbol"`
	Ts       int64   `json:"ts"`
	Bid      float64 `json:"bid"`
	BidSize  int64   `json:"bid_size"`
	Ask      float64 `json:"ask"`
	AskSize  int64   `json:"ask_size"`
	Exchange string  `json:"exchange"`
	Seq      int64   `json:"seq"`
}

// Event is one record bound for a topic: exactly one of Trade or Quote is set.
type Event struct {
	Trade *Trade
	Quote *Quote
}

// Topic returns the default topic of the event.
func (e Event) Topic() string {
	if e.Trade != nil {
		return TopicTrades
	}
	return TopicQuotes
}

// Key returns the record key: the symbol.
func (e Event) Key() string {
	if e.Trade != nil {
		return e.Trade.Symbol
	}
	return e.Quote.Symbol
}

// Time returns the event time.
func (e Event) Time() time.Time {
	if e.Trade != nil {
		return time.Unix(0, e.Trade.Ts).UTC()
	}
	return time.Unix(0, e.Quote.Ts).UTC()
}

// AppendJSON appends the event's wire value to dst.
func (e Event) AppendJSON(dst []byte) []byte {
	if e.Trade != nil {
		return e.Trade.AppendJSON(dst)
	}
	return e.Quote.AppendJSON(dst)
}

// AppendJSON appends t's wire value to dst. It is the hot path of the
// producer, so it formats by hand rather than through reflection; the output
// is the same as encoding/json's.
func (t *Trade) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"symbol":`...)
	dst = appendString(dst, t.Symbol)
	dst = append(dst, `,"ts":`...)
	dst = appendInt(dst, t.Ts)
	dst = append(dst, `,"price":`...)
	dst = appendFloat(dst, t.Price)
	dst = append(dst, `,"size":`...)
	dst = appendInt(dst, t.Size)
	dst = append(dst, `,"exchange":`...)
	dst = appendString(dst, t.Exchange)
	dst = append(dst, `,"conditions":[`...)
	for i, c := range t.Conditions {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, c)
	}
	dst = append(dst, `],"side":`...)
	dst = appendString(dst, t.Side)
	dst = append(dst, `,"seq":`...)
	dst = appendInt(dst, t.Seq)
	return append(dst, '}')
}

// AppendJSON appends q's wire value to dst.
func (q *Quote) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"symbol":`...)
	dst = appendString(dst, q.Symbol)
	dst = append(dst, `,"ts":`...)
	dst = appendInt(dst, q.Ts)
	dst = append(dst, `,"bid":`...)
	dst = appendFloat(dst, q.Bid)
	dst = append(dst, `,"bid_size":`...)
	dst = appendInt(dst, q.BidSize)
	dst = append(dst, `,"ask":`...)
	dst = appendFloat(dst, q.Ask)
	dst = append(dst, `,"ask_size":`...)
	dst = appendInt(dst, q.AskSize)
	dst = append(dst, `,"exchange":`...)
	dst = appendString(dst, q.Exchange)
	dst = append(dst, `,"seq":`...)
	dst = appendInt(dst, q.Seq)
	return append(dst, '}')
}

// DecodeTrade parses a trade's wire value, checking the fields a row needs.
func DecodeTrade(b []byte) (Trade, error) {
	var t Trade
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("decoding trade: %w", err)
	}
	if t.Symbol == "" || t.Ts == 0 {
		return t, fmt.Errorf("decoding trade: missing symbol or ts")
	}
	return t, nil
}

// DecodeQuote parses a quote's wire value, checking the fields a row needs.
func DecodeQuote(b []byte) (Quote, error) {
	var q Quote
	if err := json.Unmarshal(b, &q); err != nil {
		return q, fmt.Errorf("decoding quote: %w", err)
	}
	if q.Symbol == "" || q.Ts == 0 {
		return q, fmt.Errorf("decoding quote: missing symbol or ts")
	}
	return q, nil
}
