package sink

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
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
	err := s.flush(fctx, bufs) // their flights land first
	for _, pb := range bufs {
		s.ground(pb)           // a flight left parked
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
// Their flights are waited for: a flight that won its claim wrote its files,
// one that lost it wrote nothing.
func (s *Sink) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	if len(lost) == 0 {
		return // a failed join: nothing was held
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows int
	for _, pb := range s.release(lost) {
		s.ground(pb) // its flight may still claim: the claim decides, never a commit
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

// groupRefusal turns an error of the group session that retrying cannot
// cure (the broker refusing the session timeout, the instance id or the
// group itself) into one line naming the fix; other errors are nil, and
// the client retries them.
func (s *Sink) groupRefusal(err error) error {
	var gs *kgo.ErrGroupSession
	if !errors.As(err, &gs) {
		return nil
	}
	switch {
	case errors.Is(err, kerr.InvalidSessionTimeout):
		return fmt.Errorf("sink: the broker refuses the group session timeout %v (%w); pass --session-timeout within the broker's group.min.session.timeout.ms and group.max.session.timeout.ms (Kafka's defaults: 6s to 30m)",
			s.cfg.SessionTimeout, kerr.InvalidSessionTimeout)
	case errors.Is(err, kerr.GroupAuthorizationFailed):
		return fmt.Errorf("sink: the broker refuses group %q to this user (%w); grant it READ on the group, or pass a --group it may use",
			s.cfg.Group, kerr.GroupAuthorizationFailed)
	case errors.Is(err, kerr.FencedInstanceID):
		return fmt.Errorf("sink: another sink joined group %q with instance id %q (%w); give each sink process its own --instance-id",
			s.cfg.Group, s.cfg.InstanceID, kerr.FencedInstanceID)
	case errors.Is(err, kerr.InvalidGroupID):
		return fmt.Errorf("sink: the broker refuses the group name %q (%w); pass another --group", s.cfg.Group, kerr.InvalidGroupID)
	}
	return nil
}
