package kafka

import (
	"bufio"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// recordPool recycles records and their key and value buffers: a record
// goes back once its promise has run (kgo is done with it
// then), so at full speed the loop allocates nothing and the garbage
// collector, which the profile showed taking a third of the time, stays
// idle.
//
// A recycled record was last touched by the client's goroutines on the
// other core, so filling it waited for its cache lines: the first read of
// the record was a fifth of the producer goroutine's time. get therefore
// takes the record it will hand out next one call early and writes to each
// of its cache lines (warm), so the lines travel while the current record is
// filled and the next event simulated. It moved most of that wait off the
// fill but saved less than it moved: the process CPU per record fell from
// 2.80 to 2.70 µs (medians of 15 alternated BenchmarkProduce runs).
type recordPool struct {
	pool sync.Pool
	next *pooledRecord // taken and warmed by the last get; get's goroutine only
}

// valueRoom is the value buffer a pooled record starts with: simulated
// trades and quotes take 100-130 bytes; longer values (replayed rows) grow
// their own buffer once and keep it. It fills the record's block to the
// 352-byte size class.
const valueRoom = 184

// pooledRecord is a record and its buffers in one allocation. Every record
// is touched four times (filled, partitioned, encoded into its batch,
// promised), each time after thousands of others, so it is cold by then:
// one block of 352 bytes that the hardware prefetcher streams costs fewer
// cache misses than a record, a key and a value scattered over the heap.
// Its headers are shared (see headerSets). rec is the first field, so a
// record from get is also its pooledRecord (see put).
type pooledRecord struct {
	rec   kgo.Record
	key   [8]byte
	value [valueRoom]byte
}

// get returns a record to fill; its Key and Value have room. One goroutine
// calls get (the producer loop).
func (rp *recordPool) get() *kgo.Record {
	pr := rp.next
	if pr == nil {
		pr = rp.take()
	}
	rp.next = rp.take()
	rp.next.warm()
	return &pr.rec
}

func (rp *recordPool) take() *pooledRecord {
	if pr, ok := rp.pool.Get().(*pooledRecord); ok {
		return pr
	}
	pr := new(pooledRecord)
	pr.rec.Key, pr.rec.Value = pr.key[:0], pr.value[:0]
	return pr
}

// warm stores into every 64-byte cache line of pr without reading it, for
// either alignment of its 352-byte block (at 0 or 32 modulo 64): the key's
// length (offset 8), the attributes (116) and the value at 192, 256, 320 and
// its end, all plain words that fill overwrites. (A pointer store would
// read the old pointer whenever the garbage collector is marking.)
func (pr *pooledRecord) warm() {
	*(*int)(unsafe.Add(unsafe.Pointer(&pr.rec.Key), unsafe.Sizeof(uintptr(0)))) = 0 // len(pr.rec.Key)
	pr.rec.ProducerEpoch = 0
	pr.value[24], pr.value[88], pr.value[152], pr.value[valueRoom-1] = 0, 0, 0, 0
}

// fill resets r to a fresh record with headers h, keeping its buffers.
func fill(r *kgo.Record, topic string, key string, value func([]byte) []byte, ts time.Time, h []kgo.RecordHeader) {
	k, v := r.Key[:0], r.Value[:0]
	*r = kgo.Record{Topic: topic, Key: append(k, key...), Value: value(v), Timestamp: ts, Headers: h}
}

// put recycles r, a record from get, once kgo is done with it.
func (rp *recordPool) put(r *kgo.Record) {
	rp.pool.Put((*pooledRecord)(unsafe.Pointer(r)))
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
	eventTypes    = [...][]byte{kindTrade: []byte(tick.EventTrade), kindQuote: []byte(tick.EventQuote), kindReplay: []byte(tick.EventReplay)}
)

// Record kinds, indexing eventTypes and headerSets.
const (
	kindTrade = iota
	kindQuote
	kindReplay
)

// record builds the Kafka record of ev with the headers of the clock's
// current stamp.
func (p *Producer) record(ev tick.Event, evTime time.Time, clock *wallClock) *kgo.Record {
	topic, kind := p.cfg.TopicQuotes, kindQuote
	if ev.Trade != nil {
		topic, kind = p.cfg.TopicTrades, kindTrade
	}
	r := p.recs.get()
	fill(r, topic, ev.Key(), ev.AppendJSON, evTime, clock.headers(kind))
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
//
// The three headers of a record depend only on its kind and the stamp, so
// the records of one stamp share them (headerSets): kgo only reads headers,
// and a header array shared by hundreds of records stays in cache when each
// record is sized and encoded, where one per record would be cold.
type wallClock struct {
	at   []byte
	now  time.Time // last reading, for the speed-max cap
	sets headerSets
}

// headerSets are the headers of each record kind for the current stamp,
// made on first use.
type headerSets [len(eventTypes)][]kgo.RecordHeader

const stampEvery = 256

func newWallClock() *wallClock {
	return &wallClock{now: time.Now()}
}

// stamp refreshes the produced-at stamp when it is due: at the first
// record, every stampEvery records and after a pacing sleep.
func (c *wallClock) stamp(n int64, slept bool) {
	if c.at == nil || slept || n%stampEvery == 0 {
		c.now = time.Now()
		c.at = strconv.AppendInt(make([]byte, 0, 20), c.now.UnixNano(), 10)
		c.sets = headerSets{}
	}
}

// headers returns the headers of a record of kind under the current stamp:
// schema version, event type and produced-at. Callers must not modify them.
func (c *wallClock) headers(kind int) []kgo.RecordHeader {
	if c.sets[kind] == nil {
		c.sets[kind] = []kgo.RecordHeader{
			{Key: headerSchemaVersion, Value: schemaVersion},
			{Key: headerEventType, Value: eventTypes[kind]},
			{Key: headerProducedAt, Value: c.at},
		}
	}
	return c.sets[kind]
}
