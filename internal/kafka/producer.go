package kafka

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// Source yields events in non-decreasing event time; *sim.Sim is one. The
// producer encodes each event before it asks for the next, so a Source may
// reuse the records an event points to.
type Source interface {
	Next() tick.Event
}

// ProducerConfig configures the producer loop.
type ProducerConfig struct {
	// Speed paces event time against the wall clock: 1 is real time, 10
	// is ten simulated seconds per second, 0 is as fast as possible. At
	// speed 0 an event is never sent before the wall clock reaches its
	// time, so a backfill catches up with now and then goes on live.
	Speed float64
	// Count stops the loop after this many records; 0 is unlimited.
	Count int64
	// Duration stops the loop once this much simulated time has passed
	// since the first event; 0 is unlimited.
	Duration time.Duration
	// TopicTrades and TopicQuotes are the destination topics.
	TopicTrades, TopicQuotes string
	// FlushTimeout bounds the final flush after stopping; 0 means 10s.
	FlushTimeout time.Duration
}

// DefaultProducerConfig returns a real-time, unbounded producer writing to
// the default topics.
func DefaultProducerConfig() ProducerConfig {
	return ProducerConfig{Speed: 1, TopicTrades: tick.TopicTrades, TopicQuotes: tick.TopicQuotes, FlushTimeout: 10 * time.Second}
}

// Validate reports the first problem with c, naming the field and the fix.
func (c ProducerConfig) Validate() error {
	switch {
	case c.Speed < 0 || math.IsNaN(c.Speed) || math.IsInf(c.Speed, 0):
		return fmt.Errorf("kafka: producer speed %v; pass --speed 1 for real time, a larger factor, or max", c.Speed)
	case c.Count < 0:
		return fmt.Errorf("kafka: producer count %d; pass --count 0 for unlimited or a positive number", c.Count)
	case c.Duration < 0:
		return fmt.Errorf("kafka: producer duration %v; pass --duration 0 for unlimited or a positive duration", c.Duration)
	case c.TopicTrades == "" || c.TopicQuotes == "":
		return errors.New("kafka: producer topic names are empty; set both the trades and quotes topics")
	case c.FlushTimeout < 0:
		return fmt.Errorf("kafka: producer flush timeout %v; use 0 for the default or a positive duration", c.FlushTimeout)
	}
	return nil
}

// Producer pumps events into Kafka (or into a JSON Lines stream): key =
// symbol, value = wire JSON, timestamp = event time, and the schema-version,
// event-type and produced-at headers.
type Producer struct {
	w       *batchWriter  // nil when writing JSON Lines
	out     *bufio.Writer // JSON Lines destination, or nil
	cfg     ProducerConfig
	logger  *slog.Logger
	metrics *producerMetrics
	started atomic.Int64 // wall ns when Run began
	sent    atomic.Int64
	failed  atomic.Bool
	tallies tallies
	value   []byte // the record value being encoded

	mu    sync.Mutex
	errs  int64
	err   error
	abort context.CancelCauseFunc
}

// NewProducer returns a producer on cl; create cl with ProducerOpts for
// throughput. A nil logger discards logs; a nil registerer registers no
// metrics.
func NewProducer(cl *kgo.Client, cfg ProducerConfig, logger *slog.Logger, reg prometheus.Registerer) (*Producer, error) {
	if cl == nil {
		return nil, errors.New("kafka: NewProducer needs a client; use NewJSONLinesProducer to write to a file")
	}
	wcfg, err := writerConfigOf(cl)
	if err != nil {
		return nil, err
	}
	p, err := newProducer(nil, cfg, logger, reg)
	if err != nil {
		return nil, err
	}
	p.w = newBatchWriter(cl, wcfg, p, writerObs{logger: p.logger, retries: p.metrics.retries})
	return p, nil
}

