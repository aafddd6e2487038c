package sink

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/sink"
	"github.com/ticklake/ticklake/internal/tick"
)

// freshRun is how long BenchmarkFreshnessDefault produces: three default
// flush intervals.
const freshRun = 30 * time.Second

// BenchmarkFreshnessDefault produces trades at a steady rate for freshRun
// into a sink at default settings (10 s flush interval) and reports the
// freshness quantiles: wall-clock time from produce to the file in the lake.
// b.N is ignored past 1: one run is the measurement.
func BenchmarkFreshnessDefault(b *testing.B) {
	br, cl := newBroker(b, 8)
	store := newDirLake(b)
	cfg := sink.DefaultConfig()
	cfg.Topics = []string{tick.TopicTrades}
	s, err := sink.New(cfg, store, []kgo.Opt{kgo.SeedBrokers(br.Addr())}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	b.ResetTimer()
	pace := time.NewTicker(10 * time.Millisecond)
	defer pace.Stop()
	for end := time.Now().Add(freshRun); time.Now().Before(end); <-pace.C {
		produceTrades(b, cl, 200) // 20,000 records/s
	}
	// Let the last interval's records reach their files before stopping:
	// the final flush on stop would flatter the figures.
	deadline := time.Now().Add(2 * cfg.FlushInterval)
	for s.Stats().Topics[tick.TopicTrades].Written < s.Stats().Topics[tick.TopicTrades].Consumed && time.Now().Before(deadline) {
		<-pace.C
	}
	b.StopTimer()
	st := s.Stats()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(st.FreshnessP50.Seconds(), "p50_s")
	b.ReportMetric(st.FreshnessP99.Seconds(), "p99_s")
}
