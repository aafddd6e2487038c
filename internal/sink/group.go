package sink

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kgo"
)

// onAssigned records newly assigned partitions; their buffers are made on
// the first record.
func (s *Sink) onAssigned(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.joined = true
	for topic, parts := range assigned {
		for _, p := range parts {
			s.assigned[partKey{topic, p}] = true
		}
	}
	s.log.Info("sink: partitions assigned", "partitions", assigned)
}

// onRevoked writes and commits what the sink holds for the revoked
// partitions before they go to another member, so that member starts where
// this one stopped.
func (s *Sink) onRevoked(ctx context.Context, _ *kgo.Client, revoked map[string][]int32) {
	fctx, cancel := s.ioContext(ctx)
	defer cancel()
	s.mu.Lock()
	bufs := s.release(revoked)
	err := s.flush(fctx, bufs)
	for _, pb := range bufs {
		s.buffered -= pb.bytes // what a failed flush left: the next owner replays it
	}
	s.mu.Unlock()
	s.announce(fctx)
	if err != nil {
		s.log.Error("sink: flushing revoked partitions failed; their next owner replays them", "err", err)
	}
	if len(revoked) > 0 {
		s.log.Info("sink: partitions revoked", "partitions", revoked)
	}
}

// onLost drops the buffers of partitions that already belong to another
// member: committing for them could skip records the new owner has not seen.
func (s *Sink) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows int
	for _, pb := range s.release(lost) {
		s.buffered -= pb.bytes
		if pb.table != nil {
			rows += pb.table.rows()
		}
	}
	s.log.Warn("sink: partitions lost; dropping their buffered rows, the new owner replays them",
		"partitions", lost, "rows", rows)
}

// release forgets partitions and returns their buffers; the caller holds s.mu.
func (s *Sink) release(parts map[string][]int32) []*partBuf {
	var bufs []*partBuf
	for topic, ps := range parts {
		for _, p := range ps {
			pk := partKey{topic, p}
			if pb := s.bufs[pk]; pb != nil {
				bufs = append(bufs, pb)
			}
			delete(s.bufs, pk)
			delete(s.chains, pk)
			delete(s.assigned, pk)
			delete(s.lag, pk)
		}
		s.refreshLag(topic)
	}
	slices.SortFunc(bufs, func(a, b *partBuf) int { return a.compare(b) })
	return bufs
}

// ioContext bounds one flush; it outlives ctx's cancellation so that a flush
// under way when the sink is stopped still completes.
func (s *Sink) ioContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), ioTimeout)
}
