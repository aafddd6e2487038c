package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ticklake/ticklake/internal/kafka"
	"github.com/ticklake/ticklake/internal/sim"
)

// defaultDataDir is where ticklake keeps its data unless told otherwise.
const defaultDataDir = "ticklake-data"

// pingTimeout bounds the check that --brokers answers.
const pingTimeout = 10 * time.Second

// kafkaFlags are the options of every Kafka client.
type kafkaFlags struct {
	brokers  []string
	clientID string
	sasl     kafka.SASLConfig
	tls      kafka.TLSConfig
}

func (k *kafkaFlags) add(fs *pflag.FlagSet) {
	fs.StringSliceVar(&k.brokers, "brokers", nil, "Kafka bootstrap brokers, host:port,... (required by produce and sink; without it up runs an embedded broker)")
	fs.StringVar(&k.clientID, "kafka-client-id", "ticklake", "client id the Kafka clients announce")
	fs.StringVar(&k.sasl.Mechanism, "kafka-sasl", "", "SASL mechanism: plain, scram-sha-256 or scram-sha-512 (default none)")
	fs.StringVar(&k.sasl.User, "kafka-user", "", "SASL user name (with --kafka-sasl)")
	fs.StringVar(&k.sasl.PasswordFile, "kafka-password-file", "", "file holding the SASL password (with --kafka-sasl)")
	fs.BoolVar(&k.tls.Enabled, "kafka-tls", false, "connect to the brokers over TLS (implied by the other --kafka-tls-* flags)")
	fs.StringVar(&k.tls.CAFile, "kafka-tls-ca", "", "PEM file of the CA that signed the brokers' certificates (default the system's CAs)")
	fs.StringVar(&k.tls.CertFile, "kafka-tls-cert", "", "PEM client certificate, for brokers that require one")
	fs.StringVar(&k.tls.KeyFile, "kafka-tls-key", "", "PEM key of --kafka-tls-cert")
	fs.BoolVar(&k.tls.InsecureSkipVerify, "kafka-tls-insecure-skip-verify", false, "accept any broker certificate (testing only)")
}

func (k *kafkaFlags) config() kafka.ClientConfig {
	return kafka.ClientConfig{Brokers: k.brokers, ClientID: k.clientID, SASL: k.sasl, TLS: k.tls}
}

// requireBrokers is for stages that never start a broker themselves.
func (k *kafkaFlags) requireBrokers() error {
	if len(k.brokers) == 0 {
		return fmt.Errorf("--brokers is required: give host:port of a Kafka broker (e.g. 127.0.0.1:9092 for `ticklake broker` or `ticklake up`)")
	}
	return nil
}

// locationFlags are the data dir and the lake and catalog locations that
// default to places inside it.
type locationFlags struct {
	dataDir string
	lake    string
	catalog string
}

func (l *locationFlags) add(fs *pflag.FlagSet, lake, catalog bool) {
	fs.StringVar(&l.dataDir, "data-dir", defaultDataDir, "directory for ticklake's data; sets the default lake and catalog locations")
	if lake {
		fs.StringVar(&l.lake, "lake", "", "lake location: a directory, file:///path or s3://bucket/prefix (default <data-dir>/lake)")
	}
	if catalog {
		fs.StringVar(&l.catalog, "catalog", "", catalogUsage)
	}
}

func (l *locationFlags) lakeURL() string {
	if l.lake != "" {
		return l.lake
	}
	return filepath.Join(l.dataDir, "lake")
}

func (l *locationFlags) catalogURL() string {
	if l.catalog != "" {
		return l.catalog
	}
	return filepath.Join(l.dataDir, "catalog.db")
}

// simFlags configure the simulator and the producer's pace.
type simFlags struct {
	seed     int64
	symbols  string
	universe string
	speed    string
	start    string
	count    int64
	duration time.Duration
}

func (s *simFlags) add(fs *pflag.FlagSet) {
	fs.Int64Var(&s.seed, "seed", 1, "simulator seed: the same seed and flags give the same stream")
	fs.StringVar(&s.symbols, "symbols", "", "symbols to simulate: a number N (the first N of the universe) or a comma-separated list (default all)")
	fs.StringVar(&s.universe, "universe", "", "YAML file listing the universe (symbol, name, sector, price, volatility, adv); default the built-in 64 symbols")
	fs.StringVar(&s.speed, "speed", "1", "simulated seconds per wall-clock second, or max for as fast as possible")
	fs.StringVar(&s.start, "start", "", "simulated start: YYYY-MM-DD (midnight New York time) or RFC 3339 (default now)")
	fs.Int64Var(&s.count, "count", 0, "stop after this many records in total (0 = no limit)")
	fs.DurationVar(&s.duration, "duration", 0, "stop after this much simulated time (0 = no limit)")
}

// apply fills the simulator and producer configs.
func (s *simFlags) apply(sc *sim.Config, pc *kafka.ProducerConfig) error {
	sc.Seed = s.seed
	speed, err := parseSpeed(s.speed)
	if err != nil {
		return err
	}
	pc.Speed, pc.Count, pc.Duration = speed, s.count, s.duration
	if s.count < 0 || s.duration < 0 {
		return fmt.Errorf("--count and --duration must not be negative")
	}
	if sc.Start, err = parseStart(s.start); err != nil {
		return err
	}
	if s.universe != "" {
		if sc.Universe, err = sim.LoadUniverse(s.universe); err != nil {
			return fmt.Errorf("--universe: %w", err)
		}
	}
	if sc.Symbols, err = parseSymbols(s.symbols, sc.Universe); err != nil {
		return err
	}
	return sc.Validate()
}

func parseSpeed(v string) (float64, error) {
	if strings.EqualFold(v, "max") {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f != f {
		return 0, fmt.Errorf("invalid --speed %q: give a positive number (1 = real time) or max", v)
	}
	return f, nil
}

func parseStart(v string) (time.Time, error) {
	if v == "" {
		return time.Now().UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, newYork()); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("invalid --start %q: use YYYY-MM-DD or an RFC 3339 timestamp", v)
}

func parseSymbols(v string, universe []sim.Symbol) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return splitList(strings.ToUpper(v)), nil
	}
	syms := universe
	if syms == nil {
		syms = sim.DefaultUniverse()
	}
	if n < 1 || n > len(syms) {
		return nil, fmt.Errorf("invalid --symbols %d: the universe has %d symbols; give 1 to %d or a list", n, len(syms), len(syms))
	}
	out := make([]string, n)
	for i := range out {
		out[i] = syms[i].Symbol
	}
	return out, nil
}

// newYork is the exchange time zone, in which plain dates are read.
func newYork() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		return time.UTC // unreachable: package sim embeds the tz database
	}
	return loc
}

// readToken returns the auth token from the flag or the token file.
func readToken(token, file string) (string, error) {
	if file == "" {
		return token, nil
	}
	if token != "" {
		return "", fmt.Errorf("give --auth-token or --auth-token-file, not both")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading --auth-token-file: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("--auth-token-file %s is empty", file)
	}
	return t, nil
}
