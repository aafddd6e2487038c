package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// acknowledger hears how batches end: n records of topic acknowledged, or
// failed with err.
type acknowledger interface {
	batchAcked(topic string, n int64)
	batchFailed(topic string, n int64, err error)
}

// sender is the batch writer's goroutine that talks to the brokers. It
// numbers and compresses each sealed batch once, keeps each partition's
// batches in order, and sends one produce request at a time to each
// leader, holding at most one batch of a partition: the first batch of each
// partition led by that broker that is not waiting out a retry. A batch
// that fails with a retriable error (or whose request fails) stays first in
// its partition and is sent again, unchanged, after the client's backoff,
// to the leader a NOT_LEADER refusal names or else to the one a metadata
// refresh finds; after the client's record retries it fails the run, as
// does any other error.
type sender struct {
	cl       *kgo.Client
	cfg      writerConfig
	acks     acknowledger
	logger   *slog.Logger
	retries  prometheus.Counter
	done     func(*batch) // the batch is acknowledged or failed
	in       chan senderItem
	results  chan sendResult
	stopped  chan struct{} // closed when run returns
	buffered atomic.Int64  // records sealed and not yet done

	pid      producerIdentity
	parts    []*partition // every partition that has had a batch
	busy     map[int32]bool
	inflight int  // requests out
	closed   bool // in is closed: run ends once idle
	needMeta bool // a partition needs its leader (again)
	metaOut  bool // a metadata request is out
	metaAt   time.Time
	metas    chan metaResult
	flushes  []chan struct{}
	err      error // the first failure: everything after it is dropped
	tmp      bytes.Buffer

	// request sends req to the broker leader, and metadata asks for
	// topics' leaders; tests wrap them to lose answers the broker sent, move
	// leaders under a request or keep metadata stale.
	request  func(ctx context.Context, leader int32, req kmsg.Request) (kmsg.Response, error)
	metadata func(ctx context.Context, topics []string) (map[string]topicMeta, error)
}

// senderItem is a sealed batch, or a flush asking to hear when everything
// before it is done.
type senderItem struct {
	b       *batch
	flushed chan struct{}
}

// sendResult is a produce request's outcome.
type sendResult struct {
	leader int32
	parts  []*partition
	resp   *kmsg.ProduceResponse
	err    error
}

func newSender(cl *kgo.Client, cfg writerConfig, acks acknowledger, obs writerObs, done func(*batch)) *sender {
	return &sender{
		cl: cl, cfg: cfg, acks: acks, logger: obs.logger, retries: obs.retries, done: done,
		in:      make(chan senderItem, cfg.maxBatches+1),
		results: make(chan sendResult),
		metas:   make(chan metaResult),
		stopped: make(chan struct{}),
		busy:    map[int32]bool{},
		request: func(ctx context.Context, leader int32, req kmsg.Request) (kmsg.Response, error) {
			return cl.Broker(int(leader)).Request(ctx, req)
		},
		metadata: func(ctx context.Context, topics []string) (map[string]topicMeta, error) {
			return fetchMetadata(ctx, cl, topics)
		},
	}
}

// start loads a producer id under ctx (the caller's: an interrupt stops a
// cluster that does not answer), then runs the sender under pctx until close
// and idle.
func (s *sender) start(ctx, pctx context.Context) error {
	pid, err := initProducerID(ctx, s.cl)
	if err != nil {
		return err
	}
	s.pid = pid
	go s.run(pctx)
	return nil
}

// close says no more items come; wait returns once everything sent is done.
func (s *sender) close() { close(s.in) }
func (s *sender) wait()  { <-s.stopped }

// run takes sealed batches, sends them and applies the answers until the
// writer closed it and nothing is queued or out; cancelling ctx fails what
// is left.
func (s *sender) run(ctx context.Context) {
	defer close(s.stopped)
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	in := s.in
	cancelled := ctx.Done()
	for !s.closed || !s.idle() || s.metaOut {
		select {
		case it, ok := <-in:
			if !ok {
				s.closed, in = true, nil
				break
			}
			s.take(it)
		case r := <-s.results:
			s.handle(ctx, r)
		case m := <-s.metas:
			s.learnLeaders(m)
		case <-retry.C:
		case <-cancelled:
			cancelled = nil
			s.abort(context.Cause(ctx), nil)
		}
		s.refreshMetadata(ctx)
		s.dispatch(ctx)
		s.answerFlushes()
		if d, ok := s.nextWake(); ok {
			retry.Reset(d)
		}
	}
	s.answerFlushes()
}

