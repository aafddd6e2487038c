// Package pipeline wires every stage of ticklake into one process for
// `ticklake up`: the embedded broker (or a real cluster), the simulator's
// producer, the sink, the crawler, the query engine and the HTTP server. It
// owns the order of start-up and of shutdown, nothing else.
package pipeline

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/kafka"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/sim"
	"github.com/ticklake/ticklake/internal/sink"
	"github.com/ticklake/ticklake/internal/web"
)

// Config is everything `ticklake up` needs.
type Config struct {
	// DataDir holds the embedded broker's log, the lake and the catalog
	// unless they are set apart.
	DataDir string
	// KafkaListen is the embedded broker's address; ignored with Brokers.
	KafkaListen string
	// Kafka names a real cluster; empty Brokers = run the embedded broker.
	Kafka kafka.ClientConfig
	// Lake is the lake URL; empty = <DataDir>/lake. LakeOptions configure an
	// s3:// lake.
	Lake        string
	LakeOptions lake.Options
	// Catalog is the catalog URL; empty = <DataDir>/catalog.db.
	Catalog string
	// HTTP configures the API server.
	HTTP web.Config
	// Sim configures the simulator; Producer its pacing and limits.
	// StartNote, when set, tells the user why the simulated clock does not
	// start at the wall clock (markets closed).
	Sim       sim.Config
	StartNote string
	Producer  kafka.ProducerConfig
	// Sink configures the sink; its OnFiles is set by the pipeline.
	Sink sink.Config
	// Partitions is the partition count of the topics ticklake creates.
	Partitions int32
	// CrawlEvery is the period of full crawls (the sink's event path keeps
	// the catalog current in between).
	CrawlEvery time.Duration
	// TrimEvery is how often records the sink has committed are deleted from
	// the embedded broker; RetentionBytes caps each partition as a backstop.
	TrimEvery      time.Duration
	RetentionBytes int64
	// DrainTimeout bounds the shutdown drain.
	DrainTimeout time.Duration
}

// DefaultConfig returns the configuration `ticklake up` starts from.
func DefaultConfig() Config {
	return Config{
		DataDir:        "ticklake-data",
		KafkaListen:    "127.0.0.1:9092",
		Kafka:          kafka.ClientConfig{ClientID: "ticklake"},
		HTTP:           web.Config{Addr: "127.0.0.1:8080"},
		Sim:            sim.DefaultConfig(),
		Producer:       kafka.ProducerConfig{Speed: 1, TopicTrades: "trades", TopicQuotes: "quotes"},
		Sink:           sink.DefaultConfig(),
		Partitions:     3,
		CrawlEvery:     time.Minute,
		TrimEvery:      30 * time.Second,
		RetentionBytes: 1 << 30,
		DrainTimeout:   2 * time.Minute,
	}
}

// resolve fills the locations that default to the data dir.
func (c *Config) resolve() error {
	if c.DataDir == "" {
		return errors.New("--data-dir is empty; give a directory for ticklake's data")
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("resolving --data-dir: %w", err)
	}
	c.DataDir = abs
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return fmt.Errorf("creating data dir: %w; choose a writable --data-dir", err)
	}
	if c.Lake == "" {
		c.Lake = filepath.Join(c.DataDir, "lake")
	}
	if c.Catalog == "" {
		c.Catalog = filepath.Join(c.DataDir, "catalog.db")
	}
	if c.Sink.FlushInterval <= 0 {
		return errors.New("--flush-interval must be positive, e.g. 10s")
	}
	return c.HTTP.Validate()
}

// embedded reports whether the pipeline runs its own broker.
func (c *Config) embedded() bool { return len(c.Kafka.Brokers) == 0 }

// Summary is what a run did, per topic.
type Summary struct {
	Produced map[string]int64 `json:"produced"`
	Written  map[string]int64 `json:"written"`
	// Bad and Duplicates are the records the sink put in _errors instead of
	// the data files: malformed ones, and repeats of a seq already written.
	Bad        map[string]int64 `json:"bad,omitempty"`
	Duplicates map[string]int64 `json:"duplicates,omitempty"`
}

// WriteTo prints the summary for a person.
func (s Summary) WriteTo(w io.Writer) (int64, error) {
	n, err := fmt.Fprintf(w, "ticklake stopped cleanly.\n")
	total := int64(n)
	for _, t := range sortedKeys(s.Produced, s.Written) {
		line := fmt.Sprintf("  %-8s produced %d, written to the lake %d", t, s.Produced[t], s.Written[t])
		if s.Bad[t] > 0 || s.Duplicates[t] > 0 {
			line += fmt.Sprintf(", to _errors %d bad and %d duplicates", s.Bad[t], s.Duplicates[t])
		}
		n, err = fmt.Fprintln(w, line)
		total += int64(n)
		if err != nil {
			break
		}
	}
	return total, err
}

// newAdmin makes a Kafka admin client for the broker the pipeline uses.
func newAdmin(opts []kgo.Opt) (*kadm.Client, *kgo.Client, error) {
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("creating Kafka client: %w", err)
	}
	return kadm.NewClient(cl), cl, nil
}

// logger returns l or a logger that discards.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
