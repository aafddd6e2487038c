package sink

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// encodedRange is the files of a partition's next flush range, encoded for
// the marker m (the range's claim, or the claim about to be made).
type encodedRange struct {
	m     *marker
	files []rangeFile
	err   error
}

// encodeNext encodes pb's next range to write. The caller holds s.mu.
func (s *Sink) encodeNext(pb *partBuf) *encodedRange {
	m := pb.claimed
	if m == nil {
		m = s.newMarker(pb)
	}
	files, err := s.encodeRange(pb, *m)
	return &encodedRange{m: m, files: files, err: err}
}

// newMarker is the claim of pb's range as it stands, with the ids of this
// cluster and topic: every row's _ingest_time is its Time. The caller holds
// s.mu.
func (s *Sink) newMarker(pb *partBuf) *marker {
	return &marker{
		From: pb.from, To: pb.to, Time: time.Now().UTC().Truncate(time.Microsecond),
		ClusterID: s.claims.clusterID, TopicID: s.claims.topicIDs[pb.topic], Writer: s.claims.writer,
	}
}

// encodeRanges encodes the ranges a flush of bufs writes on every core at
// once, before the flush claims and stores them one by one; entry i is nil
// when bufs[i] writes nothing or there is a single range to write (the
// flush then encodes it itself). Encoding reads only the partition's own
// buffer and the sink's identifiers, which nothing changes while the caller
// holds s.mu, and yields the same bytes on any goroutine.
func (s *Sink) encodeRanges(bufs []*partBuf) []*encodedRange {
	var todo []int
	for i, pb := range bufs {
		if pb.writable() {
			todo = append(todo, i)
		}
	}
	if len(todo) < 2 {
		return make([]*encodedRange, len(bufs))
	}
	out := make([]*encodedRange, len(bufs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(len(todo), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for j := next.Add(1) - 1; j < int64(len(todo)); j = next.Add(1) - 1 {
				i := todo[j]
				out[i] = s.encodeNext(bufs[i])
			}
		})
	}
	wg.Wait()
	return out
}
