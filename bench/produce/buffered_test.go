package produce

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/kafka"
)

// BenchmarkProduceMaxBuffered produces b.N simulated records with ticklake's
// client options but a different bound on buffered records, and reports the
// process CPU per record beside the rate. The default (20,000) came from this
// sweep: a record is touched again when its batch is encoded and when it is
// acknowledged, and the more records are in flight the colder it is by then.
// Point TICKLAKE_BENCH_BROKERS at a `ticklake broker` so the CPU figure is
// the producer's alone:
//
//	go test -run '^$' -bench MaxBuffered -benchtime 1000000x ./bench/produce
func BenchmarkProduceMaxBuffered(b *testing.B) {
	for _, n := range []int{2_500, 5_000, 20_000, 200_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			addr, _ := newBroker(b)
			cl := newBufferedClient(b, addr, n)
			cpu0 := cpuTime(b)
			b.ResetTimer()
			rate := produceSim(b, cl, b.N)
			b.StopTimer()
			b.ReportMetric(rate, "ticklake_rec/s")
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu_us/rec")
		})
	}
}

// newBufferedClient is a producer client with ticklake's options except for
// at most maxRecords buffered records.
func newBufferedClient(b *testing.B, addr string, maxRecords int) *kgo.Client {
	opts, err := kafka.ProducerOpts("lz4")
	if err != nil {
		b.Fatal(err)
	}
	opts = append(append(kafka.ClientConfig{Brokers: []string{addr}, ClientID: "bench"}.Opts(nil), opts...), kgo.MaxBufferedRecords(maxRecords))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cl.Close)
	if err := cl.Ping(context.Background()); err != nil {
		b.Fatal(err)
	}
	return cl
}

// cpuTime is the user and system CPU this process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
