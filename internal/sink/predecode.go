package sink

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"
)

// predecoder is a table that can decode a poll's records before the loop
// adds them, on another goroutine: decoding is a pure function of the
// record, so doing it ahead changes nothing but the time it takes.
type predecoder interface {
	// predecode decodes recs for the adds that follow; records it skips
	// (control records, those over maxBytes) are decoded by add itself.
	predecode(recs []*kgo.Record, maxBytes int)
	// release drops what predecode kept, once the poll is consumed, so
	// that no table holds on to a poll's records.
	release()
	// peek returns what predecode read of r besides its row, if it saw r:
	// the loop asks for its records in the order predecode was given
	// them, some skipped.
	peek(r *kgo.Record) (recAhead, bool)
}

// recAhead is what the loop needs of a record besides its row, read ahead
// with the row: its produce time and its seq, and how decoding its row
// went.
type recAhead struct {
	at, seq       int64
	err           error // decoding the row failed: the record is malformed
	hasAt, hasSeq bool
	seqRead       bool // seq and hasSeq are parseSeq's; false: not read yet
	decoded       bool // the row and err are the decoding's
}

// readAhead reads what the loop needs of r besides its row.
func readAhead(r *kgo.Record) recAhead {
	var ra recAhead
	ra.at, ra.hasAt = producedAt(r)
	ra.seq, ra.hasSeq = parseSeq(r.Value)
	ra.seqRead = true
	return ra
}

// ahead holds rows decoded ahead of add: rows[i] and more[i] belong to
// recs[i]; next is where add looks first, and seen where peek does. Both
// slices come from the encoder's pools and go back to them.
type ahead[T any] struct {
	recs []*kgo.Record
	rows []T
	more []recAhead
	next int
	seen int
}

// fill decodes recs ahead of their adds, after dropping what it held.
func (a *ahead[T]) fill(enc *encoder, recs []*kgo.Record, maxBytes int, decode func(*kgo.Record) (T, error)) {
	a.drop(enc)
	a.recs = recs
	a.rows = slices.Grow(getRows[T](enc), len(recs))[:len(recs)] // zeroed: pooled rows are cleared
	a.more = slices.Grow(getRows[recAhead](enc), len(recs))[:len(recs)]
	for i, r := range recs {
		m := &a.more[i]
		*m = readAhead(r)
		if r.Attrs.IsControl() || r.Value == nil || len(r.Value) > maxBytes {
			continue
		}
		a.rows[i], m.err = decode(r)
		m.decoded = true
	}
}

// drop gives the rows decoded ahead back to the pools and forgets the
// poll's records.
func (a *ahead[T]) drop(enc *encoder) {
	putRows(enc, a.rows)
	putRows(enc, a.more)
	*a = ahead[T]{}
}

// live reports whether rows decoded ahead wait for their adds.
func (a *ahead[T]) live() bool { return a.recs != nil }

// take returns r's row, decoded ahead when fill saw r: adds come in the
// order of the records fill was given, some skipped.
func (a *ahead[T]) take(r *kgo.Record, decode func(*kgo.Record) (T, error)) (T, error) {
	for a.next < len(a.recs) {
		i := a.next
		a.next++
		if a.recs[i] == r {
			if m := &a.more[i]; m.decoded {
				return a.rows[i], m.err
			}
			break
		}
	}
	return decode(r)
}

// peek returns what fill read of r besides its row, if fill saw r.
func (a *ahead[T]) peek(r *kgo.Record) (recAhead, bool) {
	for ; a.seen < len(a.recs); a.seen++ {
		if a.recs[a.seen] == r {
			return a.more[a.seen], true
		}
	}
	return recAhead{}, false
}

// predecode decodes the records of a poll's partitions ahead of the loop,
// one partition at a time on each core. Each partition's table has its own
// decoder, so no two goroutines share one. The caller holds s.mu and calls
// release on the tables returned once the poll is consumed.
func (s *Sink) predecode(fetches kgo.Fetches) []predecoder {
	type job struct {
		t    predecoder
		recs []*kgo.Record
	}
	var jobs []job
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		if t, ok := s.buffer(partKey{p.Topic, p.Partition}).table.(predecoder); ok {
			jobs = append(jobs, job{t, p.Records})
		}
	})
	if len(jobs) < 2 {
		return nil // the loop decodes a single partition as fast by itself
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(len(jobs), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for j := next.Add(1) - 1; j < int64(len(jobs)); j = next.Add(1) - 1 {
				jobs[j].t.predecode(jobs[j].recs, s.cfg.MaxRecordBytes)
			}
		})
	}
	wg.Wait()
	tables := make([]predecoder, len(jobs))
	for i, j := range jobs {
		tables[i] = j.t
	}
	return tables
}
