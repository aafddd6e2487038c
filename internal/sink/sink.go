// Package sink consumes ticklake's Kafka topics as a consumer group and
// writes them into the lake as zstd Parquet files, in the layout the lake
// package defines: one file per Kafka partition, offset range and hourly
// partition of the record timestamp.
//
// Every record lands in exactly one file whatever fails: flush ranges are
// claimed with create-if-absent markers under _commits/ before their files
// are written, files are named and encoded from the range alone, and a sink
// resumes at the end of the chain of claims (see claim.go and docs/sink.md).
// Kafka offsets are committed after the files exist, for lag and for
// partitions the lake has no claim for. The sink knows no catalog and no
// query engine: the pipeline learns about new files through Config.OnFiles.
package sink

import (
	"cmp"
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

// rowOverhead is what a buffered record costs beyond its value's bytes: its
// decoded row and bookkeeping. The byte caps count both.
const rowOverhead = 160

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
	clientOpts []kgo.Opt // the group client's: baseOpts plus the group's
	baseOpts   []kgo.Opt // the caller's: brokers, security and the like

	started atomic.Bool
	client  *kgo.Client        // set by Run before the loop starts
	meta    *kgo.Client        // outside the group, for metadata; set by Run first
	drainCh chan *drainRequest // Drain → loop
	done    chan struct{}      // closed when Run returns
	drains  []*drainRequest    // owned by the loop
	nextAt  time.Time          // owned by the loop: the next timed flush
	backoff time.Duration      // owned by the loop: the wait before the next retry
	paused  bool               // owned by the loop: fetching paused (backpressure)
	fresh   *freshness
	enc     *encoder    // shared by the tables: codec and row pools
	pool    *recordPool // fetched records' memory, recycled after each poll

	mu        sync.Mutex // the loop and the group callbacks share the state below
	bufs      map[partKey]*partBuf
	assigned  map[partKey]bool
	joined    bool
	lag       map[partKey]int64
	stats     map[string]TopicStats
	skipped   map[string]bool // topics without a table, already logged
	unsent    []File          // written files not yet passed to OnFiles
	claims    *claims
	chains    map[partKey]chain // resolved on assignment, taken by buffer
	seeks     map[partKey]int64 // offsets the loop must seek to after a lost claim
	buffered  int64             // record bytes in all buffers and flights
	flying    int64             // record bytes in flights not landed
	released  atomic.Int64      // of flying, what encoded flights let go of (rows less files); they add it, unfly takes it back
	flights   []*partBuf        // partitions with a flight not landed, oldest first
	landed    []*partBuf        // partitions whose flights landed since the last commit
	inflight  *asyncCommit      // the commit of landed partitions on its way, if any
	relieveAt int64             // unflown bytes from which relieve tries again; 0: at once
	peak      int64             // the most buffered after a record was taken
	retries   int64
	errCount  int64
	lostCount int64
	fatal     error // a condition the loop must stop on
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
	fresh := newFreshness()
	met, err := newMetrics(reg, fresh)
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
		chains:   make(map[partKey]chain),
		seeks:    make(map[partKey]int64),
		fresh:    fresh,
		enc:      newEncoder(),
		pool:     &recordPool{},
		claims:   &claims{store: store, writer: writerName(cfg.Writer), topicIDs: make(map[string]string)},
	}
	s.baseOpts = clientOpts
	// The heartbeat goes first so that clientOpts may set their own.
	s.clientOpts = append(append([]kgo.Opt{kgo.HeartbeatInterval(heartbeatInterval(cfg.SessionTimeout))}, clientOpts...),
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
		kgo.AdjustFetchOffsetsFn(s.adjust),
		// Fetches sized for the cache (fetchMaxBytes): kgo fetches the
		// next while the loop handles one. Their size counts against the
		// memory bound next to MaxBufferBytes.
		kgo.FetchMaxBytes(fetchMaxBytes(cfg)),
		kgo.FetchMaxPartitionBytes(max(fetchMaxBytes(cfg)/4, 1<<20)),
		kgo.SessionTimeout(cfg.SessionTimeout),
		kgo.WithPools(s.pool),
		kgo.WithDecompressor(newLZ4Decompressor(s.pool)),
	)
	if cfg.InstanceID != "" {
		s.clientOpts = append(s.clientOpts, kgo.InstanceID(cfg.InstanceID))
	}
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
	// The ids are learnt through a client of their own before the group
	// client exists: no group callback can be waiting on s.mu meanwhile,
	// and adjust, which asks for a new topic's ids, never asks through the
	// client it is called from.
	meta, err := kgo.NewClient(s.baseOpts...)
	if err != nil {
		return fmt.Errorf("sink: creating the Kafka client: %w", err)
	}
	s.meta = meta
	if err := s.identify(ctx, s.cfg.Topics...); err != nil {
		meta.Close()
		if ctx.Err() != nil {
			return nil // stopped before it began: nothing consumed, nothing to write
		}
		return err
	}
	// The group callbacks use s.client under s.mu and may run before
	// NewClient returns: hold s.mu until it is set.
	s.mu.Lock()
	cl, err := kgo.NewClient(s.clientOpts...)
	if err != nil {
		s.mu.Unlock()
		meta.Close()
		return fmt.Errorf("sink: creating the Kafka client: %w", err)
	}
	s.client = cl
	s.mu.Unlock()
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
	s.meta.Close()
	var ce *commitError
	if errors.As(err, &ce) {
		// The files are in the lake and claimed, and a partition resumes
		// at the end of its claim chain, not at its committed offset: a
		// refused final commit (this sink was fenced out of the group, or
		// the coordinator is away) loses nothing.
		s.log.Warn("sink: final commit failed; the files are in the lake and claimed, so the partitions resume after them", "err", err)
		err = nil
	}
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
		s.seek()
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
		case s.groupRefusal(err) != nil:
			fatal = s.groupRefusal(err)
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
	if s.fatal != nil {
		return nil, s.fatal
	}
	now := time.Now()
	ahead := s.predecode(fetches)
	var errs []error
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		errs = append(errs, s.consumePartition(fctx, p))
	})
	for _, t := range ahead {
		t.release()
	}
	if !now.Before(s.nextAt) {
		s.nextAt = now.Add(s.cfg.FlushInterval)
		errs = append(errs, s.flush(fctx, s.allBufs()))
	}
	errs = append(errs, s.landFinished(fctx), s.commitLanded(fctx))
	if err := s.loopError(errors.Join(errs...)); err != nil {
		return nil, err
	}
	s.launchDrained(fctx)
	s.backpressure()
	return s.checkDrains(fctx, committed)
}

