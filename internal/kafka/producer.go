package kafka

import (
	"bufio"
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
	cl      *kgo.Client   // nil when writing JSON Lines
	out     *bufio.Writer // JSON Lines destination, or nil
	cfg     ProducerConfig
	logger  *slog.Logger
	metrics *producerMetrics
	recs    recordPool
	started atomic.Int64 // wall ns when Run began
	sent    atomic.Int64
	failed  atomic.Bool
	tallies tallies
	// onAck is p.promise made once: the method value p.promise handed to
	// Produce would be a fresh closure, one allocation per record.
	onAck func(*kgo.Record, error)

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
	return newProducer(cl, nil, cfg, logger, reg)
}

// NewJSONLinesProducer returns a producer that writes each record to w as
// one JSON line, {"topic":...,"key":...,"timestamp":<ns>,"value":{...}},
// instead of sending it to Kafka.
func NewJSONLinesProducer(w io.Writer, cfg ProducerConfig, logger *slog.Logger) (*Producer, error) {
	return newProducer(nil, bufio.NewWriterSize(w, 256<<10), cfg, logger, nil)
}

func newProducer(cl *kgo.Client, out *bufio.Writer, cfg ProducerConfig, logger *slog.Logger, reg prometheus.Registerer) (*Producer, error) {
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
	p := &Producer{cl: cl, out: out, cfg: cfg, logger: logger, metrics: m, tallies: tallies{metric: m.records}}
	p.onAck = p.promise
	return p, nil
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
	done := make(chan struct{})
	defer close(done)
	go p.bound(ctx, done, cancel)
	if p.cl != nil {
		go p.watchStalls(done, stallCheck, stallAfter)
	}

	n := loop(ctx, pctx)
	flushErr := p.flush(pctx)
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
// made. With a client, one goroutine simulates and encodes while this one
// hands the records to the client (see handoff): the goroutine doing both
// was half the process's CPU and the producer's ceiling. The gain is small,
// since the client's own goroutines keep the second core busy too: 2-6% more
// records/s in four sets of 6-8 alternated BenchmarkProduce runs, CPU per
// record unchanged. JSON Lines are written by the one goroutine.
func (p *Producer) loop(ctx, pctx context.Context, src Source) int64 {
	if p.cl == nil {
		return p.generate(ctx, src, func(r *kgo.Record) { p.send(pctx, r) }, nil)
	}
	h := newHandoff()
	var n int64
	go func() {
		defer h.close()
		n = p.generate(ctx, src, h.add, h.flush)
	}()
	h.drain(func(r *kgo.Record) {
		if p.aborted() {
			p.recs.put(r) // a record failed: the rest are not sent
			return
		}
		p.send(pctx, r)
	})
	return n
}

// generate makes records from src until a stop condition and passes each to
// emit; idle, when not nil, runs before each pacing sleep.
func (p *Producer) generate(ctx context.Context, src Source, emit func(*kgo.Record), idle func()) int64 {
	var (
		n         int64
		simStart  time.Time
		wallStart time.Time
		pacer     = newPacer(p.cfg.Speed)
		clock     = newWallClock()
	)
	pacer.beforeSleep = idle
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
		clock.stamp(n, slept)
		emit(p.record(ev, evTime, clock))
		n++
	}
	return n
}

// send hands one record on: to the client, or as a line to the output.
func (p *Producer) send(pctx context.Context, r *kgo.Record) {
	p.sent.Add(1)
	if p.cl != nil {
		p.cl.Produce(pctx, r, p.onAck)
		return
	}
	p.promise(r, writeLine(p.out, r))
}

// promise runs for every record once the broker answers, then recycles it.
// It is on the per-record path, so an acknowledgement costs two atomic
// adds: no lock, no map, no clock reading.
func (p *Producer) promise(r *kgo.Record, err error) {
	if err != nil {
		p.fail(r, err)
	} else {
		p.tallies.ack(r.Topic)
	}
	p.recs.put(r)
}

// fail records a failed record; the first failure stops the run.
func (p *Producer) fail(r *kgo.Record, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs++
	p.metrics.errors.Inc()
	if p.err == nil {
		p.failed.Store(true)
		p.err = fmt.Errorf("producing to topic %s: %w", r.Topic, err)
		p.logger.Error("producing failed; stopping", "topic", r.Topic, "err", err)
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
	fctx, cancel := context.WithTimeout(pctx, p.cfg.FlushTimeout)
	defer cancel()
	if err := p.cl.Flush(fctx); err != nil {
		if cause := context.Cause(fctx); cause != nil {
			err = cause
		}
		return fmt.Errorf("flushing produced records: %w", err)
	}
	return nil
}
