// Command sinkproc runs one sink and nothing else, for the fault harness in
// internal/sink/faulttest: it links far faster than ticklake (no DuckDB), and
// the harness kills, freezes and restarts it as a separate process. On exit it
// prints the sink's Stats as JSON on stdout.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/sink"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sinkproc:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := sink.DefaultConfig()
	var (
		brokers, lakeURL, topics string
		opts                     lake.Options
	)
	flag.StringVar(&brokers, "brokers", "", "seed brokers, comma-separated")
	flag.StringVar(&lakeURL, "lake", "", "lake URL")
	flag.StringVar(&opts.S3Endpoint, "s3-endpoint", "", "S3 endpoint")
	flag.StringVar(&opts.S3Region, "s3-region", "", "S3 region")
	flag.BoolVar(&opts.S3PathStyle, "s3-path-style", false, "path-style S3 addressing")
	flag.IntVar(&opts.S3MaxAttempts, "s3-max-attempts", 0, "attempts of one S3 request")
	flag.DurationVar(&opts.S3AttemptTimeout, "s3-attempt-timeout", 0, "bound of one S3 attempt")
	flag.StringVar(&cfg.Group, "group", cfg.Group, "consumer group")
	flag.StringVar(&topics, "topics", strings.Join(cfg.Topics, ","), "topics")
	flag.StringVar(&cfg.InstanceID, "instance-id", "", "static group member id")
	flag.StringVar(&cfg.Writer, "writer", "", "writer name in markers")
	flag.DurationVar(&cfg.FlushInterval, "flush-interval", cfg.FlushInterval, "flush interval")
	flag.IntVar(&cfg.FlushRows, "flush-rows", cfg.FlushRows, "rows per partition before a flush")
	flag.DurationVar(&cfg.SessionTimeout, "session-timeout", cfg.SessionTimeout, "group session timeout")
	flag.Int64Var(&cfg.MaxBufferBytes, "max-buffer-bytes", cfg.MaxBufferBytes, "buffer cap")
	flag.Int64Var(&cfg.FlushBytes, "flush-bytes", cfg.FlushBytes, "bytes per partition before a flush")
	flag.BoolVar(&cfg.Drain, "drain", false, "drain and exit")
	flag.Parse()
	cfg.Topics = strings.Split(topics, ",")
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(cfg.MemoryLimit())
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	store, err := lake.OpenWith(lakeURL, opts)
	if err != nil {
		return err
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	kopts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(brokers, ",")...),
		kgo.HeartbeatInterval(200 * time.Millisecond),
		kgo.FetchMaxWait(100 * time.Millisecond),
	}
	s, err := sink.New(cfg, store, kopts, log, nil)
	if err != nil {
		return err
	}
	err = s.Run(ctx)
	json.NewEncoder(os.Stdout).Encode(s.Stats())
	return err
}
