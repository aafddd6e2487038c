package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/backend"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/crawler"
	"github.com/ticklake/ticklake/internal/kafka"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/query"
	"github.com/ticklake/ticklake/internal/sim"
	"github.com/ticklake/ticklake/internal/sink"
	"github.com/ticklake/ticklake/internal/web"
)

// Pipeline is a started `ticklake up`: every resource is open and every
// listener bound, so that a bad flag or a port in use fails before anything
// runs.
type Pipeline struct {
	cfg      Config
	log      *slog.Logger
	reg      *prometheus.Registry
	started  time.Time
	broker   *kafka.Broker
	brokers  []string
	client   *kgo.Client // producer and admin
	admin    *kadm.Client
	store    lake.Store
	cat      catalog.Manager
	crawler  *crawler.Crawler
	sink     *sink.Sink
	producer *kafka.Producer
	sim      *sim.Sim
	engine   *query.Engine
	history  *query.History
	web      *web.Server
}

// Start opens everything `ticklake up` needs. Close releases it; Run uses it.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Pipeline, error) {
	p := &Pipeline{cfg: cfg, log: logger(log), reg: prometheus.NewRegistry(), started: time.Now()}
	if err := p.cfg.resolve(); err != nil {
		return nil, err
	}
	p.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	steps := []func(context.Context) error{p.startKafka, p.openLake, p.openCatalog, p.openSink, p.openProducer, p.openQuery, p.openWeb}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

func (p *Pipeline) startKafka(ctx context.Context) error {
	p.brokers = p.cfg.Kafka.Brokers
	if p.cfg.embedded() {
		b, err := kafka.StartBroker(kafka.BrokerConfig{
			Listen:         p.cfg.KafkaListen,
			DataDir:        p.cfg.DataDir + "/kafka",
			RetentionBytes: p.cfg.RetentionBytes,
		}, p.log.With("component", "broker"))
		if err != nil {
			return err
		}
		p.broker = b
		p.brokers = []string{b.Addr()}
	}
	kc := p.cfg.Kafka
	kc.Brokers = p.brokers
	popts, err := kafka.ProducerOpts(kafka.DefaultCompression)
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(append(kc.Opts(p.log.With("component", "kafka")), popts...)...)
	if err != nil {
		return fmt.Errorf("creating Kafka client: %w", err)
	}
	p.client, p.admin = cl, kadm.NewClient(cl)
	if err := kafka.Ping(ctx, cl, p.brokers, 10*time.Second); err != nil {
		return err
	}
	rf := int16(-1)
	if p.cfg.embedded() {
		rf = 1
	}
	var specs []kafka.TopicSpec
	for _, t := range []string{p.cfg.Producer.TopicTrades, p.cfg.Producer.TopicQuotes} {
		specs = append(specs, kafka.TopicSpec{Name: t, Partitions: p.cfg.Partitions, ReplicationFactor: rf, RetentionMs: -1, RetentionBytes: p.cfg.RetentionBytes})
	}
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := kafka.EnsureTopics(tctx, p.admin, specs...); err != nil {
		return fmt.Errorf("preparing topics on %v: %w (is the broker reachable? check --brokers)", p.brokers, err)
	}
	return nil
}

func (p *Pipeline) openLake(context.Context) error {
	s, err := lake.OpenWith(p.cfg.Lake, p.cfg.LakeOptions)
	if err != nil {
		return err
	}
	p.store, err = lake.Instrument(s, p.reg)
	return err
}

func (p *Pipeline) openCatalog(ctx context.Context) error {
	var err error
	if p.cat, err = backend.Open(ctx, p.cfg.Catalog, backend.Options{}); err != nil {
		return err
	}
	p.crawler, err = crawler.New(p.store, p.cat, crawler.DefaultConfig(), p.log.With("component", "crawler"), p.reg)
	return err
}

func (p *Pipeline) openSink(context.Context) error {
	sc := p.cfg.Sink
	sc.Topics = []string{p.cfg.Producer.TopicTrades, p.cfg.Producer.TopicQuotes}
	sc.OnFiles = p.registerFiles
	kc := p.cfg.Kafka
	kc.Brokers = p.brokers
	kc.ClientID += "-sink"
	var err error
	p.sink, err = sink.New(sc, p.store, kc.Opts(p.log.With("component", "kafka")), p.log, p.reg)
	return err
}

// historyPath is where query history is kept: the SQLite catalog's file, or
// history.db in the data dir when the catalog is Glue.
func (p *Pipeline) historyPath() string {
	if path, err := sqlite.URLPath(p.cfg.Catalog); err == nil {
		return path
	}
	return filepath.Join(p.cfg.DataDir, "history.db")
}

