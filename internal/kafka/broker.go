package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

// DefaultListen is the embedded broker's default address.
const DefaultListen = "127.0.0.1:9092"

// BrokerConfig configures the embedded single-node broker.
type BrokerConfig struct {
	// Listen is the host:port to bind; port 0 picks a free port (see
	// Broker.Addr).
	Listen string
	// DataDir persists the log and group offsets across restarts; empty
	// keeps everything in memory.
	DataDir string
	// RetentionBytes caps each partition's size as a backstop
	// (log.retention.bytes); 0 or less means no cap.
	RetentionBytes int64
}

// DefaultBrokerConfig returns an in-memory broker on DefaultListen with a
// 1 GiB per-partition backstop.
func DefaultBrokerConfig() BrokerConfig {
	return BrokerConfig{Listen: DefaultListen, RetentionBytes: 1 << 30}
}

// Validate reports the first problem with c, naming the field and the fix.
func (c BrokerConfig) Validate() error {
	_, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("kafka: listen address %q is not host:port; pass --kafka-listen like %s", c.Listen, DefaultListen)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("kafka: listen port %q is not 0-65535; pass --kafka-listen like %s", port, DefaultListen)
	}
	return nil
}

// Broker is a running embedded broker: one kfake node speaking the real
// Kafka protocol.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
}

// StartBroker starts the embedded broker on exactly cfg.Listen. A taken port
// is one clear error naming the fix.
func StartBroker(cfg BrokerConfig, logger *slog.Logger) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = discardLogger()
	}
	var lnErr error // returned as is: it already names the problem and the fix
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ClusterID("ticklake"),
		kfake.DefaultNumPartitions(3),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			ln, err := listen(network, cfg.Listen)
			lnErr = err
			return ln, err
		}),
		kfake.WithLogger(kfakeLogger{logger}),
		kfake.BrokerConfigs(brokerConfigs(cfg)),
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if lnErr != nil {
		return nil, lnErr
	}
	if err != nil {
		return nil, startError(err, cfg)
	}
	b := &Broker{cluster: c, addr: c.ListenAddrs()[0]}
	logger.Info("embedded kafka broker started", "addr", b.addr, "data_dir", cfg.DataDir)
	return b, nil
}

// listen binds the requested address; kfake alone would always bind
// 127.0.0.1.
func listen(network, addr string) (net.Listener, error) {
	ln, err := net.Listen(network, addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("listening on %s: address already in use; pass --kafka-listen 127.0.0.1:0 or another port, or stop the other process", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return ln, nil
}

func startError(err error, cfg BrokerConfig) error {
	if cfg.DataDir != "" {
		return fmt.Errorf("starting embedded kafka broker (data dir %s): %w", cfg.DataDir, err)
	}
	return fmt.Errorf("starting embedded kafka broker: %w", err)
}

func brokerConfigs(cfg BrokerConfig) map[string]string {
	m := map[string]string{
		// Run retention every minute rather than kfake's hourly default,
		// so the size backstop bites.
		"log.cleaner.backoff.ms": "60000",
	}
	if cfg.RetentionBytes > 0 {
		m["log.retention.bytes"] = strconv.FormatInt(cfg.RetentionBytes, 10)
	}
	return m
}

// Addr returns the address the broker listens on, with the real port when
// port 0 was requested.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker, persisting its state when a data dir is set. It is
// safe to call more than once.
func (b *Broker) Close() error {
	b.cluster.Close()
	return nil
}

// kfakeLogger forwards kfake's printf-style logs to slog. kfake logs every
// request at info, so that maps to debug.
type kfakeLogger struct{ l *slog.Logger }

func (k kfakeLogger) Logf(level kfake.LogLevel, msg string, args ...any) {
	var lvl slog.Level
	switch level {
	case kfake.LogLevelError:
		lvl = slog.LevelError
	case kfake.LogLevelWarn:
		lvl = slog.LevelWarn
	default:
		lvl = slog.LevelDebug
	}
	if !k.l.Enabled(context.Background(), lvl) {
		return
	}
	k.l.Log(context.Background(), lvl, fmt.Sprintf(msg, args...), "component", "kfake")
}
