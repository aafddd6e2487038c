package sink

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A flight is a partition's flush range taken out of its buffer (detached)
// and encoded, claimed and written on a goroutine of its own while the loop
// goes on polling, decoding and buffering the partition's next range: on
// two cores the loop no longer waits while ranges are encoded and fsynced.
//
// Exactly-once is the synchronous flush's, step for step. The range, its
// marker (time, ids, de-duplication state at its end) and so its files are
// fixed when it is detached; the flight encodes, claims with a
// create-if-absent marker (losing it, the partition is resynced when the
// flight lands), stores the files and moves the head. A partition has at
// most one flight, and nothing of it is claimed before its flight has
// landed, so its claims stay in offset order, each range starting where the
// previous ended. Offsets are committed only for landed flights: until then
// the partition's commit offset is the flight's start. A flight that
// failed stays parked, its bytes counted, until a flush retries it; the
// partition's next range waits behind it. Flights touch nothing the sink's
// lock guards; the goroutines holding the lock land them (the loop, a
// flush, the group callbacks), and every path that gives a partition up
// (revoked, lost, re-assigned, shutdown) waits for its flight first.
type flight struct {
	rng   *partBuf      // the detached range: rows, bad records, produce times, bytes
	m     marker        // its claim, files filled in once encoded
	start time.Time     // when it was detached
	done  chan struct{} // closed when the goroutine is through with the fields below
	// Results, the loop's once done is closed.
	encoded bool
	freed   int64 // once encoded, the range's bytes less its files': its rows are back in the pool
	files   []rangeFile
	claimed bool
	written []File
	lost    bool  // another sink claimed the range
	err     error // a *writeError (retried), or an encoding error (fatal)
	parked  bool  // err was reported; a flush retries the flight
}

// running reports whether the flight's goroutine is still at work.
func (f *flight) running() bool {
	select {
	case <-f.done:
		return false
	default:
		return true
	}
}

// flies reports whether pb's range can be written by a flight now. The
// caller holds s.mu.
func (s *Sink) flies(pb *partBuf) bool {
	_, ok := pb.table.(detacher)
	return ok && pb.writable() && pb.claimed == nil
}

// launch detaches pb's range and starts its flight; flies(pb) must hold.
// The caller holds s.mu.
func (s *Sink) launch(ctx context.Context, pb *partBuf) {
	m := s.newMarker(pb)
	if pb.seqs != nil {
		// The state at the range's end goes into its marker, and the live
		// state goes on from there, as a sink rewriting the next range
		// would start from the marker.
		m.Seqs = pb.seqs.state(m.To)
		pb.seqs.evict(m.To)
	}
	f := &flight{rng: pb.detach(pb.table.(detacher).detach()), m: *m, start: time.Now(), done: make(chan struct{})}
	pb.flight = f
	s.flying += f.rng.bytes
	s.flights = append(s.flights, pb)
	fctx, cancel := s.ioContext(ctx)
	go func() {
		defer close(f.done)
		defer cancel()
		s.fly(fctx, f)
	}()
}

// fly does a flight's work, or what is left of it after a failure: encode,
// claim, store the files and move the head. It reads nothing the sink's
// lock guards.
func (s *Sink) fly(ctx context.Context, f *flight) {
	f.err = nil
	if !f.encoded {
		files, err := s.encodeRange(f.rng, f.m)
		if err != nil {
			f.err = err
			return
		}
		f.rng.table.reset() // the rows are in the files: their chunks go back to the pool
		f.files, f.encoded = files, true
		var size int64
		for _, file := range files {
			f.m.Files = append(f.m.Files, file.key)
			size += int64(len(file.data))
		}
		f.freed = f.rng.bytes - size
		s.released.Add(f.freed)
	}
	if !f.claimed {
		err := s.claims.create(ctx, f.rng.topic, f.rng.part, f.m)
		if errors.Is(err, errClaimLost) {
			f.lost = true
			return
		}
		if err != nil {
			f.err = &writeError{fmt.Errorf("sink: %w", err)}
			return
		}
		f.claimed = true
	}
	f.written, f.err = s.storeRange(ctx, f.rng.partKey, f.m, f.files)
}

// land takes the result of pb's finished flight: its files and records are
// counted and the partition's commit offset moves past it; a lost claim
// resyncs the partition; a failure parks the flight and is returned once.
// The caller holds s.mu.
func (s *Sink) land(ctx context.Context, pb *partBuf) error {
	f := pb.flight
	s.relieveAt = 0
	switch {
	case f.lost:
		s.unfly(pb)
		s.buffered -= f.rng.bytes
		return s.lostClaim(ctx, pb)
	case f.err != nil:
		if f.parked {
			return nil
		}
		f.parked = true
		return f.err
	}
	s.unfly(pb)
	s.account(f.rng, f.written)
	s.met.flush.Observe(time.Since(f.start).Seconds())
	s.landed = append(s.landed, pb)
	return nil
}

