package kafka

import (
	"bufio"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// arenaRecords and arenaBytes size the slabs records and their values are
// cut from: one allocation per few hundred records instead of four per
// record. A slab lives until the broker has acknowledged all its records.
const (
	arenaRecords = 512
	arenaBytes   = 128 << 10
)

// recordArena hands out records, header slices and value buffers.
type recordArena struct {
	recs    []kgo.Record
	headers [][3]kgo.RecordHeader
	buf     []byte
}

func (a *recordArena) next() (*kgo.Record, []kgo.RecordHeader) {
	if len(a.recs) == 0 {
		a.recs = make([]kgo.Record, arenaRecords)
		a.headers = make([][3]kgo.RecordHeader, arenaRecords)
	}
	r, h := &a.recs[0], a.headers[0][:]
	a.recs, a.headers = a.recs[1:], a.headers[1:]
	return r, h
}

// key copies s into the byte slab.
func (a *recordArena) key(s string) []byte {
	if cap(a.buf) < len(s)+1024 {
		a.buf = make([]byte, 0, arenaBytes)
	}
	k := append(a.buf[:0], s...)
	a.buf = a.buf[len(k):len(k)]
	return k
}

// value appends with fill into the free end of the byte slab and returns
// the bytes written; values never share memory with one another.
func (a *recordArena) value(fill func([]byte) []byte) []byte {
	if cap(a.buf) < 1024 {
		a.buf = make([]byte, 0, arenaBytes)
	}
	v := fill(a.buf[:0:cap(a.buf)])
	if cap(v) == cap(a.buf) && &v[:1][0] == &a.buf[:1][0] {
		a.buf = a.buf[len(v):len(v)]
	}
	return v
}

// Header keys, from package tick.
const (
	headerSchemaVersion = tick.HeaderSchemaVersion
	headerEventType     = tick.HeaderEventType
	headerProducedAt    = tick.HeaderProducedAt
)

// Header values that never change; kgo does not modify them.
var (
	schemaVersion = []byte(tick.SchemaVersion)
	typeTrade     = []byte(tick.EventTrade)
	typeQuote     = []byte(tick.EventQuote)
	typeReplay    = []byte(tick.EventReplay)
)

// record builds the Kafka record of ev, stamped with produce time at.
func (p *Producer) record(ev tick.Event, evTime time.Time, at []byte) *kgo.Record {
	r, h := p.recs.next()
	topic, typ := p.cfg.TopicQuotes, typeQuote
	if ev.Trade != nil {
		topic, typ = p.cfg.TopicTrades, typeTrade
	}
	h[0] = kgo.RecordHeader{Key: tick.HeaderSchemaVersion, Value: schemaVersion}
	h[1] = kgo.RecordHeader{Key: tick.HeaderEventType, Value: typ}
	h[2] = kgo.RecordHeader{Key: tick.HeaderProducedAt, Value: at}
	*r = kgo.Record{
		Topic:     topic,
		Key:       p.recs.key(ev.Key()),
		Value:     p.recs.value(ev.AppendJSON),
		Timestamp: evTime,
		Headers:   h,
	}
	return r
}

// writeLine writes r as {"topic":..,"key":..,"timestamp":<ns>,"value":..}.
func writeLine(w *bufio.Writer, r *kgo.Record) error {
	b := w.AvailableBuffer()
	b = append(b, `{"topic":`...)
	b = strconv.AppendQuote(b, r.Topic)
	b = append(b, `,"key":`...)
	b = strconv.AppendQuote(b, string(r.Key))
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, r.Timestamp.UnixNano(), 10)
	b = append(b, `,"value":`...)
	b = append(b, r.Value...)
	b = append(b, "}\n"...)
	_, err := w.Write(b)
	return err
}

// wallClock caches the produced-at stamp: formatting the time for every
// record would cost more than producing it. The stamp is refreshed every
// stampEvery records and after every pacing sleep, so it lags the true
// produce time by well under a millisecond at full speed.
type wallClock struct {
	at  []byte
	now time.Time // last reading, for the speed-max cap
}

const stampEvery = 256

func newWallClock() *wallClock {
	return &wallClock{now: time.Now()}
}

func (c *wallClock) stamp(n int64, slept bool) []byte {
	if c.at == nil || slept || n%stampEvery == 0 {
		c.now = time.Now()
		c.at = strconv.AppendInt(make([]byte, 0, 20), c.now.UnixNano(), 10)
	}
	return c.at
}
