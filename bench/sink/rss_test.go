package sink

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
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
	var outBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &outBuf
	if err := cmd.Start(); err != nil {
		b.Fatalf("starting sinkproc: %v", err)
	}
	hwm := watchHWM(cmd.Process.Pid)
	err := cmd.Wait()
	el := time.Since(start)
	peak := hwm()
	b.StopTimer()
	out := outBuf.Bytes()
	if err != nil {
		b.Fatalf("sinkproc: %v\n%s", err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	b.ReportMetric(float64(b.N)/el.Seconds(), "records/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak_rss_MiB")
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

// watchHWM polls the VmHWM (peak resident set) of process pid every 10 ms
// and returns a function giving the last value read, once the process has
// exited. The child's rusage Maxrss is no use here: Go starts children with
// CLONE_VM, and exec folds the parent's own peak RSS (this benchmark process,
// its broker holding every record) into the child's.
func watchHWM(pid int) func() int64 {
	var last atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			if v, ok := readHWM(path); ok {
				last.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return last.Load()
	}
}

// readHWM reads VmHWM, in bytes, from a /proc status file.
func readHWM(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// rssBufferBytes is the sink's --max-buffer-bytes: BENCH_MAX_BUFFER_BYTES or
// the default.
func rssBufferBytes() string {
	if v := os.Getenv("BENCH_MAX_BUFFER_BYTES"); v != "" {
		return v
	}
	return fmt.Sprint(sink.DefaultConfig().MaxBufferBytes)
}