// take numbers and compresses a sealed batch and queues it, or records a
// flush.
func (s *sender) take(it senderItem) {
	if it.flushed != nil {
		s.flushes = append(s.flushes, it.flushed)
		return
	}
	b, p := it.b, it.b.part
	if s.err != nil {
		s.finish(b, s.err)
		return
	}
	if !p.known {
		p.known = true
		s.parts = append(s.parts, p)
	}
	if p.leader < 0 && !s.metaOut {
		s.needMeta = true // a refresh already out covers p, or learnLeaders asks again
	}
	b.seal(s.pid, p.seq, s.cfg.comp, &s.tmp)
	p.seq = nextSeq(p.seq, b.n)
	p.queue = append(p.queue, b)
}

// nextSeq is the sequence number after n records from seq; Kafka's wrap
// from MaxInt32 to 0.
func nextSeq(seq, n int32) int32 {
	return int32((int64(seq) + int64(n)) % (1 << 31))
}

// idle reports whether nothing is queued or in flight.
func (s *sender) idle() bool {
	if s.inflight > 0 {
		return false
	}
	for _, p := range s.parts {
		if len(p.queue) > 0 {
			return false
		}
	}
	return true
}

func (s *sender) answerFlushes() {
	if len(s.flushes) == 0 || !s.idle() {
		return
	}
	for _, f := range s.flushes {
		close(f)
	}
	s.flushes = s.flushes[:0]
}

// dispatch sends a request to every leader that has none out, with the
// first batch of each of its partitions that is ready.
func (s *sender) dispatch(ctx context.Context) {
	if s.err != nil {
		return
	}
	now := time.Now()
	var (
		reqs map[int32][]*partition
		size map[int32]int
	)
	for _, p := range s.parts {
		if p.inflight || len(p.queue) == 0 || p.leader < 0 || s.busy[p.leader] || now.Before(p.retryAt) {
			continue
		}
		if reqs == nil {
			reqs, size = map[int32][]*partition{}, map[int32]int{}
		}
		if n := len(p.queue[0].wire); len(reqs[p.leader]) == 0 || size[p.leader]+n <= maxRequestBytes {
			reqs[p.leader] = append(reqs[p.leader], p)
			size[p.leader] += n
		}
	}
	for leader, parts := range reqs {
		req := s.produceRequest(parts)
		for _, p := range parts {
			p.inflight = true
		}
		s.busy[leader] = true
		s.inflight++
		go func() {
			resp, err := s.request(ctx, leader, req)
			pr, _ := resp.(*kmsg.ProduceResponse)
			s.results <- sendResult{leader: leader, parts: parts, resp: pr, err: err}
		}()
	}
}

// maxRequestBytes keeps a produce request well under kgo's 100 MiB limit
// on what it writes to a broker at once (BrokerMaxWriteBytes): a broker
// leading hundreds of busy partitions gets several requests in turn.
const maxRequestBytes = 64 << 20

