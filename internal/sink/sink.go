// Package sink consumes ticklake's Kafka topics as a consumer group and
// writes them into the lake as zstd Parquet files, in the layout the lake
// package defines: one file per Kafka partition, offset range and hourly
// partition of the record timestamp.
//
// Offsets are committed only after the files holding their records are in
// the lake, so a crash replays records rather than losing them. The sink
// knows no catalog and no query engine: the pipeline learns about new files
// through Config.OnFiles.
package sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
)

// ioTimeout bounds one flush (writing files and committing) and the final
// flush on shutdown, which runs after Run's context is done.
const ioTimeout = time.Minute

// maxPollWait is the longest the loop waits in a poll before it checks its
// flush clock and drain requests again.
const maxPollWait = 200 * time.Millisecond

// File describes one data file the sink put in the lake.
type File struct {
	Key         string
	Table       string
	Topic       string
	Partition   int32
	Rows        int64
	Bytes       int64
	FirstOffset int64
	LastOffset  int64
}

// Sink is a Kafka consumer-group member writing Parquet files into a lake.
// Make one with New, then call Run once.
type Sink struct {
	cfg        Config
	store      lake.Store
	log        *slog.Logger
	met        *metrics
	clientOpts []kgo.Opt

	started atomic.Bool
	client  *kgo.Client        // set by Run before the loop starts
	drainCh chan *drainRequest // Drain → loop
	done    chan struct{}      // closed when Run returns
	drains  []*drainRequest    // owned by the loop
	nextAt  time.Time          // owned by the loop: the next timed flush

	mu       sync.Mutex // the loop and the group callbacks share the state below
	bufs     map[partKey]*partBuf
	assigned map[partKey]bool
	joined   bool
	lag      map[partKey]int64
	stats    map[string]TopicStats
	skipped  map[string]bool // topics without a table, already logged
	unsent   []File          // written files not yet passed to OnFiles
}

// partKey names one Kafka partition.
type partKey struct {
	topic string
	part  int32
}

// New validates cfg and prepares a sink; the Kafka client is made by Run.
// clientOpts carry the seed brokers and the like; the sink adds the consumer
// group options itself. A nil logger discards logs, a nil reg registers no
// metrics.
func New(cfg Config, store lake.Store, clientOpts []kgo.Opt, logger *slog.Logger, reg prometheus.Registerer) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("sink: nil lake store; open one with lake.Open")
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	met, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	s := &Sink{
		cfg: cfg, store: store, log: logger.With("component", "sink"), met: met,
		drainCh:  make(chan *drainRequest),
		done:     make(chan struct{}),
		bufs:     make(map[partKey]*partBuf),
		assigned: make(map[partKey]bool),
		lag:      make(map[partKey]int64),
		stats:    make(map[string]TopicStats),
		skipped:  make(map[string]bool),
	}
	s.clientOpts = append(slices.Clone(clientOpts),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topics...),
		kgo.DisableAutoCommit(),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Control records (transaction markers) take offsets too; seeing them
		// lets a drain tell when it has reached the high watermark.
		kgo.KeepControlRecords(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(s.onAssigned),
		kgo.OnPartitionsRevoked(s.onRevoked),
		kgo.OnPartitionsLost(s.onLost),
	)
	return s, nil
}

// Run consumes until ctx is cancelled or a drain completes. On return every
// consumed record is in a file and its offset committed (unless writing
// failed, which Run reports), and the client has left the group.
func (s *Sink) Run(ctx context.Context) (err error) {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("sink: Run called twice; make a new Sink with New")
	}
	defer close(s.done)
	cl, err := kgo.NewClient(s.clientOpts...)
	if err != nil {
		return fmt.Errorf("sink: creating the Kafka client: %w", err)
	}
	s.client = cl
	defer func() { err = errors.Join(err, s.shutdown(ctx)) }()
	if s.cfg.Drain {
		s.drains = append(s.drains, newDrainRequest(ctx))
	}
	s.log.Info("sink: consuming", "group", s.cfg.Group, "topics", s.cfg.Topics)
	return s.loop(ctx)
}

// shutdown flushes and commits what is buffered, then leaves the group.
func (s *Sink) shutdown(ctx context.Context) error {
	fctx, cancel := s.ioContext(ctx)
	defer cancel()
	s.mu.Lock()
	err := s.flush(fctx, s.allBufs())
	s.mu.Unlock()
	s.announce(fctx)
	for _, d := range s.drains {
		d.finish(errors.New("sink: stopped before the drain finished"))
	}
	s.client.CloseAllowingRebalance()
	if err != nil {
		return fmt.Errorf("sink: final flush: %w", err)
	}
	s.log.Info("sink: stopped", "group", s.cfg.Group)
	return nil
}