// NewJSONLinesProducer returns a producer that writes each record to w as
// one JSON line, {"topic":...,"key":...,"timestamp":<ns>,"value":{...}},
// instead of sending it to Kafka.
func NewJSONLinesProducer(w io.Writer, cfg ProducerConfig, logger *slog.Logger) (*Producer, error) {
	return newProducer(bufio.NewWriterSize(w, 256<<10), cfg, logger, nil)
}

func newProducer(out *bufio.Writer, cfg ProducerConfig, logger *slog.Logger, reg prometheus.Registerer) (*Producer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.FlushTimeout == 0 {
		cfg.FlushTimeout = 10 * time.Second
	}
	if logger == nil {
		logger = discardLogger()
	}
	m, err := newProducerMetrics(reg)
	if err != nil {
		return nil, err
	}
	return &Producer{out: out, cfg: cfg, logger: logger, metrics: m, tallies: tallies{metric: m.records}}, nil
}

// Produced returns how many records each topic acknowledged so far.
func (p *Producer) Produced() map[string]int64 {
	return p.tallies.snapshot()
}

// Run produces events from src until ctx is cancelled, Count or Duration is
// reached, or a record fails. It then flushes what is buffered and returns
// the first produce error, or nil. Call Run (or RunMessages) once.
func (p *Producer) Run(ctx context.Context, src Source) error {
	return p.run(ctx, func(ctx, pctx context.Context) int64 { return p.loop(ctx, pctx, src) })
}

func (p *Producer) run(ctx context.Context, loop func(ctx, pctx context.Context) int64) error {
	// Records are produced under a context the caller cannot cancel, so
	// stopping flushes them instead of failing them; it is cancelled on the
	// first error, or when the flush after stopping runs out of time.
	pctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	p.mu.Lock()
	p.abort = cancel
	p.mu.Unlock()
	p.started.Store(time.Now().UnixNano())
	if p.w != nil {
		if err := p.w.send.start(ctx, pctx); err != nil {
			return err
		}
	}
	done := make(chan struct{})
	defer close(done)
	go p.bound(ctx, done, cancel)
	if p.w != nil {
		go p.watchStalls(done, stallCheck, stallAfter)
	}

	n := loop(ctx, pctx)
	flushErr := p.flush(pctx)
	if p.w != nil {
		if flushErr != nil {
			cancel(flushErr) // what is still out fails now
		}
		p.w.send.close()
		p.w.send.wait()
		if err := cmp.Or(p.firstErr(), flushErr); err != nil {
			p.w.dropOpen(err) // records never sealed count as failed too
		}
	}
	if err := p.firstErr(); err != nil {
		return err
	}
	p.logger.Info("producer stopped", "records", n, "produced", p.Produced())
	return flushErr
}

// bound cancels producing FlushTimeout after ctx is done, so a Produce
// blocked on a full buffer or a stuck flush cannot outlive shutdown.
func (p *Producer) bound(ctx context.Context, done <-chan struct{}, cancel context.CancelCauseFunc) {
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	t := time.NewTimer(p.cfg.FlushTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		cancel(fmt.Errorf("flushing timed out after %v", p.cfg.FlushTimeout))
	}
}

// loop produces until a stop condition and returns how many records it
// made: it simulates each event, encodes it and appends it to its batch
// (or writes its JSON line) on this goroutine, while the batch writer's
// sender, the client and, for `ticklake up`, the broker keep the other core
// busy.
func (p *Producer) loop(ctx, pctx context.Context, src Source) int64 {
	var (
		n         int64
		simStart  time.Time
		wallStart time.Time
		pacer     = newPacer(p.cfg.Speed)
		clock     = newWallClock()
	)
	pacer.beforeSleep = func(d time.Duration) { p.beforeSleep(pctx, clock, d) }
	defer pacer.stop()
	for p.cfg.Count == 0 || n < p.cfg.Count {
		// a pacing wait notices cancellation at once; a full-speed run
		// looks every 64 records (ctx.Err takes a lock)
		if (n%64 == 0 && ctx.Err() != nil) || p.aborted() {
			break
		}
		ev := src.Next()
		evTime := ev.Time()
		if n == 0 {
			simStart, wallStart = evTime, time.Now()
		}
		elapsed := evTime.Sub(simStart)
		if p.cfg.Duration > 0 && elapsed >= p.cfg.Duration {
			break
		}
		slept, ok := pacer.wait(ctx, wallStart, elapsed, evTime, clock)
		if !ok {
			break
		}
		p.stamp(pctx, clock, n, slept)
		topic, kind := p.cfg.TopicQuotes, kindQuote
		if ev.Trade != nil {
			topic, kind = p.cfg.TopicTrades, kindTrade
		}
		p.value = ev.AppendJSON(p.value[:0])
		if !p.emit(pctx, topic, ev.Key(), p.value, evTime, clock.headers(kind)) {
			break
		}
		n++
	}
	return n
}

