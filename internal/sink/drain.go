package sink

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// drainRequest asks the loop to consume every assigned partition up to the
// end offsets snapshotted when the loop took the request, then flush, commit
// and stop.
type drainRequest struct {
	ctx    context.Context
	starts map[partKey]int64 // log start offsets: the position before any commit
	ends   map[partKey]int64 // nil until snapshotted
	done   chan error
	over   bool
	all    bool // every partition must be this sink's before it is reached
}

func newDrainRequest(ctx context.Context) *drainRequest {
	return &drainRequest{ctx: ctx, done: make(chan error, 1)}
}

// finish answers the request once.
func (d *drainRequest) finish(err error) {
	if !d.over {
		d.over = true
		d.done <- err
	}
}

// Drain makes a running sink consume every assigned partition up to its
// current end offset, write and commit everything, and stop: Run then
// returns nil. Drain returns once that is done and OnFiles has been told,
// or when ctx expires. Partitions assigned to other members of the group are
// theirs to drain.
func (s *Sink) Drain(ctx context.Context) error {
	return s.drain(newDrainRequest(ctx))
}

// DrainAll is Drain for a sink that is meant to be its group's only member,
// as in `ticklake up`: it is reached only once every partition of the
// consumed topics is assigned to this sink and consumed to its end offset.
// Right after a restart a member of the previous run may still hold some
// partitions, and the assignment that hands them over reaches this sink a
// little after the group reports it as the only member; draining what is
// assigned at that moment would leave their records in Kafka.
func (s *Sink) DrainAll(ctx context.Context) error {
	d := newDrainRequest(ctx)
	d.all = true
	return s.drain(d)
}

func (s *Sink) drain(d *drainRequest) error {
	ctx := d.ctx
	select {
	case s.drainCh <- d:
	case <-s.done:
		return errors.New("sink: Drain called when Run is not running; call it while Run runs")
	case <-ctx.Done():
		return fmt.Errorf("sink: waiting for Run to take the drain: %w", ctx.Err())
	}
	select {
	case err := <-d.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("sink: draining: %w", ctx.Err())
	}
}

// acceptDrains takes new drain requests and snapshots their end offsets.
func (s *Sink) acceptDrains(ctx context.Context) {
	for more := true; more; {
		select {
		case d := <-s.drainCh:
			s.drains = append(s.drains, d)
		default:
			more = false
		}
	}
	for _, d := range s.drains {
		if d.ends == nil && !d.over {
			if err := s.snapshot(d); err != nil {
				d.finish(err)
			}
		}
	}
}

// snapshot lists the start and end offsets of every consumed topic.
func (s *Sink) snapshot(d *drainRequest) error {
	adm := kadm.NewClient(s.client) // not closed: that would close s.client
	starts, err := adm.ListStartOffsets(d.ctx, s.cfg.Topics...)
	if err != nil {
		return fmt.Errorf("sink: listing start offsets to drain: %w", err)
	}
	ends, err := adm.ListEndOffsets(d.ctx, s.cfg.Topics...)
	if err != nil {
		return fmt.Errorf("sink: listing end offsets to drain: %w", err)
	}
	if d.starts, err = offsetsOf(starts); err != nil {
		return err
	}
	d.ends, err = offsetsOf(ends)
	return err
}

// offsetsOf flattens listed offsets; a topic that does not exist has nothing
// to drain.
func offsetsOf(listed kadm.ListedOffsets) (map[partKey]int64, error) {
	out := make(map[partKey]int64)
	var errs []error
	listed.Each(func(o kadm.ListedOffset) {
		switch {
		case errors.Is(o.Err, kerr.UnknownTopicOrPartition):
		case o.Err != nil:
			errs = append(errs, fmt.Errorf("sink: listing offsets of %s partition %d: %w", o.Topic, o.Partition, o.Err))
		default:
			out[partKey{o.Topic, o.Partition}] = o.Offset
		}
	})
	return out, errors.Join(errs...)
}

// launchDrained sends on a flight the range of every partition a drain has
// consumed to its end offset, so that its files are encoded and written
// while the other partitions are still read, instead of all at the end. The
// drain's final flush lands them. The caller holds s.mu.
func (s *Sink) launchDrained(ctx context.Context) {
	for _, d := range s.drains {
		if d.over || d.ends == nil {
			continue
		}
		for pk, end := range d.ends {
			if pb := s.bufs[pk]; pb != nil && s.assigned[pk] && pb.to >= end && s.flies(pb) {
				s.launch(ctx, pb)
			}
		}
	}
}

// checkDrains flushes everything when a drain request has been reached and
// returns the requests that are complete; the loop answers them once OnFiles
// has been told. The caller holds s.mu.
func (s *Sink) checkDrains(ctx context.Context, committed map[string]map[int32]kgo.EpochOffset) ([]*drainRequest, error) {
	var ready, waiting []*drainRequest
	for _, d := range s.drains {
		switch {
		case d.over:
		case d.ctx.Err() != nil:
			d.finish(fmt.Errorf("sink: draining: %w", d.ctx.Err()))
		case d.ends != nil && s.reached(d, committed):
			ready = append(ready, d)
		default:
			waiting = append(waiting, d)
		}
	}
	s.drains = waiting
	if len(ready) == 0 {
		return nil, nil
	}
	return ready, s.flush(ctx, s.allBufs())
}

// reached reports whether every assigned partition has been consumed up to
// the request's end offsets. A partition the sink has read nothing from is
// at its committed offset, or at the log start when nothing was committed.
func (s *Sink) reached(d *drainRequest, committed map[string]map[int32]kgo.EpochOffset) bool {
	if !s.joined {
		return false
	}
	if d.all {
		for pk := range d.ends {
			if !s.assigned[pk] {
				return false
			}
		}
	}
	for pk := range s.assigned {
		end, ok := d.ends[pk]
		if !ok {
			continue
		}
		pos := d.starts[pk]
		if c, ok := committed[pk.topic][pk.part]; ok {
			pos = max(pos, c.Offset)
		}
		if ch, ok := s.chains[pk]; ok && ch.found {
			pos = max(pos, ch.resume())
		}
		if pb := s.bufs[pk]; pb != nil {
			pos = max(pos, pb.to)
		}
		if pos < end {
			return false
		}
	}
	return true
}
