package sink

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// De-duplication by the feed's own sequence numbers. Every trade and quote
// carries a per-symbol seq, and the record key is the symbol, so a symbol's
// records of one producer run are in one partition in seq order. Kafka's
// idempotent producer keeps a partition's log free of resent batches only as
// long as the broker remembers its producer state: after a restart of the
// only replica, Kafka 4.4 has been seen to append a resent batch (same
// producer id, epoch and sequence) a second time. So per partition the sink
// tracks, for each Kafka producer id, the highest seq it wrote of each
// symbol; a record whose seq is not above it goes to _errors as a duplicate.
// A new producer process has a new producer id and starts its own seq.
//
// The state at the end of a flush range is stored in the range's marker,
// after evicting producers not seen for a while, so whoever rewrites a range
// starts from the state its predecessor ended with and makes the same files.

// Eviction of idle producers, applied at the end of each flush range: by
// offsets, never by wall clock, so that it is a function of the records.
const (
	// evictAfterOffsets drops a producer whose last record in the partition
	// is this many offsets before the range's end.
	evictAfterOffsets = 10_000_000
	// maxProducers keeps only the producers seen most recently.
	maxProducers = 16
)

// seqPos is the last seq written of one symbol by one producer, and the
// offset of that record. In markers it is the pair [seq, offset].
type seqPos struct{ seq, off int64 }

// MarshalJSON writes [seq, offset].
func (p seqPos) MarshalJSON() ([]byte, error) {
	b := append(strconv.AppendInt([]byte{'['}, p.seq, 10), ',')
	return append(strconv.AppendInt(b, p.off, 10), ']'), nil
}

// UnmarshalJSON reads [seq, offset].
func (p *seqPos) UnmarshalJSON(b []byte) error {
	var a [2]int64
	if err := json.Unmarshal(b, &a); err != nil {
		return fmt.Errorf("decoding a seq position: %w", err)
	}
	p.seq, p.off = a[0], a[1]
	return nil
}

// seqState is the stored form of a partition's de-duplication state: per
// Kafka producer id, symbol -> last seq written and its offset. A nil
// seqState in a marker means its range was written without de-duplication
// (by an older sink, or a topic without seq).
type seqState map[int64]map[string]seqPos

// dedupe is the live de-duplication state of one partition.
type dedupe struct {
	producers map[int64]map[string]*seqPos
	// The producer of the last record: nearly every record has the same.
	lastID  int64
	lastMap map[string]*seqPos
	// The last symbols of lastMap looked up, in 64 slots by a cheap hash
	// of the key: most lookups end here, without hashing the key for the
	// map. Cleared whenever lastMap changes.
	near [64]nearSym
}

// nearSym is one slot of dedupe.near.
type nearSym struct {
	key string
	pos *seqPos
}

// dedupes reports whether a topic's records carry seq and are de-duplicated.
func dedupes(topic string) bool {
	return topic == tick.TopicTrades || topic == tick.TopicQuotes
}

// newDedupe returns the live state starting from st (nil = empty).
func newDedupe(st seqState) *dedupe {
	d := &dedupe{producers: make(map[int64]map[string]*seqPos, len(st)), lastID: -1}
	for id, syms := range st {
		m := make(map[string]*seqPos, len(syms))
		for sym, p := range syms {
			m[sym] = &p
		}
		d.producers[id] = m
	}
	return d
}

// seqCheck is the verdict on one record: dup is the reason it is a
// duplicate, else pos is where to note its seq once its row is taken.
type seqCheck struct {
	dup  string
	gap  bool // seq skips ahead of the last written, prev
	prev int64
	pos  *seqPos
	seq  int64
}

// checkSeq looks r up, given its seq (ok false: r has none). Records of
// non-idempotent or transactional producers, or without key or seq, are not
// checked (zero seqCheck).
func (d *dedupe) checkSeq(r *kgo.Record, seq int64, ok bool) seqCheck {
	if !ok || r.ProducerID < 0 || r.Attrs.IsTransactional() || len(r.Key) == 0 {
		return seqCheck{}
	}
	syms := d.lastMap
	if r.ProducerID != d.lastID || syms == nil {
		syms = d.producers[r.ProducerID]
		if syms == nil {
			syms = make(map[string]*seqPos)
			d.producers[r.ProducerID] = syms
		}
		d.lastID, d.lastMap, d.near = r.ProducerID, syms, [64]nearSym{}
	}
	k := r.Key
	slot := &d.near[(uint(len(k))*0x9e37+uint(k[0])*0x85eb+uint(k[len(k)-1])*0xc2b3)%64]
	pos := slot.pos
	if pos == nil || slot.key != string(k) {
		pos = syms[string(k)]
		if pos == nil {
			pos = &seqPos{seq: -1 << 63, off: -1}
			syms[string(k)] = pos
			*slot = nearSym{key: string(k), pos: pos}
			return seqCheck{pos: pos, seq: seq}
		}
		*slot = nearSym{key: string(k), pos: pos}
	}
	if seq <= pos.seq {
		return seqCheck{dup: duplicateReason(r, seq, *pos)}
	}
	return seqCheck{pos: pos, seq: seq, gap: pos.off >= 0 && seq > pos.seq+1, prev: pos.seq}
}

// note records that r's row was taken.
func (c seqCheck) note(r *kgo.Record) {
	if c.pos != nil {
		c.pos.seq, c.pos.off = c.seq, r.Offset
	}
}

