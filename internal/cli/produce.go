package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/kafka"
	"github.com/ticklake/ticklake/internal/replay"
	"github.com/ticklake/ticklake/internal/sim"
)

// produceFlags are produce's own options: where records go and how topics
// are made.
type produceFlags struct {
	output      string
	compression string
	linger      time.Duration
	partitions  int32
	replication int16
	retention   time.Duration
	retainBytes int64
}

func (p *produceFlags) add(fs *pflag.FlagSet) {
	fs.StringVarP(&p.output, "output", "o", "", "write JSON Lines to FILE (- for stdout) instead of Kafka: {topic, key, timestamp (ns), value}")
	fs.StringVar(&p.compression, "compression", kafka.DefaultCompression, "batch compression: lz4, zstd, snappy, gzip or none")
	fs.DurationVar(&p.linger, "linger", kafka.DefaultLinger, "how long a batch waits for more records (Kafka's linger.ms); longer makes bigger batches, sparing a real broker's CPU at --speed max")
	fs.Int32Var(&p.partitions, "partitions", 3, "partitions of each topic ticklake creates")
	fs.Int16Var(&p.replication, "replication-factor", -1, "replication factor of the topics ticklake creates (-1 = broker default)")
	fs.DurationVar(&p.retention, "retention", 0, "retention.ms of the topics ticklake creates (0 = keep records regardless of age; time retention reads event times)")
	fs.Int64Var(&p.retainBytes, "kafka-retention-bytes", 1<<30, "per-partition size cap of the topics ticklake creates")
}

func (p *produceFlags) specs(names ...string) []kafka.TopicSpec {
	ms := int64(-1)
	if p.retention > 0 {
		ms = p.retention.Milliseconds()
	}
	specs := make([]kafka.TopicSpec, len(names))
	for i, n := range names {
		specs[i] = kafka.TopicSpec{Name: n, Partitions: p.partitions, ReplicationFactor: p.replication, RetentionMs: ms, RetentionBytes: p.retainBytes}
	}
	return specs
}

// replayFlags select CSV replay instead of the simulator.
type replayFlags struct {
	cfg     replay.Config
	rate    float64
	strs    []string
	renames []string
}

func (r *replayFlags) add(fs *pflag.FlagSet) {
	r.cfg = replay.DefaultConfig()
	fs.StringVar(&r.cfg.Path, "replay", "", "replay this CSV file (the tutorial's index format, or any CSV with a header) instead of simulating")
	fs.StringVar(&r.cfg.Topic, "topic", r.cfg.Topic, "topic of replayed rows")
	fs.Float64Var(&r.rate, "rate", 1, "replayed records per second (0 = as fast as possible)")
	fs.BoolVar(&r.cfg.Sample, "sample", false, "replay random rows with replacement, forever, as the tutorial did (default: file order, once)")
	fs.BoolVar(&r.cfg.Strict, "strict", false, "stop at the first bad CSV row instead of reporting and skipping it")
	fs.StringVar(&r.cfg.KeyColumn, "key-column", "", "CSV column whose value keys each record (default Index for the tutorial format, else none)")
	fs.StringSliceVar(&r.strs, "string-columns", nil, "CSV columns sent as strings; the others must be numbers (default: Index,Date for the tutorial format, else inferred from the first row)")
	fs.StringSliceVar(&r.renames, "rename", nil, "rename CSV columns to JSON fields: column=field,...")
}

func (r *replayFlags) apply(seed int64) (replay.Config, error) {
	c := r.cfg
	c.Seed, c.StringColumns = seed, r.strs
	if r.rate < 0 || r.rate != r.rate {
		return c, fmt.Errorf("invalid --rate %v: give records per second, or 0 for as fast as possible", r.rate)
	}
	for _, kv := range r.renames {
		from, to, ok := strings.Cut(kv, "=")
		if !ok {
			return c, fmt.Errorf("invalid --rename %q: use column=field", kv)
		}
		if c.Rename == nil {
			c.Rename = map[string]string{}
		}
		c.Rename[from] = to
	}
	return c, c.Validate()
}

func newProduceCmd(e *env) *cobra.Command {
	var (
		kf kafkaFlags
		sf simFlags
		pf produceFlags
		rf replayFlags
	)
	scfg := sim.DefaultConfig()
	pcfg := kafka.ProducerConfig{TopicTrades: "trades", TopicQuotes: "quotes"}
	cmd := &cobra.Command{
		Use:   "produce",
		Short: "Simulate trades and quotes, or replay a CSV, into Kafka or JSON Lines",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sf.apply(&scfg, &pcfg); err != nil {
				return err
			}
			var topics []string
			var run func(context.Context, *kafka.Producer) error
			if rf.cfg.Path != "" {
				rcfg, err := rf.apply(sf.seed)
				if err != nil {
					return err
				}
				src, err := replay.Open(rcfg, e.logger)
				if err != nil {
					return err
				}
				topics = []string{rcfg.Topic}
				run = func(ctx context.Context, p *kafka.Producer) error { return p.RunMessages(ctx, src, rf.rate) }
			} else {
				s, err := sim.New(scfg)
				if err != nil {
					return err
				}
				topics = []string{pcfg.TopicTrades, pcfg.TopicQuotes}
				run = func(ctx context.Context, p *kafka.Producer) error {
					if sf.start == "" { // said once the destination is open, not before a flag error
						warnLive(e.stderr, scfg.Start, pcfg.Speed)
					}
					return p.Run(ctx, s)
				}
			}
			return produce(cmd.Context(), e, &kf, &pf, pcfg, topics, run)
		},
	}
	fs := cmd.Flags()
	kf.add(fs)
	sf.add(fs)
	pf.add(fs)
	rf.add(fs)
	fs.StringVar(&pcfg.TopicTrades, "topic-trades", pcfg.TopicTrades, "topic for trades")
	fs.StringVar(&pcfg.TopicQuotes, "topic-quotes", pcfg.TopicQuotes, "topic for quotes")
	return cmd
}