// held is the memory the buffers and flights hold: the buffered bytes,
// less what flights have encoded and let go of (they hold only their files
// until they land). MaxBufferBytes bounds it. The caller holds s.mu.
func (s *Sink) held() int64 {
	return s.buffered - s.released.Load()
}

// unfly forgets pb's flight. The caller holds s.mu.
func (s *Sink) unfly(pb *partBuf) {
	s.flying -= pb.flight.rng.bytes
	s.released.Add(-pb.flight.freed)
	s.flights = slices.DeleteFunc(s.flights, func(o *partBuf) bool { return o == pb })
	pb.flight = nil
}

// settle waits for pb's flight, retries it once if it was parked, and
// lands it. The caller holds s.mu.
func (s *Sink) settle(ctx context.Context, pb *partBuf) error {
	f := pb.flight
	<-f.done
	if f.parked {
		f.parked = false
		s.fly(ctx, f)
	}
	return s.land(ctx, pb)
}

// landFinished lands the flights that are through, without waiting. The
// caller holds s.mu.
func (s *Sink) landFinished(ctx context.Context) error {
	var errs []error
	for _, pb := range slices.Clone(s.flights) {
		if f := pb.flight; !f.running() && !f.parked {
			errs = append(errs, s.land(ctx, pb))
		}
	}
	return errors.Join(errs...)
}

// landOldest waits for the oldest flight still running and lands it; it
// reports false when none runs. The caller holds s.mu.
func (s *Sink) landOldest(ctx context.Context) (bool, error) {
	for _, pb := range s.flights {
		if pb.flight.running() {
			<-pb.flight.done
			return true, s.land(ctx, pb)
		}
	}
	return false, nil
}

// ground waits for the flight of a partition the sink gives up, counts its
// files if it wrote them, and forgets it, without committing or resyncing:
// the partition is another member's now. The caller holds s.mu.
func (s *Sink) ground(pb *partBuf) {
	f := pb.flight
	if f == nil {
		return
	}
	<-f.done
	s.unfly(pb)
	if f.err == nil && !f.lost {
		s.account(f.rng, f.written)
		return
	}
	s.buffered -= f.rng.bytes
}

// commitLanded commits the partitions whose flights landed since the last
// call, those the sink still holds, without waiting for Kafka's answer:
// the loop goes on consuming while the commit travels, and a later call
// takes the answer. One commit travels at a time; partitions that land
// meanwhile wait for the next. A commit only moves the group's offsets
// (a partition resumes at the end of its claim chain, not at its committed
// offset), so a slow or failed one loses nothing: the next covers the same
// offsets. The caller holds s.mu.
func (s *Sink) commitLanded(ctx context.Context) error {
	err := s.answered()
	if s.inflight != nil {
		return err
	}
	var toCommit []*partBuf
	for _, pb := range s.landed {
		if s.bufs[pb.partKey] == pb && !slices.Contains(toCommit, pb) {
			if off := pb.commitOffset(); off >= 0 && off > pb.committed {
				toCommit = append(toCommit, pb)
			}
		}
	}
	s.landed = s.landed[:0]
	if len(toCommit) > 0 {
		s.commitAsync(ctx, toCommit)
	}
	return err
}

// asyncCommit is a commit on its way: err is set before done is closed.
type asyncCommit struct {
	bufs    []*partBuf
	offsets map[string]map[int32]kgo.EpochOffset
	done    chan struct{}
	err     error
}

// commitAsync sends the commit of bufs' offsets and returns at once. The
// caller holds s.mu.
func (s *Sink) commitAsync(ctx context.Context, bufs []*partBuf) {
	c := &asyncCommit{bufs: bufs, offsets: commitOffsets(bufs), done: make(chan struct{})}
	cctx, cancel := s.ioContext(ctx)
	s.inflight = c
	s.client.CommitOffsets(cctx, c.offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		c.err = commitResult(resp, err)
		cancel()
		close(c.done)
	})
}

// answered takes the answer to the commit on its way, if it has come: the
// partitions are committed, or, when it failed, go back to wait for the
// next commit. The caller holds s.mu.
func (s *Sink) answered() error {
	c := s.inflight
	if c == nil {
		return nil
	}
	select {
	case <-c.done:
	default:
		return nil
	}
	s.inflight = nil
	if c.err != nil {
		s.met.errors.WithLabelValues("commit").Inc()
		s.landed = append(s.landed, c.bufs...)
		return &commitError{c.err}
	}
	for _, pb := range c.bufs {
		pb.committed = max(pb.committed, c.offsets[pb.topic][pb.part].Offset)
	}
	return nil
}