// duplicateReason says which record r repeats, as far as the state knows.
func duplicateReason(r *kgo.Record, seq int64, last seqPos) string {
	if seq == last.seq {
		return fmt.Sprintf("duplicate: %s seq %d of producer %d already written at offset %d", r.Key, seq, r.ProducerID, last.off)
	}
	return fmt.Sprintf("duplicate: %s seq %d of producer %d already written (its offset is not kept; seq %d was written at offset %d)",
		r.Key, seq, r.ProducerID, last.seq, last.off)
}

// state returns the stored form of the state at a range ending at to,
// without the producers evict(to) drops.
func (d *dedupe) state(to int64) seqState {
	keep := d.kept(to)
	st := make(seqState, len(keep))
	for _, id := range keep {
		syms := d.producers[id]
		m := make(map[string]seqPos, len(syms))
		for sym, p := range syms {
			if p.off >= 0 {
				m[sym] = *p
			}
		}
		st[id] = m
	}
	return st
}

// evict drops the producers not seen for a while as of a range ending at to.
func (d *dedupe) evict(to int64) {
	keep := d.kept(to)
	if len(keep) == len(d.producers) {
		return
	}
	kept := make(map[int64]map[string]*seqPos, len(keep))
	for _, id := range keep {
		kept[id] = d.producers[id]
	}
	d.producers, d.lastID, d.lastMap, d.near = kept, -1, nil, [64]nearSym{}
}

// kept lists the producers that survive eviction at to: those seen within
// evictAfterOffsets, at most maxProducers of them, the most recent first.
func (d *dedupe) kept(to int64) []int64 {
	type seen struct{ id, off int64 }
	var all []seen
	for id, syms := range d.producers {
		last := int64(-1)
		for _, p := range syms {
			last = max(last, p.off)
		}
		if last >= 0 && to-last <= evictAfterOffsets {
			all = append(all, seen{id, last})
		}
	}
	slices.SortFunc(all, func(a, b seen) int { return cmp.Or(cmp.Compare(b.off, a.off), cmp.Compare(b.id, a.id)) })
	ids := make([]int64, 0, min(len(all), maxProducers))
	for _, s := range all[:min(len(all), maxProducers)] {
		ids = append(ids, s.id)
	}
	return ids
}

// symbols counts the symbols tracked over all producers.
func (st seqState) symbols() int {
	n := 0
	for _, syms := range st {
		n += len(syms)
	}
	return n
}

// clone copies a stored state.
func (st seqState) clone() seqState {
	if st == nil {
		return nil
	}
	c := make(seqState, len(st))
	for id, syms := range st {
		c[id] = maps.Clone(syms)
	}
	return c
}

var seqField = []byte(`"seq":`)

// parseSeq reads the top-level "seq" of a trade or quote value. Values
// ticklake produces end with it ({..., "seq":42}), which is read backwards
// from the end; any other layout is searched for.
func parseSeq(v []byte) (int64, bool) {
	i := len(v) - 1
	for i >= 0 && (v[i] == ' ' || v[i] == '\n' || v[i] == '\r' || v[i] == '\t') {
		i--
	}
	if i < 0 || v[i] != '}' {
		return 0, false
	}
	end := i
	i--
	var n, mul int64 = 0, 1
	for i >= 0 && v[i] >= '0' && v[i] <= '9' && end-i <= 18 { // 18 digits cannot overflow
		n += int64(v[i]-'0') * mul
		mul *= 10
		i--
	}
	if i+1 == end || i >= 0 && v[i] >= '0' && v[i] <= '9' {
		return searchSeq(v) // no digits, or too many for the fast path
	}
	if i >= 0 && v[i] == '-' {
		n = -n
		i--
	}
	if i >= len(seqField)-1 && bytes.Equal(v[i-len(seqField)+1:i+1], seqField) {
		return n, true
	}
	return searchSeq(v)
}

// searchSeq finds "seq": anywhere in v and parses the integer after it.
func searchSeq(v []byte) (int64, bool) {
	at := bytes.Index(v, seqField)
	if at < 0 {
		return 0, false
	}
	rest := bytes.TrimLeft(v[at+len(seqField):], " \t\r\n")
	n := 0
	for n < len(rest) && (rest[n] >= '0' && rest[n] <= '9' || n == 0 && rest[n] == '-') {
		n++
	}
	return parseInt(rest[:n])
}

// parseInt parses a decimal int64, without allocating.
func parseInt(b []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// gap notes a record whose seq skips ahead of the last one written for its
// symbol and producer (records lost upstream, or a producer that skips), and
// logs the first of each partition. The record is kept; consumePartition
// adds the partition's gaps to the counters once per poll. The caller holds
// s.mu.
func (s *Sink) gap(pb *partBuf, r *kgo.Record, sc seqCheck) {
	pb.gaps++
	if !pb.gapLogged {
		pb.gapLogged = true
		s.log.Warn("sink: sequence gap: a symbol's seq skips ahead; the record is kept (logged once per partition, counted in ticklake_sink_sequence_gaps_total)",
			"topic", r.Topic, "partition", r.Partition, "offset", r.Offset, "symbol", string(r.Key),
			"producer", r.ProducerID, "last_seq", sc.prev, "seq", sc.seq)
	}
}

// countGaps adds the gaps a partition noted to the counters. The caller
// holds s.mu.
func (s *Sink) countGaps(pb *partBuf) {
	if pb.gaps == 0 {
		return
	}
	n := pb.gaps
	pb.gaps = 0
	s.count(pb.topic, func(ts *TopicStats) { ts.SequenceGaps += n })
	s.met.gaps.WithLabelValues(pb.topic).Add(float64(n))
}
