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
}

// ahead holds rows decoded ahead of add: rows[i] and errs[i] belong to
// recs[i], and next is where add looks first.
type ahead[T any] struct {
	recs []*kgo.Record
	rows []T
	errs []error
	done []bool
	next int
}

// fill decodes recs ahead of their adds, after dropping what it held.
func (a *ahead[T]) fill(enc *encoder, recs []*kgo.Record, maxBytes int, decode func(*kgo.Record) (T, error)) {
	a.drop(enc)
	a.recs = recs
	a.rows = slices.Grow(getRows[T](enc), len(recs))[:len(recs)] // zeroed: pooled rows are cleared
	a.errs = make([]error, len(recs))
	a.done = make([]bool, len(recs))
	for i, r := range recs {
		if r.Attrs.IsControl() || r.Value == nil || len(r.Value) > maxBytes {
			continue
		}
		a.rows[i], a.errs[i] = decode(r)
		a.done[i] = true
	}
}

// drop gives the rows decoded ahead back to the pools and forgets the
// poll's records.
func (a *ahead[T]) drop(enc *encoder) {
	putRows(enc, a.rows)
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
			if a.done[i] {
				return a.rows[i], a.errs[i]
			}
			break
		}
	}
	return decode(r)
}

// decoding is a poll's records being decoded ahead, one job per partition
// on every core, in the order the loop consumes the partitions: the loop
// adds a partition's rows as soon as its job is done, while the workers
// decode the next ones. A nil decoding has nothing ahead.
type decoding struct {
	tables []predecoder
	done   map[partKey]chan struct{} // closed when the partition's job is done
	wg     sync.WaitGroup
}

// wait returns once pk's records are decoded ahead, if they are.
func (d *decoding) wait(pk partKey) {
	if d == nil {
		return
	}
	if ch, ok := d.done[pk]; ok {
		<-ch
	}
}

// finish returns once every job is done: from then on the loop may touch
// any partition's table.
func (d *decoding) finish() {
	if d != nil {
		d.wg.Wait()
	}
}

// release drops the rows decoded ahead once the poll is consumed.
func (d *decoding) release() {
	if d == nil {
		return
	}
	d.finish()
	for _, t := range d.tables {
		t.release()
	}
}

// predecode starts decoding the records of a poll's partitions ahead of the
// loop, one partition at a time on each core. Each partition's table has
// its own decoder and dictionaries, which only its job touches until the
// job is done: the loop waits for a partition's job before adding its
// records, and for every job (decoding.finish) before touching another
// partition's table (relieve). The caller holds s.mu and releases the
// decoding once the poll is consumed.
func (s *Sink) predecode(fetches kgo.Fetches) *decoding {
	type job struct {
		pk   partKey
		t    predecoder
		recs []*kgo.Record
	}
	var jobs []job
	seen := make(map[partKey]bool)
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		pk := partKey{p.Topic, p.Partition}
		if len(p.Records) == 0 || seen[pk] {
			return // a partition twice in a poll: the loop decodes the second part
		}
		if t, ok := s.buffer(pk).table.(predecoder); ok {
			seen[pk] = true
			jobs = append(jobs, job{pk, t, p.Records})
		}
	})
	if len(jobs) < 2 {
		return nil // the loop decodes a single partition as fast by itself
	}
	d := &decoding{done: make(map[partKey]chan struct{}, len(jobs))}
	for _, j := range jobs {
		d.done[j.pk] = make(chan struct{})
		d.tables = append(d.tables, j.t)
	}
	var next atomic.Int64
	for range min(len(jobs), runtime.GOMAXPROCS(0)) {
		d.wg.Go(func() {
			for j := next.Add(1) - 1; j < int64(len(jobs)); j = next.Add(1) - 1 {
				jobs[j].t.predecode(jobs[j].recs, s.cfg.MaxRecordBytes)
				close(d.done[jobs[j].pk])
			}
		})
	}
	return d
}