// produceRequest builds the produce request carrying the first batch of
// each of parts. Produce v13 names topics by id; a cluster whose metadata
// gave none (a broker advertising Produce v13 but capping Metadata below
// v10) gets v12, which names them.
func (s *sender) produceRequest(parts []*partition) kmsg.Request {
	req := kmsg.NewPtrProduceRequest()
	req.Acks = -1
	req.TimeoutMillis = int32(s.cfg.timeout.Milliseconds())
	for _, p := range parts {
		// one entry per topic, however s.parts interleaves them
		i := slices.IndexFunc(req.Topics, func(t kmsg.ProduceRequestTopic) bool { return t.Topic == p.topic })
		if i < 0 {
			t := kmsg.NewProduceRequestTopic()
			t.Topic, t.TopicID = p.topic, p.topicID
			req.Topics = append(req.Topics, t)
			i = len(req.Topics) - 1
		}
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition, rp.Records = p.id, p.queue[0].wire
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	for _, t := range req.Topics {
		if t.TopicID == [16]byte{} {
			return produceByName{req}
		}
	}
	return req
}

// produceByName is a produce request kept to v12 and below, which name
// topics instead of giving their ids.
type produceByName struct{ *kmsg.ProduceRequest }

func (produceByName) MaxVersion() int16 { return 12 }

// handle applies a request's outcome to each of its partitions.
func (s *sender) handle(ctx context.Context, r sendResult) {
	s.busy[r.leader] = false
	s.inflight--
	if ctx.Err() != nil && s.err == nil {
		s.abort(context.Cause(ctx), nil) // cancelled: no retry, and say why
	}
	for _, p := range r.parts {
		p.inflight = false
		err, leader := r.err, leaderEpoch{-1, -1}
		if err == nil {
			err, leader = partitionError(r.resp, p)
		}
		switch {
		case err == nil || errors.Is(err, kerr.DuplicateSequenceNumber):
			p.tries, p.retryAt = 0, time.Time{}
			s.finish(p.pop(), nil)
		case s.err != nil:
			s.finish(p.pop(), s.err)
		case retriable(err) && p.tries < s.cfg.retries:
			p.retry(s.cfg.backoff)
			s.retries.Inc()
			s.logger.Debug("producer: sending a batch again", "topic", p.topic, "partition", p.id, "try", p.tries+1, "err", err)
			if leader.id >= 0 && leader.id != r.leader {
				p.learn(leader) // the broker said who leads now
			}
			s.needMeta = true // and metadata confirms it, or corrects a stale hint
		default:
			s.abort(fmt.Errorf("partition %d: %w", p.id, err), p)
		}
	}
}

// retry counts a failed try of p's first batch and holds its next one for
// the backoff.
func (p *partition) retry(backoff func(int) time.Duration) {
	p.tries++
	p.retryAt = time.Now().Add(backoff(p.tries))
}

// learn takes l as p's leader unless p already knows a newer one (a higher
// epoch): a metadata answer asked for before a move must not undo what a
// refusal after it said.
func (p *partition) learn(l leaderEpoch) {
	if l.epoch >= 0 && p.epoch >= 0 && l.epoch < p.epoch && p.leader >= 0 {
		return
	}
	p.leader, p.epoch = l.id, max(p.epoch, l.epoch)
}

// pop removes and returns p's first batch.
func (p *partition) pop() *batch {
	b := p.queue[0]
	p.queue[0] = nil
	p.queue = p.queue[1:]
	return b
}

// finish reports b acknowledged (err nil) or failed and gives it back.
func (s *sender) finish(b *batch, err error) {
	s.buffered.Add(-int64(b.n))
	if err == nil {
		s.acks.batchAcked(b.part.topic, int64(b.n))
	} else {
		s.acks.batchFailed(b.part.topic, int64(b.n), err)
	}
	s.done(b)
}

// abort fails the run with err: every queued batch that is not in flight
// fails now, first's first, so the run's error names the partition that
// failed; the ones in flight fail when their requests return.
func (s *sender) abort(err error, first *partition) {
	if s.err == nil {
		s.err = err
	}
	if first != nil {
		for len(first.queue) > 0 && !first.inflight {
			s.finish(first.pop(), s.err)
		}
	}
	for _, p := range s.parts {
		keep := 0
		if p.inflight {
			keep = 1
		}
		for len(p.queue) > keep {
			b := p.queue[len(p.queue)-1]
			p.queue = p.queue[:len(p.queue)-1]
			s.finish(b, s.err)
		}
	}
}

// partitionError is p's error in resp, or an error if resp lacks p. With a
// NOT_LEADER error, Kafka 3.7+ (KIP-951) also names the partition's current
// leader and its epoch: leader is them, or -1s.
func partitionError(resp *kmsg.ProduceResponse, p *partition) (err error, leader leaderEpoch) {
	none := leaderEpoch{-1, -1}
	if resp == nil {
		return errors.New("no produce response"), none
	}
	for _, t := range resp.Topics {
		if t.Topic != p.topic && (t.TopicID == [16]byte{} || t.TopicID != p.topicID) {
			continue
		}
		for _, rp := range t.Partitions {
			if rp.Partition != p.id {
				continue
			}
			err := kerr.ErrorForCode(rp.ErrorCode)
			if err != nil && rp.ErrorMessage != nil {
				err = fmt.Errorf("%w: %s", err, *rp.ErrorMessage)
			}
			if errors.Is(err, kerr.NotLeaderForPartition) {
				return err, leaderEpoch{rp.CurrentLeader.LeaderID, rp.CurrentLeader.LeaderEpoch}
			}
			return err, none
		}
	}
	return errors.New("the produce response lacks the partition"), none
}

// retriable reports whether a failed send may be tried again: a request
// that failed on the way (connection, timeout) or a partition error Kafka
// calls retriable (leaders moving, replicas behind). The client being
// closed and the idempotence errors are not.
func retriable(err error) bool {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Retriable
	}
	return !errors.Is(err, kgo.ErrClientClosed) && !errors.Is(err, context.Canceled)
}

