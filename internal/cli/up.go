package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/ticklake/ticklake/internal/pipeline"
	"github.com/ticklake/ticklake/internal/sim"
)

func newUpCmd(e *env) *cobra.Command {
	cfg := pipeline.DefaultConfig()
	var (
		kf        kafkaFlags
		loc       locationFlags
		sf        simFlags
		tokenFile string
		s3        s3Flags
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run the whole pipeline on this machine: broker, simulator, sink, crawler, SQL and HTTP",
		Long: `up runs every stage in one process. With no --brokers it starts an embedded
Kafka-protocol broker on --kafka-listen (one machine, loopback); with --brokers
it uses that Kafka cluster instead. The simulator produces trades and quotes,
the sink writes them as Parquet under --lake, the crawler keeps --catalog
current, and --http serves /metrics, /api/status and POST /api/query.

Ctrl-C or SIGTERM stops producing, drains the sink to the end of the log,
flushes and commits every file, updates the catalog and prints a summary.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Kafka = kf.config()
			cfg.DataDir, cfg.Lake, cfg.Catalog = loc.dataDir, loc.lake, loc.catalog
			cfg.LakeOptions = s3.options()
			if err := sf.apply(&cfg.Sim, &cfg.Producer); err != nil {
				return err
			}
			if sf.start == "" {
				// Show a moving market whatever the hour: outside trading
				// hours start at the most recent regular-session open.
				cfg.Sim.Start, cfg.StartNote = sim.DefaultStart(time.Now())
			}
			var err error
			if cfg.HTTP.Token, err = readToken(cfg.HTTP.Token, tokenFile); err != nil {
				return err
			}
			p, err := pipeline.Start(cmd.Context(), cfg, e.logger)
			if err != nil {
				return err
			}
			defer p.Close()
			p.Banner(e.stdout, loc.dataDir)
			sum, err := p.Run(cmd.Context())
			sum.WriteTo(e.stdout)
			return err
		},
	}
	fs := cmd.Flags()
	kf.add(fs)
	loc.add(fs, true, true)
	s3.add(fs)
	sf.add(fs)
	fs.StringVar(&cfg.KafkaListen, "kafka-listen", cfg.KafkaListen, "address of the embedded broker (port 0 = any free port)")
	fs.StringVar(&cfg.HTTP.Addr, "http", cfg.HTTP.Addr, "address of the HTTP API and metrics (port 0 = any free port)")
	fs.StringVar(&cfg.HTTP.Token, "auth-token", "", "bearer token every HTTP request must carry (required off loopback)")
	fs.StringVar(&tokenFile, "auth-token-file", "", "file holding the HTTP bearer token")
	fs.Int32Var(&cfg.Partitions, "partitions", cfg.Partitions, "partitions of each topic ticklake creates")
	fs.DurationVar(&cfg.Sink.FlushInterval, "flush-interval", cfg.Sink.FlushInterval, "longest time a record waits in the sink before its file is written")
	fs.DurationVar(&cfg.CrawlEvery, "crawl-every", cfg.CrawlEvery, "period of full crawls of the lake")
	fs.Int64Var(&cfg.RetentionBytes, "kafka-retention-bytes", cfg.RetentionBytes, "per-partition size cap of the topics ticklake creates")
	return cmd
}