// stamp refreshes the clock's produced-at stamp when it is due and lets the
// batch writer seal the batches that lingered long enough.
func (p *Producer) stamp(pctx context.Context, clock *wallClock, n int64, slept bool) {
	if clock.stamp(n, slept) && p.w != nil {
		if err := p.w.tick(pctx, clock.now.UnixNano()); err != nil {
			p.fail("", 0, err)
		}
	}
}

// beforeSleep seals the batches whose linger runs out during a pacing sleep
// of d, so no record waits out the sleep.
func (p *Producer) beforeSleep(pctx context.Context, clock *wallClock, d time.Duration) {
	if p.w == nil {
		return
	}
	if err := p.w.beforeSleep(pctx, time.Now().UnixNano(), d); err != nil {
		p.fail("", 0, err)
	}
}

// emit hands one record on: to its batch, or as a line to the output. It
// reports false when the run is failing.
func (p *Producer) emit(pctx context.Context, topic, key string, value []byte, ts time.Time, headers []byte) bool {
	p.sent.Add(1)
	if p.w == nil {
		if err := writeLine(p.out, topic, key, ts, value); err != nil {
			p.fail(topic, 1, err)
			return false
		}
		p.batchAcked(topic, 1)
		return true
	}
	if err := p.w.add(pctx, topic, key, value, ts.UnixMilli(), headers); err != nil {
		p.fail(topic, 1, err)
		return false
	}
	return true
}

// batchAcked counts n records of topic acknowledged by the broker.
func (p *Producer) batchAcked(topic string, n int64) {
	p.tallies.add(topic, n)
}

// batchFailed counts n records of topic that failed with err; the first
// failure stops the run.
func (p *Producer) batchFailed(topic string, n int64, err error) {
	p.fail(topic, n, err)
}

// fail records n failed records of topic ("" when the failure is not a
// topic's); the first failure stops the run.
func (p *Producer) fail(topic string, n int64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs += n
	p.metrics.errors.Add(float64(n))
	if p.err == nil {
		p.failed.Store(true)
		p.err = fmt.Errorf("producing to topic %s: %w", topic, err)
		if topic == "" {
			p.err = fmt.Errorf("producing: %w", err)
		}
		p.logger.Error("producing failed; stopping", "topic", topic, "err", err)
		p.abort(p.err)
	}
}

// aborted reports whether a record failed, which stops the loop.
func (p *Producer) aborted() bool {
	return p.failed.Load()
}

func (p *Producer) firstErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// flush waits for buffered records with a fresh bounded context.
func (p *Producer) flush(pctx context.Context) error {
	if p.out != nil {
		if err := p.out.Flush(); err != nil {
			return fmt.Errorf("writing JSON lines: %w", err)
		}
		return nil
	}
	timedOut := fmt.Errorf("timed out after %v with records unacknowledged; check that the brokers are up and in sync", p.cfg.FlushTimeout)
	fctx, cancel := context.WithTimeoutCause(pctx, p.cfg.FlushTimeout, timedOut)
	defer cancel()
	if err := p.w.flush(fctx); err != nil {
		if cause := context.Cause(fctx); cause != nil {
			err = cause
		}
		return fmt.Errorf("flushing produced records: %w", err)
	}
	return nil
}
