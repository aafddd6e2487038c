package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
)

// batchWriter is the producer's path into Kafka: the producer loop appends
// each record straight into its partition's open batch, in the wire format,
// and a sender goroutine numbers, compresses and sends sealed batches as
// idempotent produce requests (acks=all) through the franz-go client, which
// keeps the connections, versions, TLS, SASL and metadata.
//
// franz-go's own Produce takes a *kgo.Record per record: the record is
// filled, sized, partitioned and buffered under two locks, encoded into its
// batch by another goroutine and promised back by a third, each touch a
// cache miss by then. A profile of `produce --speed max` put 1.5 of the
// process's 2.6 µs per record there, which capped the producer at 650-770K
// records/s on two cores. Writing the batch in the loop, with the headers
// encoded once per stamp, removes all per-record work but the record's own
// bytes. docs/design.md, "The producer writes its own batches", has the
// measurements.
//
// Delivery is Kafka's idempotent producer: a producer id from
// InitProducerID, per-partition sequence numbers, and at most one batch of a
// partition in flight, so a batch that fails (a lost connection, a leader
// moving) is resent, byte for byte under its sequence number, before any
// later one, and the broker drops a copy it already wrote. Records are
// partitioned by key with murmur2, as the Java client does.
type batchWriter struct {
	cl     *kgo.Client
	cfg    writerConfig
	topics []*topicBatches // the loop's goroutine only; two or three, so a scan beats a map
	send   *sender
	slots  chan struct{} // one per sealed batch not yet done: the backpressure
	pool   sync.Pool     // *batch
	now    int64         // the loop's wall clock stamp, ns
}

// writerConfig is what the writer takes from the client's producer options.
type writerConfig struct {
	batchBytes int           // seal a batch before its records pass this
	linger     time.Duration // seal a batch this long after its first record
	maxBatches int           // sealed batches not yet acknowledged
	retries    int           // tries of one batch before it fails the run
	timeout    time.Duration // the brokers' wait for in-sync replicas
	backoff    func(int) time.Duration
	comp       kgo.Compressor
}

// maxSealedBatches bounds the batches sealed and not yet acknowledged:
// with batches sealed at most two ahead per partition (see tick) it binds
// only when the brokers fall behind, and then it blocks the loop.
const maxSealedBatches = 32

// writerConfigOf reads the writer's settings from cl's producer options
// (ProducerOpts sets them; kgo's defaults otherwise) and checks that cl
// waits for all in-sync replicas.
func writerConfigOf(cl *kgo.Client) (writerConfig, error) {
	if acks, _ := cl.OptValue(kgo.RequiredAcks).(kgo.Acks); acks != kgo.AllISRAcks() {
		return writerConfig{}, errors.New("kafka: the producer's client must wait for all in-sync replicas; build it with kafka.ProducerOpts")
	}
	c := writerConfig{maxBatches: maxSealedBatches}
	c.batchBytes = int(optValue[int32](cl, kgo.ProducerBatchMaxBytes))
	c.linger = optValue[time.Duration](cl, kgo.ProducerLinger)
	c.retries = int(optValue[int64](cl, kgo.RecordRetries))
	c.timeout = optValue[time.Duration](cl, kgo.ProduceRequestTimeout)
	c.backoff = optValue[func(int) time.Duration](cl, kgo.RetryBackoffFn)
	c.comp = optValue[kgo.Compressor](cl, kgo.WithCompressor)
	if c.batchBytes <= 0 || c.backoff == nil || c.timeout <= 0 {
		return writerConfig{}, fmt.Errorf("kafka: unexpected producer options (batch bytes %d, timeout %v); build the client with kafka.ProducerOpts", c.batchBytes, c.timeout)
	}
	return c, nil
}

// optValue is cl's value of option opt, or T's zero value.
func optValue[T any](cl *kgo.Client, opt any) T {
	v, _ := cl.OptValue(opt).(T)
	return v
}

// topicBatches is one topic's partitions and its partitioner.
type topicBatches struct {
	name  string
	parts []*partition
	hash  kgo.TopicPartitioner
	probe kgo.Record // the key being partitioned
}

// partition is one partition's state: its open batch (the loop's), and its
// sent and waiting batches (the sender's).
type partition struct {
	topic string
	id    int32
	open  *batch       // being filled by the loop, or nil
	ahead atomic.Int32 // sealed and not yet done

	// the sender's goroutine only
	seq      int32    // the next batch's first sequence number
	queue    []*batch // sealed, oldest first; queue[0] may be in flight
	inflight bool
	tries    int       // failed sends of queue[0] in a row
	retryAt  time.Time // no send before this after a failure
	leader   int32     // -1 when unknown
	epoch    int32     // the leader's epoch as last learned, -1 when unknown
	topicID  [16]byte
	known    bool // in the sender's list
}

// writerObs is where the writer reports: its retries and its logs.
type writerObs struct {
	logger  *slog.Logger
	retries prometheus.Counter
}

// newBatchWriter returns a writer on cl; the producer's run starts its
// sender.
func newBatchWriter(cl *kgo.Client, cfg writerConfig, acks acknowledger, obs writerObs) *batchWriter {
	w := &batchWriter{cl: cl, cfg: cfg, slots: make(chan struct{}, cfg.maxBatches)}
	w.pool.New = func() any { return new(batch) }
	w.send = newSender(cl, cfg, acks, obs, w.done)
	return w
}