// registerFiles is the event path: the catalog hears of each new file as soon
// as the sink has committed it, without waiting for a crawl.
func (p *Pipeline) registerFiles(ctx context.Context, files []sink.File) {
	keys := make([]string, len(files))
	for i, f := range files {
		keys[i] = f.Key
	}
	if err := p.crawler.Register(ctx, keys); err != nil {
		p.log.Warn("registering new files in the catalog; the next crawl will retry", "files", len(keys), "err", err)
	}
}

func (p *Pipeline) openProducer(context.Context) error {
	var err error
	if p.sim, err = sim.New(p.cfg.Sim); err != nil {
		return err
	}
	p.producer, err = kafka.NewProducer(p.client, p.cfg.Producer, p.log.With("component", "producer"), p.reg)
	return err
}

func (p *Pipeline) openQuery(context.Context) error {
	var err error
	qc := query.DefaultConfig()
	qc.CacheDir = filepath.Join(p.cfg.DataDir, "cache")
	if p.engine, err = query.Open(p.cat, p.store, qc, p.log.With("component", "query")); err != nil {
		return err
	}
	// Queries through /api/query go into the same history as `ticklake
	// query`: inside the SQLite catalog, or beside it for Glue.
	if p.history, err = query.OpenHistory(p.historyPath()); err != nil {
		return err
	}
	p.engine.SetHistory(p.history)
	return nil
}

func (p *Pipeline) openWeb(context.Context) error {
	var err error
	p.web, err = web.New(p.cfg.HTTP, web.Deps{
		Logger:   p.log.With("component", "web"),
		Gatherer: p.reg,
		Status:   func() any { return p.Status() },
		Query:    p.engine.Query,
	})
	if err != nil {
		return err
	}
	return p.web.Listen()
}

// Close releases everything Start opened.
func (p *Pipeline) Close() error {
	var errs []error
	if p.engine != nil {
		errs = append(errs, p.engine.Close())
	}
	if p.history != nil {
		errs = append(errs, p.history.Close())
	}
	if p.cat != nil {
		errs = append(errs, p.cat.Close())
	}
	if p.store != nil {
		errs = append(errs, p.store.Close())
	}
	if p.client != nil {
		p.client.Close()
	}
	if p.broker != nil {
		errs = append(errs, p.broker.Close())
	}
	return errors.Join(errs...)
}

// Info says where things are, for the banner and for tests.
type Info struct {
	Brokers  []string `json:"brokers"`
	Embedded bool     `json:"embedded_broker"`
	Lake     string   `json:"lake"`
	Catalog  string   `json:"catalog"`
	HTTP     string   `json:"http"`
}

// Info returns where the running pipeline's parts are.
func (p *Pipeline) Info() Info {
	return Info{Brokers: p.brokers, Embedded: p.cfg.embedded(), Lake: p.store.URL(), Catalog: p.cfg.Catalog, HTTP: "http://" + p.web.Addr()}
}

// Status is the JSON of /api/status.
type Status struct {
	Info
	Started  time.Time        `json:"started"`
	Uptime   string           `json:"uptime"`
	Produced map[string]int64 `json:"produced"`
	Sink     sink.Stats       `json:"sink"`
}

// Status reports the pipeline's state now.
func (p *Pipeline) Status() Status {
	return Status{
		Info:     p.Info(),
		Started:  p.started,
		Uptime:   time.Since(p.started).Round(time.Second).String(),
		Produced: p.producer.Produced(),
		Sink:     p.sink.Stats(),
	}
}

// Banner prints where data goes, the URL, and a query to try.
func (p *Pipeline) Banner(w io.Writer, dataDir string) {
	i := p.Info()
	broker := fmt.Sprintf("embedded broker on %s", i.Brokers[0])
	if !i.Embedded {
		broker = fmt.Sprintf("Kafka cluster %v", i.Brokers)
	}
	fmt.Fprintf(w, `ticklake is up.
  kafka    %s (topics %s, %s)
  lake     %s
  catalog  %s
  web      %s  (/metrics, /api/status, POST /api/query)
`, broker, p.cfg.Producer.TopicTrades, p.cfg.Producer.TopicQuotes, i.Lake, i.Catalog, i.HTTP)
	if p.cfg.StartNote != "" {
		fmt.Fprintf(w, "  market   %s\n", p.cfg.StartNote)
	}
	fmt.Fprintf(w, `Try, in another terminal:
  ticklake query --data-dir %s "SELECT symbol, count(*), min(price), max(price) FROM trades GROUP BY 1 ORDER BY 1"
Press Ctrl-C to stop: ticklake drains the sink, flushes and commits before it exits.
`, dataDir)
}

func sortedKeys(ms ...map[string]int64) []string {
	set := map[string]bool{}
	for _, m := range ms {
		for k := range maps.Keys(m) {
			set[k] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