// nextWake is how long until a batch waiting out a backoff may be sent, or
// a metadata refresh is due, whichever comes first.
func (s *sender) nextWake() (time.Duration, bool) {
	now := time.Now()
	var first time.Time
	for _, p := range s.parts {
		if len(p.queue) > 0 && !p.inflight && p.retryAt.After(now) && (first.IsZero() || p.retryAt.Before(first)) {
			first = p.retryAt
		}
	}
	if s.needMeta && !s.metaOut && s.err == nil {
		if due := s.metaAt.Add(metadataEvery); first.IsZero() || due.Before(first) {
			first = due
		}
	}
	if first.IsZero() {
		return 0, false
	}
	return max(first.Sub(now), time.Millisecond), true
}

// metadataEvery spaces metadata refreshes.
const metadataEvery = 250 * time.Millisecond

// metaResult is a metadata refresh's outcome.
type metaResult struct {
	md  map[string]topicMeta
	err error
}

// refreshMetadata asks, on a goroutine, for the leaders and topic ids of
// the sender's partitions when a new partition or a failure needs them, at
// most every metadataEvery.
func (s *sender) refreshMetadata(ctx context.Context) {
	if !s.needMeta || s.metaOut || s.err != nil || time.Since(s.metaAt) < metadataEvery {
		return
	}
	s.metaAt, s.needMeta, s.metaOut = time.Now(), false, true
	var topics []string
	for _, p := range s.parts {
		if !slices.Contains(topics, p.topic) {
			topics = append(topics, p.topic)
		}
	}
	go func() {
		mctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
		defer cancel()
		md, err := s.metadata(mctx, topics)
		s.metas <- metaResult{md, err}
	}()
}

// learnLeaders applies a metadata refresh. A failed refresh changes nothing
// and is tried again. A partition whose leader it does not give counts a
// failed try whenever a send of it would be due, so a topic that vanished
// fails the run after the record retries.
func (s *sender) learnLeaders(m metaResult) {
	s.metaOut = false
	if s.err != nil {
		return
	}
	if m.err != nil {
		s.needMeta = true
		return
	}
	now := time.Now()
	for _, p := range s.parts {
		t, ok := m.md[p.topic]
		if !ok {
			if p.leader < 0 {
				s.needMeta = true // a topic first seen since the request went out
			}
			continue
		}
		leader, err := t.leader(p.id)
		if err == nil {
			p.topicID = t.id
			p.learn(leader)
			continue
		}
		p.leader = -1
		s.needMeta = true
		if len(p.queue) > 0 && !now.Before(p.retryAt) && !p.inflight {
			if p.tries >= s.cfg.retries {
				s.abort(fmt.Errorf("partition %d: finding its leader: %w", p.id, err), p)
				return
			}
			p.retry(s.cfg.backoff)
		}
	}
}

// initProducerID asks the cluster for an idempotent producer id, trying
// up to ten times, with the client's backoff, while Kafka calls the error
// retriable.
func initProducerID(ctx context.Context, cl *kgo.Client) (producerIdentity, error) {
	backoff := optValue[func(int) time.Duration](cl, kgo.RetryBackoffFn)
	for try := 1; ; try++ {
		req := kmsg.NewPtrInitProducerIDRequest()
		req.ProducerID, req.ProducerEpoch = -1, -1
		resp, err := req.RequestWith(ctx, cl)
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		if err == nil {
			return producerIdentity{id: resp.ProducerID, epoch: resp.ProducerEpoch}, nil
		}
		if try >= 10 || !retriable(err) || ctx.Err() != nil {
			return producerIdentity{}, fmt.Errorf("kafka: getting an idempotent producer id: %w; check --kafka-brokers and that the cluster allows idempotent writes", err)
		}
		select {
		case <-ctx.Done():
			return producerIdentity{}, context.Cause(ctx)
		case <-time.After(backoff(try)):
		}
	}
}
