package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/sink"
)

func newSinkCmd(e *env) *cobra.Command {
	var (
		kf  kafkaFlags
		loc locationFlags
		s3  s3Flags
	)
	cfg := sink.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "sink",
		Short: "Consume Kafka topics into Parquet files in the lake",
		Long: `sink joins a consumer group, writes each topic's records as zstd Parquet under
<lake>/<table>/dt=YYYY-MM-DD/hr=HH/ and commits offsets only once the files
are in the lake. Ctrl-C flushes and commits before exit; --drain consumes
to the end of every partition as of start, then exits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := kf.requireBrokers(); err != nil {
				return err
			}
			store, err := lake.OpenWith(loc.lakeURL(), s3.options())
			if err != nil {
				return err
			}
			defer store.Close()
			s, err := sink.New(cfg, store, kf.config().Opts(e.logger), e.logger, nil)
			if err != nil {
				return err
			}
			err = s.Run(cmd.Context())
			for topic, ts := range s.Stats().Topics {
				fmt.Fprintf(e.stdout, "%s: %d records consumed, %d written in %d files\n", topic, ts.Consumed, ts.Written, ts.Files)
			}
			return err
		},
	}
	fs := cmd.Flags()
	kf.add(fs)
	loc.add(fs, true, false)
	s3.add(fs)
	fs.StringVar(&cfg.Group, "group", cfg.Group, "consumer group")
	fs.StringSliceVar(&cfg.Topics, "topics", cfg.Topics, "topics to consume")
	fs.DurationVar(&cfg.FlushInterval, "flush-interval", cfg.FlushInterval, "longest time a record waits before its file is written")
	fs.IntVar(&cfg.FlushRows, "flush-rows", cfg.FlushRows, "rows buffered per partition before a flush")
	fs.BoolVar(&cfg.Drain, "drain", false, "consume to the end of every partition as of start, flush, commit and exit")
	return cmd
}
