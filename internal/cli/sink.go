package cli

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/ticklake/ticklake/internal/kafka"
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
		Long: `sink joins a consumer group and writes each topic's records as zstd Parquet under
<lake>/<table>/dt=YYYY-MM-DD/hr=HH/, every record in exactly one file whatever
fails: each flush range is claimed under <lake>/_commits/ before its files are
written, and a sink resumes where the claims end (docs/sink.md). Records that
cannot become rows go to <lake>/_errors/. Ctrl-C flushes and commits before
exit; --drain consumes to the end of every partition as of start, then exits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := kf.requireBrokers(); err != nil {
				return err
			}
			if err := kafka.Check(cmd.Context(), kf.config(), pingTimeout); err != nil {
				return err
			}
			store, err := lake.OpenWith(loc.lakeURL(), s3.options())
			if err != nil {
				return err
			}
			defer store.Close()
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(cfg.MemoryLimit())
			}
			s, err := sink.New(cfg, store, kf.config().Opts(e.logger), e.logger, nil)
			if err != nil {
				return err
			}
			err = s.Run(cmd.Context())
			for topic, ts := range s.Stats().Topics {
				fmt.Fprintf(e.stdout, "%s: %d records consumed, %d written in %d files, %d bad and %d duplicates to _errors\n",
					topic, ts.Consumed, ts.Written, ts.Files, ts.BadRecords, ts.Duplicates)
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
	fs.Int64Var(&cfg.FlushBytes, "flush-bytes", cfg.FlushBytes, "record bytes buffered per partition before a flush")
	fs.Int64Var(&cfg.MaxBufferBytes, "max-buffer-bytes", cfg.MaxBufferBytes, "record bytes buffered over all partitions; beyond it the largest flush and fetching pauses")
	fs.IntVar(&cfg.MaxRecordBytes, "max-record-bytes", cfg.MaxRecordBytes, "largest record value made a row; larger ones go to _errors")
	fs.StringVar(&cfg.InstanceID, "instance-id", "", "static group membership id: a restarted sink with the same id is back at once (one per sink process)")
	fs.DurationVar(&cfg.SessionTimeout, "session-timeout", cfg.SessionTimeout, "how long the group waits for a silent sink before handing its partitions over")
	fs.BoolVar(&cfg.Drain, "drain", false, "consume to the end of every partition as of start, flush, commit and exit")
	return cmd
}
