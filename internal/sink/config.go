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
	// FlushBytes is the most record bytes (values plus a fixed per-row
	// overhead) buffered per Kafka partition;
	// reaching it flushes that partition at once.
	FlushBytes int64
	// MaxBufferBytes caps the record bytes buffered over all partitions:
	// reaching it flushes the largest partitions, and while a flush cannot
	// bring it down (a failing lake) fetching pauses. Nothing is dropped.
	MaxBufferBytes int64
	// MaxRecordBytes is the largest record value turned into a row; larger
	// ones go to _errors as oversize.
	MaxRecordBytes int
	// InstanceID, when set, makes the sink a static group member: a
	// restarted sink with the same id takes its partitions back at once,
	// without a rebalance. Give each sink process its own.
	InstanceID string
	// SessionTimeout is how long the group waits for a silent member before
	// giving its partitions to others.
	SessionTimeout time.Duration
	// Writer names this sink in the claim markers it writes; default
	// host:pid.
	Writer string
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
		Group:          "ticklake-sink",
		Topics:         []string{tick.TopicTrades, tick.TopicQuotes},
		FlushInterval:  10 * time.Second,
		FlushRows:      1_000_000,
		FlushBytes:     32 << 20,
		MaxBufferBytes: 64 << 20,
		MaxRecordBytes: 1 << 20,
		SessionTimeout: 10 * time.Second,
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
	if c.FlushBytes <= 0 || c.MaxBufferBytes <= 0 {
		return fmt.Errorf("sink: FlushBytes %d and MaxBufferBytes %d must be positive (defaults 32 MiB, 64 MiB)", c.FlushBytes, c.MaxBufferBytes)
	}
	if c.MaxRecordBytes <= 0 {
		return fmt.Errorf("sink: MaxRecordBytes %d must be positive (default 1 MiB)", c.MaxRecordBytes)
	}
	if c.SessionTimeout < time.Second {
		return fmt.Errorf("sink: SessionTimeout %v must be at least 1s (default 10s)", c.SessionTimeout)
	}
	return nil
}

// MemoryLimit is a soft memory limit for a process that runs this sink and
// little else (`ticklake sink`): four times MaxBufferBytes for rows, fetches,
// encoding and garbage, plus 128 MiB. Such a process passes it to
// debug.SetMemoryLimit unless GOMEMLIMIT is set, so that garbage collection
// keeps the peak RSS near the buffer cap instead of twice the live heap.
func (c Config) MemoryLimit() int64 {
	return 4*c.MaxBufferBytes + 128<<20
}
