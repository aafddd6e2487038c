package kafka

import (
	"bufio"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// recordPool recycles records, their header slices and their key and value
// buffers: a record goes back once its promise has run (kgo is done with it
// then), so at full speed the loop allocates nothing and the garbage
// collector, which the profile showed taking a third of the time, stays
// idle.
type recordPool struct {
	pool sync.Pool
}

// valueRoom is the value buffer a pooled record starts with: simulated
// trades and quotes take 100-130 bytes; longer values (replayed rows) grow
// their own buffer once and keep it.
const valueRoom = 160

// pooledRecord is a record and its buffers in one allocation. Every record
// is touched four times (filled, partitioned, encoded into its batch,
// promised), each time after thousands of others, so it is cold by then:
// one block of 448 bytes that the hardware prefetcher streams costs fewer
// cache misses than a record, a header array, a key and a value scattered
// over the heap.
type pooledRecord struct {
	rec     kgo.Record
	headers [3]kgo.RecordHeader
	key     [8]byte
	value   [valueRoom]byte
}

// get returns a record to fill; its Key, Value and Headers have room.
func (rp *recordPool) get() *kgo.Record {
	if r, ok := rp.pool.Get().(*kgo.Record); ok {
		return r
	}
	pr := new(pooledRecord)
	pr.rec.Headers, pr.rec.Key, pr.rec.Value = pr.headers[:], pr.key[:0], pr.value[:0]
	return &pr.rec
}

// fill resets r to a fresh record, keeping its buffers.
func fill(r *kgo.Record, topic string, key string, value func([]byte) []byte, ts time.Time, typ, at []byte) {
	k, v, h := r.Key[:0], r.Value[:0], r.Headers[:3]
	h[0] = kgo.RecordHeader{Key: headerSchemaVersion, Value: schemaVersion}
	h[1] = kgo.RecordHeader{Key: headerEventType, Value: typ}
	h[2] = kgo.RecordHeader{Key: headerProducedAt, Value: at}
	*r = kgo.Record{Topic: topic, Key: append(k, key...), Value: value(v), Timestamp: ts, Headers: h}
}

func (rp *recordPool) put(r *kgo.Record) {
	rp.pool.Put(r)
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
	topic, typ := p.cfg.TopicQuotes, typeQuote
	if ev.Trade != nil {
		topic, typ = p.cfg.TopicTrades, typeTrade
	}
	r := p.recs.get()
	fill(r, topic, ev.Key(), ev.AppendJSON, evTime, typ, at)
	return r
}

// writeLine writes r as {"topic":..,"key":..,"timestamp":<ns>,"value":..}.
func writeLine(w *bufio.Writer, r *kgo.Record) error {
	b := w.AvailableBuffer()
	b = append(b, `{"topic":`...)
	b = tick.AppendJSONString(b, r.Topic)
	b = append(b, `,"key":`...)
	b = tick.AppendJSONString(b, string(r.Key))
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
