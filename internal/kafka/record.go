package kafka

import (
	"bufio"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

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

// writeLine writes a record as
// {"topic":..,"key":..,"timestamp":<ns>,"value":..}.
func writeLine(w *bufio.Writer, topic, key string, ts time.Time, value []byte) error {
	b := w.AvailableBuffer()
	b = append(b, `{"topic":`...)
	b = tick.AppendJSONString(b, topic)
	b = append(b, `,"key":`...)
	b = tick.AppendJSONString(b, key)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, ts.UnixNano(), 10)
	b = append(b, `,"value":`...)
	b = append(b, value...)
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
// the records of one stamp share them, encoded once in the record format
// (headerSets) and copied into each record's batch as they are.
type wallClock struct {
	at   []byte
	now  time.Time // last reading, for the speed-max cap
	sets headerSets
}

// headerSets are the encoded headers of each record kind for the current
// stamp, made on first use.
type headerSets [len(eventTypes)][]byte

const stampEvery = 256

func newWallClock() *wallClock {
	return &wallClock{now: time.Now()}
}

// stamp refreshes the produced-at stamp when it is due: at the first
// record, every stampEvery records and after a pacing sleep. It reports
// whether it did.
func (c *wallClock) stamp(n int64, slept bool) bool {
	if c.at != nil && !slept && n%stampEvery != 0 {
		return false
	}
	c.now = time.Now()
	c.at = strconv.AppendInt(make([]byte, 0, 20), c.now.UnixNano(), 10)
	c.sets = headerSets{}
	return true
}

// headers returns the headers of a record of kind under the current stamp,
// encoded: schema version, event type and produced-at. Callers must not
// modify them.
func (c *wallClock) headers(kind int) []byte {
	if c.sets[kind] == nil {
		c.sets[kind] = encodeHeaders(nil, []kgo.RecordHeader{
			{Key: headerSchemaVersion, Value: schemaVersion},
			{Key: headerEventType, Value: eventTypes[kind]},
			{Key: headerProducedAt, Value: c.at},
		})
	}
	return c.sets[kind]
}