// warnLive tells a user simulating from now what pace to expect: nothing
// while the market is closed, and no faster than the wall clock even at
// --speed max, since no event is sent before it happens.
func warnLive(w io.Writer, start time.Time, speed float64) {
	switch {
	case sim.Session(start) == "closed":
		fmt.Fprintln(w, "ticklake: the US market is closed now; the first events come at the next 04:00 ET pre-market open (pass --start with a past date to backfill)")
	case speed == 0:
		fmt.Fprintln(w, "ticklake: --speed max from now keeps pace with the wall clock (no event is sent before it happens); pass --start with a past date to backfill at full speed")
	}
}

// produce opens the destination (Kafka or JSON Lines), runs, and reports.
func produce(ctx context.Context, e *env, kf *kafkaFlags, pf *produceFlags, pcfg kafka.ProducerConfig, topics []string, run func(context.Context, *kafka.Producer) error) error {
	summary := e.stdout
	var p *kafka.Producer
	if pf.output != "" {
		w, closeOut, err := openOutput(e, pf.output)
		if err != nil {
			return err
		}
		defer closeOut()
		if pf.output == "-" {
			summary = e.stderr // stdout carries the records
		}
		if p, err = kafka.NewJSONLinesProducer(w, pcfg, e.logger); err != nil {
			return err
		}
	} else {
		cl, err := producerClient(ctx, e, kf, pf, topics)
		if err != nil {
			return err
		}
		defer cl.Close()
		if p, err = kafka.NewProducer(cl, pcfg, e.logger, nil); err != nil {
			return err
		}
	}
	stop := showProgress(e.stderr, p)
	err := run(ctx, p)
	stop()
	printSummary(summary, p)
	return err
}

// producerClient connects a tuned producer client and creates the topics.
func producerClient(ctx context.Context, e *env, kf *kafkaFlags, pf *produceFlags, topics []string) (*kgo.Client, error) {
	if err := kf.requireBrokers(); err != nil {
		return nil, fmt.Errorf("%w, or pass --output FILE for JSON Lines", err)
	}
	opts, err := kafka.ProducerOpts(pf.compression)
	if err != nil {
		return nil, fmt.Errorf("--compression: %w", err)
	}
	if pf.linger < 0 || pf.linger > time.Minute {
		return nil, fmt.Errorf("--linger %v: use a duration from 0 to 1m (default %v)", pf.linger, kafka.DefaultLinger)
	}
	opts = append(opts, kgo.ProducerLinger(pf.linger))
	cl, err := kgo.NewClient(append(kf.config().Opts(e.logger), opts...)...)
	if err != nil {
		return nil, fmt.Errorf("creating Kafka client: %w", err)
	}
	if err := kafka.Ping(ctx, cl, kf.brokers, pingTimeout); err != nil {
		cl.Close()
		return nil, err
	}
	if err := kafka.EnsureTopics(ctx, kadm.NewClient(cl), pf.specs(topics...)...); err != nil {
		cl.Close()
		return nil, fmt.Errorf("preparing topics on %v: %w (is the broker reachable? check --brokers)", kf.brokers, err)
	}
	return cl, nil
}

func openOutput(e *env, path string) (io.Writer, func(), error) {
	if path == "-" {
		return e.stdout, func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--output: %w", err)
	}
	return f, func() { f.Close() }, nil
}

// showProgress redraws one progress line a second while stderr is a
// terminal; the returned func stops it and ends the line.
func showProgress(w io.Writer, p *kafka.Producer) (stop func()) {
	f, ok := w.(*os.File)
	if !ok {
		return func() {}
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprintf(f, "\r\033[Kproducing: %s", p.Stats())
			}
		}
	}()
	return func() { close(done); <-finished }
}

func printSummary(w io.Writer, p *kafka.Producer) {
	produced := p.Produced()
	topics := make([]string, 0, len(produced))
	for t := range produced {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	for _, t := range topics {
		fmt.Fprintf(w, "%s: %d records produced\n", t, produced[t])
	}
	fmt.Fprintf(w, "total: %s\n", p.Stats())
}
