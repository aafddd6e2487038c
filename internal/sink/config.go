package sink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ticklake/ticklake/internal/tick"
)

// Config configures a Sink. Start from DefaultConfig.
type Config struct {
	// Group is the Kafka consumer group; the members of one group share the
	// topics' partitions and their committed offsets.
	Group string
	// Topics are consumed. Known topics (trades, quotes) become typed tables;
	// records of other topics are skipped for now.
	Topics []string
	// FlushInterval is the longest a consumed record waits in memory before it
	// is written; every partition, idle ones too, flushes on this wall clock.
	FlushInterval time.Duration
	// FlushRows is the most rows buffered per Kafka partition; reaching it
	// flushes that partition at once, which bounds memory.
	FlushRows int
	// Drain makes Run consume every assigned partition up to its end as of
	// start, flush, commit and return nil.
	Drain bool
	// OnFiles, when set, is called after files are in the lake and their
	// offsets committed; the pipeline uses it to tell the catalog.
	OnFiles func(ctx context.Context, files []File)
}

// DefaultConfig returns the configuration `ticklake up` uses.
func DefaultConfig() Config {
	return Config{
		Group:         "ticklake-sink",
		Topics:        []string{tick.TopicTrades, tick.TopicQuotes},
		FlushInterval: 10 * time.Second,
		FlushRows:     1_000_000,
	}
}

// Validate reports the first field that cannot work, and how to fix it.
func (c Config) Validate() error {
	if c.Group == "" {
		return errors.New("sink: empty consumer group; set Group (default ticklake-sink)")
	}
	if len(c.Topics) == 0 {
		return errors.New("sink: no topics; set Topics (default trades,quotes)")
	}
	seen := make(map[string]bool, len(c.Topics))
	for _, t := range c.Topics {
		if t == "" {
			return errors.New("sink: empty topic name in Topics; remove it")
		}
		if seen[t] {
			return fmt.Errorf("sink: topic %q listed twice in Topics; list it once", t)
		}
		seen[t] = true
	}
	if c.FlushInterval <= 0 {
		return fmt.Errorf("sink: FlushInterval %v must be positive (default 10s)", c.FlushInterval)
	}
	if c.FlushRows <= 0 {
		return fmt.Errorf("sink: FlushRows %d must be positive (default 1000000)", c.FlushRows)
	}
	return nil
}