// add appends one record to its partition's batch, sealing the batch first
// when the record would take it past the batch size. ts is the record's
// timestamp in ms; headers come from encodeHeaders. It blocks while
// maxBatches sealed batches wait for the brokers, and fails only when ctx
// ends or the topic cannot be found.
func (w *batchWriter) add(ctx context.Context, topic, key string, value []byte, ts int64, headers []byte) error {
	t := w.topic(topic)
	if t == nil {
		var err error
		if t, err = w.loadTopic(ctx, topic); err != nil {
			return err
		}
	}
	t.probe.Key = append(t.probe.Key[:0], key...)
	p := t.parts[t.hash.Partition(&t.probe, len(t.parts))]
	b := p.open
	if b != nil && batchHeaderLen+len(b.raw)+len(key)+len(value)+len(headers)+recordOverhead > w.cfg.batchBytes {
		if err := w.seal(ctx, p); err != nil {
			return err
		}
		b = nil
	}
	if b == nil {
		b = w.pool.Get().(*batch)
		b.reset(p)
		p.open = b
	}
	b.append(ts, w.now, key, value, headers)
	return nil
}

// topic returns the batches of topic, or nil before its first record.
func (w *batchWriter) topic(name string) *topicBatches {
	for _, t := range w.topics {
		if t.name == name {
			return t
		}
	}
	return nil
}

// recordOverhead bounds a record's bytes beside its key, value and headers:
// the varints of its length, timestamp and offset deltas and lengths, and
// its attributes.
const recordOverhead = 5 + 10 + 5 + 5 + 5 + 1

// tick seals the batches that have lingered long enough, given the loop's
// wall clock now (ns): a batch goes once its first record is linger old,
// unless two batches of its partition are already sealed and waiting, in
// which case it keeps filling until one is done. So batches grow when the
// brokers are slow instead of queueing up small.
func (w *batchWriter) tick(ctx context.Context, now int64) error {
	w.now = now
	return w.sealWhere(ctx, func(p *partition) bool {
		return now-p.open.opened >= int64(w.cfg.linger) && p.ahead.Load() < 2
	})
}

// beforeSleep seals every batch whose linger would run out during a sleep
// of d from now: a paced loop holds no record back for a sleep.
func (w *batchWriter) beforeSleep(ctx context.Context, now int64, d time.Duration) error {
	w.now = now
	return w.sealWhere(ctx, func(p *partition) bool {
		return now+int64(d)-p.open.opened >= int64(w.cfg.linger)
	})
}

// sealWhere seals every open batch whose partition satisfies due.
func (w *batchWriter) sealWhere(ctx context.Context, due func(*partition) bool) error {
	for _, t := range w.topics {
		for _, p := range t.parts {
			if p.open != nil && due(p) {
				if err := w.seal(ctx, p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// seal hands p's open batch to the sender, waiting for a slot.
func (w *batchWriter) seal(ctx context.Context, p *partition) error {
	b := p.open
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	p.open = nil
	p.ahead.Add(1)
	w.send.buffered.Add(int64(b.n))
	w.send.in <- senderItem{b: b}
	return nil
}

// done is the sender's word that b is acknowledged or failed: its slot and
// memory go back.
func (w *batchWriter) done(b *batch) {
	b.part.ahead.Add(-1)
	<-w.slots
	w.pool.Put(b)
}

// dropOpen reports the records of every open batch failed with err: a run
// that stops on an error never seals them.
func (w *batchWriter) dropOpen(err error) {
	for _, t := range w.topics {
		for _, p := range t.parts {
			if b := p.open; b != nil {
				p.open = nil
				w.send.acks.batchFailed(p.topic, int64(b.n), err)
				w.pool.Put(b)
			}
		}
	}
}

// flush seals every open batch and waits until the brokers acknowledged
// everything sealed, or ctx ends.
func (w *batchWriter) flush(ctx context.Context) error {
	if err := w.sealWhere(ctx, func(*partition) bool { return true }); err != nil {
		return err
	}
	flushed := make(chan struct{})
	w.send.in <- senderItem{flushed: flushed}
	select {
	case <-flushed:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// loadTopic learns topic's partition count, waiting up to about five
// seconds for a topic that was just created to show up in metadata.
func (w *batchWriter) loadTopic(ctx context.Context, topic string) (*topicBatches, error) {
	var last error
	for try := 1; try <= 10; try++ {
		md, err := fetchMetadata(ctx, w.cl, []string{topic})
		if err == nil {
			m, ok := md[topic]
			switch {
			case !ok:
				err = errors.New("topic missing from metadata")
			case m.err != nil:
				err = m.err
			case len(m.leaders)+len(m.perrs) == 0:
				err = errors.New("no partitions in metadata")
			default:
				return w.addTopic(topic, len(m.leaders)+len(m.perrs)), nil
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-time.After(min(w.cfg.backoff(try), 500*time.Millisecond)):
		}
	}
	return nil, fmt.Errorf("loading metadata: %w; create the topic first (ticklake produce and ticklake up create theirs) and check --kafka-brokers", last)
}

func (w *batchWriter) addTopic(topic string, n int) *topicBatches {
	// a nil key would be partitioned stickily; ticklake hashes every key, the empty one too
	t := &topicBatches{name: topic, hash: kgo.StickyKeyPartitioner(nil).ForTopic(topic), probe: kgo.Record{Key: make([]byte, 0, 16)}}
	for i := range n {
		t.parts = append(t.parts, &partition{topic: topic, id: int32(i), leader: -1, epoch: -1})
	}
	w.topics = append(w.topics, t)
	return t
}