// loop polls, buffers and flushes until ctx is done or a drain completes.
func (s *Sink) loop(ctx context.Context) error {
	s.nextAt = time.Now().Add(s.cfg.FlushInterval)
	for ctx.Err() == nil {
		s.acceptDrains(ctx)
		fetches, err := s.poll(ctx)
		if err != nil {
			return err
		}
		ready, err := s.handle(ctx, fetches)
		s.client.AllowRebalance()
		s.announce(ctx)
		if len(ready) > 0 {
			for _, d := range ready {
				d.finish(err)
			}
			s.log.Info("sink: drained", "group", s.cfg.Group)
			return err
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// poll waits for records, at most until the next timed flush.
func (s *Sink) poll(ctx context.Context) (kgo.Fetches, error) {
	wait := min(time.Until(s.nextAt), maxPollWait)
	pctx, cancel := context.WithTimeout(ctx, max(wait, time.Millisecond))
	defer cancel()
	fetches := s.client.PollFetches(pctx)
	var fatal error
	fetches.EachError(func(topic string, part int32, err error) {
		switch {
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		case errors.Is(err, kgo.ErrClientClosed):
			fatal = fmt.Errorf("sink: polling: %w", err)
		default:
			s.log.Warn("sink: fetch error; the client retries", "topic", topic, "partition", part, "err", err)
		}
	})
	return fetches, fatal
}

// handle buffers one poll's records and runs the flushes that are due. It
// returns the drain requests that are complete.
func (s *Sink) handle(ctx context.Context, fetches kgo.Fetches) ([]*drainRequest, error) {
	var committed map[string]map[int32]kgo.EpochOffset
	if len(s.drains) > 0 {
		committed = s.client.CommittedOffsets() // outside s.mu: it takes the group's lock
	}
	fctx, cancel := s.ioContext(ctx)
	defer cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	var errs []error
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		errs = append(errs, s.consumePartition(fctx, p, now))
	})
	if err := s.loopError(errors.Join(errs...)); err != nil {
		return nil, err
	}
	if !now.Before(s.nextAt) {
		s.nextAt = now.Add(s.cfg.FlushInterval)
		if err := s.loopError(s.flush(fctx, s.allBufs())); err != nil {
			return nil, err
		}
	}
	return s.checkDrains(fctx, committed)
}

// loopError keeps the loop going after a failed commit: the files are in the
// lake, and the next commit covers the offsets.
func (s *Sink) loopError(err error) error {
	var ce *commitError
	if errors.As(err, &ce) {
		s.log.Warn("sink: commit failed; the next flush commits again", "err", err)
		return nil
	}
	return err
}

// consumePartition buffers one partition's fetched records; the caller holds
// s.mu.
func (s *Sink) consumePartition(ctx context.Context, p kgo.FetchTopicPartition, now time.Time) error {
	if len(p.Records) == 0 {
		return nil
	}
	pk := partKey{p.Topic, p.Partition}
	pb := s.buffer(pk)
	var errs []error
	var consumed int64
	for _, r := range p.Records {
		pb.advance(r)
		if r.Attrs.IsControl() {
			continue
		}
		consumed++
		errs = append(errs, s.consumeRecord(ctx, pb, r, now))
	}
	s.count(pk.topic, func(ts *TopicStats) { ts.Consumed += consumed })
	s.met.consumed.WithLabelValues(pk.topic).Add(float64(consumed))
	s.setLag(pk, max(p.HighWatermark-pb.to, 0))
	return errors.Join(errs...)
}

// consumeRecord adds one record to its partition's buffer, flushing the
// partition when the buffer is full.
func (s *Sink) consumeRecord(ctx context.Context, pb *partBuf, r *kgo.Record, now time.Time) error {
	if pb.table == nil {
		if !s.skipped[r.Topic] {
			s.skipped[r.Topic] = true
			s.log.Warn("sink: topic has no table schema yet; skipping its records", "topic", r.Topic)
		}
		return nil
	}
	if err := pb.table.add(r, now); err != nil {
		s.deadLetter(ctx, r, err)
		return nil
	}
	if pb.table.rows() >= s.cfg.FlushRows {
		return s.flush(ctx, []*partBuf{pb})
	}
	return nil
}

// buffer returns the buffer of a partition, making it on first use; the
// caller holds s.mu.
func (s *Sink) buffer(pk partKey) *partBuf {
	pb := s.bufs[pk]
	if pb == nil {
		pb = newPartBuf(pk, newTable(pk.topic))
		s.bufs[pk] = pb
	}
	return pb
}

// allBufs lists every partition buffer in a stable order; the caller holds
// s.mu.
func (s *Sink) allBufs() []*partBuf {
	bufs := make([]*partBuf, 0, len(s.bufs))
	for _, pb := range s.bufs {
		bufs = append(bufs, pb)
	}
	slices.SortFunc(bufs, func(a, b *partBuf) int { return a.compare(b) })
	return bufs
}
