// Package sink benchmarks ticklake's sink: trade records from the embedded
// broker to zstd Parquet in a local lake (and on versitygw when
// TICKLAKE_TEST_VERSITYGW is set), the peak RSS of a sink process with 64
// partitions, and, in the same run, the original tutorial's consumer pattern
// (one JSON object written per message) as the peer.
//
//	go test -run '^$' -bench . -benchtime 1000000x ./bench/sink
//
// b.N is the number of trade records each run sinks; the records are
// produced before the timer starts.
package sink

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/kafka"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/sink"
	"github.com/ticklake/ticklake/internal/tick"
)

// newBroker starts the embedded broker with a trades topic of parts
// partitions and a producing client.
func newBroker(b *testing.B, parts int32) (*kafka.Broker, *kgo.Client) {
	b.Helper()
	br, err := kafka.StartBroker(kafka.BrokerConfig{Listen: "127.0.0.1:0"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { br.Close() })
	opts, err := kafka.ProducerOpts("lz4")
	if err != nil {
		b.Fatal(err)
	}
	cl, err := kgo.NewClient(append(kafka.ClientConfig{Brokers: []string{br.Addr()}, ClientID: "bench"}.Opts(nil),
		append(opts, kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cl.Close)
	spec := kafka.TopicSpec{Name: tick.TopicTrades, Partitions: parts, ReplicationFactor: 1, RetentionMs: -1, RetentionBytes: -1}
	if err := kafka.EnsureTopics(context.Background(), kadm.NewClient(cl), spec); err != nil {
		b.Fatal(err)
	}
	return br, cl
}

// produceTrades produces n realistic trades with the producer's headers.
func produceTrades(b *testing.B, cl *kgo.Client, n int) {
	b.Helper()
	syms := []string{"AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "META", "GOOGL", "AMD", "NFLX", "INTC", "SPY", "QQQ"}
	base := time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC).UnixNano()
	ctx := context.Background()
	const batch = 10000
	for done := 0; done < n; done += batch {
		recs := make([]*kgo.Record, 0, batch)
		for i := done; i < min(n, done+batch); i++ {
			sym := syms[rand.IntN(len(syms))]
			ts := base + int64(i)*1000
			// Prices in whole cents, as the simulator writes them: the
			// nearest float64 of n/100 prints as n/100 ("187.37"), where
			// 100 + n/100 often prints with 17 digits.
			tr := tick.Trade{Symbol: sym, Ts: ts, Price: float64(10_000+rand.IntN(10_000)) / 100, Size: int64(1 + rand.IntN(500)),
				Exchange: "Q", Conditions: []string{"@", "F"}, Side: "B", Seq: int64(i)}
			recs = append(recs, &kgo.Record{Topic: tick.TopicTrades, Key: []byte(sym), Value: tr.AppendJSON(nil),
				Timestamp: time.Unix(0, ts), Headers: producerHeaders()})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			b.Fatal(err)
		}
	}
}

// producerHeaders are the headers ticklake's producer sets on every
// record: schema version, event type and produce time (kgo allocates each
// header key on the consuming side, so they cost the sink too).
func producerHeaders() []kgo.RecordHeader {
	return []kgo.RecordHeader{
		{Key: tick.HeaderSchemaVersion, Value: []byte(tick.SchemaVersion)},
		{Key: tick.HeaderEventType, Value: []byte(tick.EventTrade)},
		{Key: tick.HeaderProducedAt, Value: strconv.AppendInt(nil, time.Now().UnixNano(), 10)},
	}
}

// runSink drains the trades topic into store and returns the sink's stats.
func runSink(b *testing.B, addr string, store lake.Store) sink.Stats {
	b.Helper()
	cfg := sink.DefaultConfig()
	cfg.Group = fmt.Sprintf("bench-%d", rand.Int64())
	cfg.Topics = []string{tick.TopicTrades}
	cfg.Drain = true
	s, err := sink.New(cfg, store, kafka.ClientConfig{Brokers: []string{addr}, ClientID: "bench-sink"}.Opts(nil), benchLogger(), nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s.Stats()
}

func newDirLake(b *testing.B) lake.Store {
	b.Helper()
	d, err := lake.OpenDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkSinkTrades sinks b.N trades from 8 partitions into a local lake.
func BenchmarkSinkTrades(b *testing.B) { benchSinkTrades(b, newDirLake(b)) }

// benchSinkTrades sinks b.N trades, produced first, into store.
func benchSinkTrades(b *testing.B, store lake.Store) {
	br, cl := newBroker(b, 8)
	produceTrades(b, cl, b.N)
	b.ResetTimer()
	stopProfile := profileSink(b)
	start, cpu0 := time.Now(), processCPU(b)
	st := runSink(b, br.Addr(), store)
	el, cpu := time.Since(start), processCPU(b)-cpu0
	stopProfile()
	b.StopTimer()
	if got := st.Topics[tick.TopicTrades].Written; got != int64(b.N) {
		b.Fatalf("wrote %d rows, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "records/s")
	b.ReportMetric(float64(st.Topics[tick.TopicTrades].Files), "files")
	b.ReportMetric(float64(st.Topics[tick.TopicTrades].Bytes)/float64(b.N), "file_bytes/record")
	// CPU of the whole process: the sink and the embedded broker serving
	// its fetches; the least load-dependent figure on a shared machine.
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "records/cpu_s")
}

// profileSink writes a CPU profile of the sink phase alone (not the
// producing before it) to $BENCH_SINK_CPUPROFILE when that is set, and
// returns the function that ends it.
func profileSink(b *testing.B) func() {
	b.Helper()
	path := os.Getenv("BENCH_SINK_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchLogger() *slog.Logger {
	if os.Getenv("BENCH_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
