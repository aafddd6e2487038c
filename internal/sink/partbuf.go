package sink

import (
	"cmp"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// partBuf is what the sink holds for one assigned partition: the records of
// the flush range [from, to) consumed since the last write. Records without
// rows (control records) still extend the range.
type partBuf struct {
	partKey
	table     table       // nil when the topic has no schema yet
	bad       []badRecord // refused records of the range
	from, to  int64       // -1 until known: the chain end or the first record
	bytes     int64       // buffered value bytes
	produced  []int64     // produce times (Unix ns) of the buffered records sampled for freshness
	pending   []marker    // claimed ranges to reproduce before claiming anew
	claimed   *marker     // the current range's claim, while its files are written
	flight    *flight     // the previous range, encoded and written on its own goroutine
	seek      bool        // set when the consumer must seek: the rest of this poll is stale
	committed int64       // -1 until the sink commits for this partition
	epoch     int32       // leader epoch of the last record, for the commit
	seqs      *dedupe     // the de-duplication state at to; nil when the topic has no seq
	gapLogged bool        // a seq gap was logged for this partition
	dupLogged bool        // a duplicate was logged for this partition
	gaps      int64       // seq gaps not yet added to the counters
	ahead     predecoder  // the table, while the loop consumes a poll it may have read ahead
}

// readAhead is what the loop needs of r besides its row: read ahead when
// the table did, else its produce time now when sampled, and its seq when
// asked for.
func (pb *partBuf) readAhead(r *kgo.Record, sampled bool) recAhead {
	if pb.ahead != nil {
		if ra, ok := pb.ahead.peek(r); ok {
			return ra
		}
	}
	var ra recAhead
	if sampled {
		ra.at, ra.hasAt = producedAt(r)
	}
	return ra
}

// Freshness is measured on a sample of each range's records: all of the
// first freshSampleAll, then one in freshSampleEvery by offset, which
// counts for freshSampleEvery records (freshness.observeSample). Reading
// every record's produce-time header costs the loop several cache misses
// a record (kgo allocates the header slice and each key apart): about a
// tenth of its time at full speed. A quiet partition's ranges are measured
// whole; a busy one's sample is thousands of records a flush.
const (
	freshSampleAll   = 64
	freshSampleEvery = 32
)

// samples reports whether r's produce time joins the freshness sample.
func (pb *partBuf) samples(r *kgo.Record) bool {
	return len(pb.produced) < freshSampleAll || r.Offset%freshSampleEvery == 0
}

func newPartBuf(pk partKey, t table, ch chain) *partBuf {
	pb := &partBuf{partKey: pk, table: t, from: -1, to: -1, committed: -1, epoch: -1}
	if ch.found {
		pb.from, pb.to, pb.pending = ch.resume(), ch.resume(), ch.pending
	}
	if dedupes(pk.topic) {
		pb.seqs = newDedupe(ch.seqs)
	}
	return pb
}

// resync moves the partition to a chain's resume point with its state.
func (pb *partBuf) resync(ch chain) {
	pb.from, pb.to, pb.pending = ch.resume(), ch.resume(), ch.pending
	if pb.seqs != nil {
		pb.seqs = newDedupe(ch.seqs)
	}
}

// deduping reports whether the record at pb.to is checked for duplicates:
// the topic has seq, and the range is not a claimed one written without
// de-duplication (by an older sink), which must be reproduced as it was.
func (pb *partBuf) deduping() bool {
	return pb.seqs != nil && (len(pb.pending) == 0 || pb.pending[0].Seqs != nil)
}

// advance extends the flush range over r.
func (pb *partBuf) advance(r *kgo.Record) {
	if pb.from < 0 {
		pb.from = r.Offset
	}
	pb.to = r.Offset + 1
	pb.epoch = r.LeaderEpoch
}

// held reports whether the range holds anything to write.
func (pb *partBuf) held() bool {
	return len(pb.bad) > 0 || (pb.table != nil && pb.table.rows() > 0)
}

// replaying reports whether the range is a claimed one being reproduced: it
// must end exactly where its marker says, so size and time flushes skip it.
func (pb *partBuf) replaying() bool { return len(pb.pending) > 0 }

// writable reports whether a flush writes the range now: it holds
// something, is not being reproduced, and no flight of the partition is
// still to land (the claims of a partition are made in offset order).
func (pb *partBuf) writable() bool {
	return pb.flight == nil && !pb.replaying() && pb.held()
}

// commitOffset is the offset Kafka may hold for the partition: the end of
// what is in the lake.
func (pb *partBuf) commitOffset() int64 {
	if pb.flight != nil {
		return pb.flight.rng.from
	}
	if pb.held() || pb.replaying() {
		return pb.from
	}
	return pb.to
}

// clear empties the range once its files are in the lake (or abandoned).
func (pb *partBuf) clear() {
	if pb.table != nil {
		pb.table.reset()
	}
	pb.bad, pb.produced, pb.bytes, pb.claimed = nil, pb.produced[:0], 0, nil
	pb.from = pb.to
}

// detach takes the range out of the buffer, its rows in table t (the
// buffer's table detached), and starts the next range where it ends.
func (pb *partBuf) detach(t table) *partBuf {
	rng := &partBuf{partKey: pb.partKey, table: t, bad: pb.bad, from: pb.from, to: pb.to,
		bytes: pb.bytes, produced: pb.produced, committed: -1, epoch: pb.epoch}
	pb.bad, pb.produced, pb.bytes = nil, nil, 0
	pb.from = pb.to
	return rng
}

func (pb *partBuf) compare(o *partBuf) int {
	return cmp.Or(strings.Compare(pb.topic, o.topic), cmp.Compare(pb.part, o.part))
}
