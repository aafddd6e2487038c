// Package produce benchmarks ticklake's producer into the embedded broker
// against kcat (librdkafka) producing the same records, read as key<TAB>value
// lines from files, to the same broker in the same run.
//
//	go test -run '^$' -bench . -benchtime 1000000x ./bench/produce
//
// b.N is the number of records each contestant produces. kcat comes from
// TICKLAKE_TEST_KCAT or PATH; without it only ticklake is measured.
package produce

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/kafka"
	"github.com/ticklake/ticklake/internal/sim"
)

// start is a past Monday, so --speed max never waits for the wall clock.
var start = time.Date(2025, 11, 17, 9, 0, 0, 0, time.UTC)

func newSim(b *testing.B) *sim.Sim {
	s, err := sim.New(sim.Config{Seed: 1, Start: start})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// newBroker starts an embedded broker in this process, or, when
// TICKLAKE_BENCH_BROKERS is set (e.g. to a `ticklake broker`), uses that one
// so a CPU profile shows the producer alone.
func newBroker(b *testing.B) (string, *kgo.Client) {
	addr := os.Getenv("TICKLAKE_BENCH_BROKERS")
	if addr == "" {
		br, err := kafka.StartBroker(kafka.BrokerConfig{Listen: "127.0.0.1:0"}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { br.Close() })
		addr = br.Addr()
	}
	opts, err := kafka.ProducerOpts("lz4")
	if err != nil {
		b.Fatal(err)
	}
	cl, err := kgo.NewClient(append(kafka.ClientConfig{Brokers: []string{addr}, ClientID: "bench"}.Opts(nil), opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cl.Close)
	var specs []kafka.TopicSpec
	for _, t := range []string{"trades", "quotes", "kcat_trades", "kcat_quotes"} {
		specs = append(specs, kafka.TopicSpec{Name: t, Partitions: 3, ReplicationFactor: 1, RetentionMs: -1, RetentionBytes: -1})
	}
	if err := kafka.EnsureTopics(context.Background(), kadm.NewClient(cl), specs...); err != nil {
		b.Fatal(err)
	}
	return addr, cl
}

// BenchmarkProduce measures ticklake alone, for CPU profiles. Beside the
// rate it reports the process CPU per record (producer and, unless
// TICKLAKE_BENCH_BROKERS is set, the embedded broker), which other work on
// the machine disturbs less than the rate.
func BenchmarkProduce(b *testing.B) {
	_, cl := newBroker(b)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	rate := produceSim(b, cl, b.N)
	b.StopTimer()
	b.ReportMetric(rate, "ticklake_rec/s")
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu_us/rec")
}

// produceSim produces n simulated records at max speed and returns the rate.
func produceSim(b *testing.B, cl *kgo.Client, n int) float64 {
	cfg := kafka.DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, int64(n)
	p, err := kafka.NewProducer(cl, cfg, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := p.Run(context.Background(), newSim(b)); err != nil {
		b.Fatal(err)
	}
	return float64(n) / time.Since(t0).Seconds()
}

// BenchmarkProduceVsKcat produces b.N simulated records with ticklake
// (simulation and encoding included) and the same b.N records with kcat,
// and reports both rates and their ratio.
func BenchmarkProduceVsKcat(b *testing.B) {
	addr, cl := newBroker(b)
	kcat := os.Getenv("TICKLAKE_TEST_KCAT")
	if kcat == "" {
		kcat, _ = exec.LookPath("kcat")
	}
	var files map[string]string
	if kcat != "" {
		files = writeLines(b, newSim(b), b.N)
	}
	b.ResetTimer()

	ours := produceSim(b, cl, b.N)
	b.ReportMetric(ours, "ticklake_rec/s")
	if kcat == "" {
		b.Log("kcat not found; set TICKLAKE_TEST_KCAT or install kcat to measure the peer")
		return
	}
	theirs := float64(b.N) / runKcat(b, kcat, addr, files).Seconds()
	if os.Getenv("TICKLAKE_BENCH_BROKERS") == "" {
		checkLanded(b, cl, b.N) // a shared broker holds earlier runs too
	}
	b.ReportMetric(theirs, "kcat_rec/s")
	b.ReportMetric(ours/theirs, "ratio")
}

// writeLines writes n simulated records as key<TAB>value lines, one file
// per topic.
func writeLines(b *testing.B, s *sim.Sim, n int) map[string]string {
	dir := b.TempDir()
	files := map[string]string{"kcat_trades": filepath.Join(dir, "trades.tsv"), "kcat_quotes": filepath.Join(dir, "quotes.tsv")}
	ws := map[string]*bufio.Writer{}
	for topic, path := range files {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		w := bufio.NewWriterSize(f, 1<<20)
		defer w.Flush()
		ws[topic] = w
	}
	var buf []byte
	for range n {
		ev := s.Next()
		buf = append(append(buf[:0], ev.Key()...), '\t')
		buf = append(ev.AppendJSON(buf), '\n')
		ws["kcat_"+ev.Topic()].Write(buf)
	}
	return files
}

// runKcat produces each file to its topic with one kcat per topic, in
// parallel, tuned like ticklake (idempotent, acks=all, lz4, 5 ms linger,
// 1 MB batches) and with the same three headers (produced-at fixed).
func runKcat(b *testing.B, kcat, addr string, files map[string]string) time.Duration {
	var wg sync.WaitGroup
	t0 := time.Now()
	for topic, path := range files {
		wg.Go(func() {
			typ := "quote"
			if topic == "kcat_trades" {
				typ = "trade"
			}
			cmd := exec.Command(kcat, "-P", "-b", addr, "-t", topic, "-K", "\t", "-z", "lz4", "-l",
				"-X", "enable.idempotence=true", "-X", "acks=all", "-X", "linger.ms=5",
				"-X", "batch.size=1000000", "-X", "queue.buffering.max.messages=1000000",
				"-H", "ticklake-schema-version=1", "-H", "ticklake-event-type="+typ,
				"-H", "ticklake-produced-at=1763370000000000000", path)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Errorf("kcat %s: %v: %s", topic, err, out)
			}
		})
	}
	wg.Wait()
	return time.Since(t0)
}

// checkLanded fails unless both contestants' records all reached the broker.
func checkLanded(b *testing.B, cl *kgo.Client, n int) {
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), "trades", "quotes", "kcat_trades", "kcat_quotes")
	if err != nil {
		b.Fatal(err)
	}
	var ours, theirs int64
	ends.Each(func(o kadm.ListedOffset) {
		if len(o.Topic) > 5 && o.Topic[:5] == "kcat_" {
			theirs += o.Offset
		} else {
			ours += o.Offset
		}
	})
	if ours != int64(n) || theirs != int64(n) {
		b.Fatalf("broker holds %d ticklake and %d kcat records, want %d each", ours, theirs, n)
	}
}

// BenchmarkJSONLines measures the producer loop without a broker: simulate,
// encode, and write JSON Lines to io.Discard.
func BenchmarkJSONLines(b *testing.B) {
	cfg := kafka.DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, int64(b.N)
	p, err := kafka.NewJSONLinesProducer(io.Discard, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	s := newSim(b)
	b.ReportAllocs()
	b.ResetTimer()
	if err := p.Run(context.Background(), s); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
