// Package kafka holds everything ticklake does with Kafka: client options, the
// embedded broker (kfake), topic administration, the producer loop that pumps
// simulated ticks into topics, and trimming of records the sink has
// committed.
//
// It knows the wire form of records (package tick) but not where events come
// from (any Source will do) nor what the sink does with them.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kslog"
)

// ClientConfig says how to reach a Kafka cluster.
type ClientConfig struct {
	// Brokers are the seed brokers, host:port each.
	Brokers []string
	// ClientID identifies ticklake to the brokers (logs, quotas).
	ClientID string
	// SASL authenticates the client; the zero value means no SASL.
	SASL SASLConfig
	// TLS encrypts connections; the zero value means plaintext.
	TLS TLSConfig
}

// DefaultClientConfig returns a config for the embedded broker's default
// address with client id "ticklake".
func DefaultClientConfig() ClientConfig {
	return ClientConfig{Brokers: []string{DefaultListen}, ClientID: "ticklake"}
}

// Validate reports the first problem with c, naming the field and the fix.
func (c ClientConfig) Validate() error {
	if len(c.Brokers) == 0 {
		return errors.New("kafka: no brokers; pass --kafka-brokers host:port (comma-separated for several)")
	}
	for _, b := range c.Brokers {
		if _, port, err := net.SplitHostPort(strings.TrimSpace(b)); err != nil || port == "" {
			return fmt.Errorf("kafka: broker %q is not host:port; pass --kafka-brokers like 127.0.0.1:9092", b)
		}
	}
	if strings.TrimSpace(c.ClientID) == "" {
		return errors.New("kafka: client id is empty; pass --kafka-client-id ticklake or leave the default")
	}
	return c.validateSecurity()
}

// Opts returns the kgo options for c: seed brokers, client id, a kslog
// logger, and TLS and SASL when configured. A nil logger discards the
// client's logs. A security setting that cannot be loaded (a missing file)
// makes every connection fail with a *ConfigError, which Ping reports.
func (c ClientConfig) Opts(logger *slog.Logger) []kgo.Opt {
	if logger == nil {
		logger = discardLogger()
	}
	brokers := make([]string, len(c.Brokers))
	for i, b := range c.Brokers {
		brokers[i] = strings.TrimSpace(b)
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.ClientID(c.ClientID),
		kgo.WithLogger(kslog.New(quiet(logger))),
	}
	sec, err := c.securityOpts()
	if err != nil {
		return append(opts, failingDialer(err))
	}
	return append(opts, sec...)
}

func discardLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Ping checks within timeout that at least one seed broker answers, so a bad
// --brokers fails at once with one line instead of retrying in silence.
func Ping(ctx context.Context, cl *kgo.Client, brokers []string, timeout time.Duration) error {
	return ClientConfig{Brokers: brokers}.Ping(ctx, cl, timeout)
}

// Ping checks within timeout that a broker answers cl, a client made from
// c's options. A refused login, an untrusted certificate or an unloadable
// setting is one line naming the fix, returned at once: cl is not retried.
func (c ClientConfig) Ping(ctx context.Context, cl *kgo.Client, timeout time.Duration) error {
	brokers := c.Brokers
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := cl.Ping(ctx); err != nil {
		if aerr := c.authError(err); aerr != nil {
			return aerr
		}
		return fmt.Errorf("cannot reach Kafka at %s: %w; check --brokers and that the broker is running", strings.Join(brokers, ","), err)
	}
	return nil
}

// quiet keeps the Kafka client's own warnings (a failed dial, a retried
// request) out of the way unless debug logging is on: ticklake reports what
// such failures mean in one line of its own, and the client retries anyway.
func quiet(l *slog.Logger) *slog.Logger {
	if l.Enabled(context.Background(), slog.LevelDebug) {
		return l
	}
	return slog.New(minLevel{l.Handler(), slog.LevelError})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(as), m.min}
}

func (m minLevel) WithGroup(g string) slog.Handler {
	return minLevel{m.Handler.WithGroup(g), m.min}
}