// loopError keeps the loop going after failed commits and writes: the next
// commit covers the offsets, and the next flush writes the ranges again,
// after a backoff during which fetching is paused. The caller holds s.mu.
func (s *Sink) loopError(err error) error {
	if err == nil {
		s.backoff = 0
		return nil
	}
	var we *writeError
	if errors.As(err, &we) {
		s.retries++
		s.errCount++
		s.met.retries.Inc()
		s.backoff = min(max(2*s.backoff, 100*time.Millisecond), 10*time.Second)
		s.nextAt = time.Now().Add(s.backoff)
		s.log.Warn("sink: writing to the lake failed; retrying", "in", s.backoff, "err", err)
		return nil
	}
	var ce *commitError
	if errors.As(err, &ce) {
		s.errCount++
		s.log.Warn("sink: commit failed; the next flush commits again", "err", err)
		return nil
	}
	return err
}

// backpressure pauses fetching while a write is being retried or the
// buffers are over MaxBufferBytes, and resumes it after. The caller holds
// s.mu.
func (s *Sink) backpressure() {
	held := s.held()
	s.met.buffered.Set(float64(held))
	stop := s.backoff > 0 || held > s.cfg.MaxBufferBytes
	switch {
	case stop && !s.paused:
		s.client.PauseFetchTopics(s.cfg.Topics...)
		s.log.Info("sink: fetching paused", "buffered_bytes", held, "retrying", s.backoff > 0)
	case !stop && s.paused:
		s.client.ResumeFetchTopics(s.cfg.Topics...)
		s.log.Info("sink: fetching resumed")
	}
	s.paused = stop
}

