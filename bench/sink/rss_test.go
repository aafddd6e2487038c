package sink

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/sink"
	"github.com/ticklake/ticklake/internal/tick"
)

// BenchmarkSinkProcess64Partitions runs the sink as its own process (the
// faulttest sinkproc command: the sink and nothing else) draining b.N trades
// from 64 partitions, and reports its rate and peak RSS.
func BenchmarkSinkProcess64Partitions(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "sinkproc")
	if out, err := exec.Command("go", "build", "-o", bin, "../../internal/sink/faulttest/sinkproc").CombinedOutput(); err != nil {
		b.Fatalf("building sinkproc: %v\n%s", err, out)
	}
	br, cl := newBroker(b, 64)
	produceTrades(b, cl, b.N)
	dir := b.TempDir()
	b.ResetTimer()
	start := time.Now()
	cmd := exec.Command(bin, "--brokers", br.Addr(), "--lake", "file://"+dir, "--topics", tick.TopicTrades,
		"--group", fmt.Sprintf("rss-%d", time.Now().UnixNano()), "--drain", "--max-buffer-bytes", rssBufferBytes())
	out, err := cmd.CombinedOutput()
	el := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatalf("sinkproc: %v\n%s", err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	b.ReportMetric(float64(b.N)/el.Seconds(), "records/s")
	b.ReportMetric(float64(ru.Maxrss)/1024, "peak_rss_MiB")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "records/cpu_s")
	ranges := 0
	filepath.WalkDir(filepath.Join(dir, "_commits"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), "_") {
			ranges++
		}
		return nil
	})
	b.ReportMetric(float64(ranges), "flush_ranges")
	if os.Getenv("BENCH_LOG") != "" {
		os.WriteFile(os.Getenv("BENCH_LOG"), out, 0o644)
	}
}

// rssBufferBytes is the sink's --max-buffer-bytes: BENCH_MAX_BUFFER_BYTES or
// the default.
func rssBufferBytes() string {
	if v := os.Getenv("BENCH_MAX_BUFFER_BYTES"); v != "" {
		return v
	}
	return fmt.Sprint(sink.DefaultConfig().MaxBufferBytes)
}