// relieve keeps the buffers and flights within MaxBufferBytes. Once the
// buffers (without the flights) hold more than three quarters of it, the
// largest partitions' ranges are sent on flights, down to a quarter; while
// buffers and flights together hold more than all of it (a flight holds its
// range until encoded, then its files), the loop waits for the oldest
// flights to land. Partitions whose tables cannot detach their rows
// are flushed at once instead. The caller holds s.mu.
func (s *Sink) relieve(ctx context.Context) error {
	limit := s.cfg.MaxBufferBytes
	if s.buffered-s.flying <= limit*3/4 && s.held() <= limit {
		return nil
	}
	errs := []error{s.landFinished(ctx)}
	if live := s.buffered - s.flying; live > limit*3/4 && live >= s.relieveAt {
		errs = append(errs, s.detachLargest(ctx, live))
	}
	for s.held() > limit {
		ok, err := s.landOldest(ctx)
		if !ok {
			break
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// detachLargest sends the largest partitions' ranges on flights (or
// flushes them, when they cannot fly) until the buffers hold a quarter of
// MaxBufferBytes. The caller holds s.mu.
func (s *Sink) detachLargest(ctx context.Context, live int64) error {
	bufs := s.allBufs()
	slices.SortFunc(bufs, func(a, b *partBuf) int { return cmp.Compare(b.bytes, a.bytes) })
	var now []*partBuf
	for _, pb := range bufs {
		if live <= s.cfg.MaxBufferBytes/4 {
			break
		}
		if !pb.writable() {
			continue
		}
		live -= pb.bytes
		if s.flies(pb) {
			s.launch(ctx, pb)
		} else {
			now = append(now, pb)
		}
	}
	// What no flight could take (partitions in flight already, being
	// reproduced) waits for a landing or more records.
	s.relieveAt = 0
	if live > s.cfg.MaxBufferBytes*3/4 {
		s.relieveAt = live + s.cfg.MaxBufferBytes/8
	}
	if len(now) == 0 {
		return nil
	}
	return s.flush(ctx, now) // encoded in parallel
}

// seek moves the consumer of partitions whose claim was lost to their
// chain's resume point; it runs between polls, before AllowRebalance.
func (s *Sink) seek() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seeks) == 0 {
		return
	}
	offsets := make(map[string]map[int32]kgo.EpochOffset)
	for pk, off := range s.seeks {
		if offsets[pk.topic] == nil {
			offsets[pk.topic] = make(map[int32]kgo.EpochOffset)
		}
		offsets[pk.topic][pk.part] = kgo.EpochOffset{Epoch: -1, Offset: off}
		if pb := s.bufs[pk]; pb != nil {
			pb.seek = false
		}
	}
	clear(s.seeks)
	s.client.SetOffsets(offsets)
}

// consumePartition buffers one partition's fetched records; the caller holds
// s.mu.
func (s *Sink) consumePartition(ctx context.Context, p kgo.FetchTopicPartition) error {
	if len(p.Records) == 0 {
		return nil
	}
	pk := partKey{p.Topic, p.Partition}
	pb := s.buffer(pk)
	pb.ahead, _ = pb.table.(predecoder)
	// Each record goes back to the pool once the next is taken, while it
	// is still in the cache: nothing the sink keeps points into a consumed
	// record (recordPool). A second walk over the poll's records after it
	// was consumed cost a cache miss a record. The records left when the
	// loop stops early go back on return.
	done := 0
	defer func() {
		pb.ahead = nil
		recycle(p.Records[done:])
	}()
	var errs []error
	var consumed int64
	for i, r := range p.Records {
		if i > 0 {
			p.Records[i-1].Recycle()
			done = i
		}
		if pb.seek {
			break // the rest of this poll predates the seek
		}
		if r.Offset < pb.to {
			if p.HighWatermark < pb.to {
				return s.logRegressed(pk, p.HighWatermark, pb.to)
			}
			continue // already in this range or in the lake
		}
		if pb.claimed != nil && r.Offset >= pb.claimed.To {
			s.refetch(pb, pb.claimed.To)
			break
		}
		for pb.replaying() && r.Offset >= pb.pending[0].To {
			errs = append(errs, s.replayRange(ctx, pb))
		}
		pb.advance(r)
		if !r.Attrs.IsControl() {
			consumed++
			if err := s.consumeRecord(ctx, pb, r); err != nil {
				errs = append(errs, err)
			}
		}
		if pb.replaying() && pb.to >= pb.pending[0].To {
			errs = append(errs, s.replayRange(ctx, pb))
		}
	}
	s.count(pk.topic, func(ts *TopicStats) { ts.Consumed += consumed })
	s.met.consumed.WithLabelValues(pk.topic).Add(float64(consumed))
	s.countGaps(pb)
	s.setLag(pk, max(p.HighWatermark-pb.to, 0))
	return errors.Join(errs...)
}

// consumeRecord adds one record to its partition's buffer, flushing the
// partition when the buffer is full. A record that cannot become a row goes
// to the range's bad records.
func (s *Sink) consumeRecord(ctx context.Context, pb *partBuf, r *kgo.Record) error {
	size := int64(len(r.Value)) + rowOverhead
	pb.bytes += size
	s.buffered += size
	sampled := pb.samples(r)
	ra := pb.readAhead(r, sampled)
	if ra.hasAt && sampled {
		pb.produced = append(pb.produced, ra.at)
	}
	if pb.table == nil {
		if !s.skipped[r.Topic] {
			s.skipped[r.Topic] = true
			s.log.Warn("sink: topic has no table schema yet; skipping its records", "topic", r.Topic)
		}
		return nil
	}
	reason := screen(r, s.cfg.MaxRecordBytes)
	var sc seqCheck
	if reason == "" && pb.deduping() {
		if !ra.seqRead {
			ra.seq, ra.hasSeq = parseSeq(r.Value)
		}
		sc = pb.seqs.checkSeq(r, ra.seq, ra.hasSeq)
	}
	switch {
	case sc.dup != "":
		s.refuse(pb, r, sc.dup, true)
	case reason != "":
		s.refuse(pb, r, reason, false)
	default:
		if err := pb.table.add(r); err != nil {
			s.refuse(pb, r, err.Error(), false)
			break
		}
		if sc.gap {
			s.gap(pb, r, sc)
		}
		sc.note(r)
	}
	var err error
	if !pb.replaying() && (pb.table.rows() >= s.cfg.FlushRows || pb.bytes >= s.cfg.FlushBytes) {
		err = s.flushFull(ctx, pb)
	}
	err = errors.Join(err, s.relieve(ctx))
	s.peak = max(s.peak, s.held())
	return err
}

// flushFull writes a partition that reached FlushRows or FlushBytes: on a
// flight once its previous flight has landed, or at once. The caller holds
// s.mu.
func (s *Sink) flushFull(ctx context.Context, pb *partBuf) error {
	var err error
	if f := pb.flight; f != nil && !f.parked {
		<-f.done
		err = s.land(ctx, pb)
	}
	if s.flies(pb) {
		s.launch(ctx, pb)
		return err
	}
	return errors.Join(err, s.flush(ctx, []*partBuf{pb}))
}

// buffer returns the buffer of a partition, making it on first use; the
// caller holds s.mu.
func (s *Sink) buffer(pk partKey) *partBuf {
	pb := s.bufs[pk]
	if pb == nil {
		pb = newPartBuf(pk, newTable(pk.topic, s.enc), s.chains[pk])
		delete(s.chains, pk)
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

// fetchMaxBytes sizes one fetch: a 128th of the buffer cap, within 512 KiB
// to 4 MiB (512 KiB at the default cap). Each of a poll's records is
// touched several times (parsed by kgo, decoded ahead, buffered,
// recycled): 512 KiB of lz4 batches are about 14,000 trades, whose record
// structs and bytes (~6 MB) stay in cache between those passes, where
// 4 MiB (~47 MB) did not; in the benchmark the CPU per record fell by
// about a fifth. Decompressed records with their structs take several
// times the fetch's size until the loop has made them rows.
func fetchMaxBytes(cfg Config) int32 {
	return int32(min(max(cfg.MaxBufferBytes/128, 512<<10), 4<<20))
}

// refetch stops taking a partition's records at offset, where its claimed
// range ends while its files are still to be written, and makes the loop
// seek back there: records past a claimed range belong to the next one. The
// caller holds s.mu.
func (s *Sink) refetch(pb *partBuf, offset int64) {
	pb.seek = true
	s.seeks[pb.partKey] = offset
}
