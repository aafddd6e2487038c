package kafka

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// testLog is a goroutine-safe log sink a test can search.
type testLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// count is how many times s occurs in the log.
func (l *testLog) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

// String is the whole log.
func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *testLog) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.buf.String(), s)
}

// waitUntil polls cond until it holds or 20s pass.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not a wait for an outcome
	}
}

// TestStallReportedThenResumed holds every produce request at the broker,
// expects the stall warning, releases them and expects the resumption: the
// watcher learns of acknowledgements from the acknowledged count alone.
func TestStallReportedThenResumed(t *testing.T) {
	b, cl := newTestPipeline(t)
	released := make(chan struct{})
	var holding atomic.Bool
	holding.Store(true)
	release := sync.OnceFunc(func() { holding.Store(false); close(released) })
	t.Cleanup(release) // a failed test must not leave the broker asleep
	b.cluster.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		b.cluster.KeepControl()
		if holding.Load() {
			b.cluster.SleepControl(func() { <-released })
		}
		return nil, nil, false
	})
	logs := &testLog{}
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, 200
	p, err := NewProducer(cl, cfg, slog.New(slog.NewTextHandler(logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- p.Run(testCtx(t), newTestSim(t)) }()
	waitUntil(t, "the run to start", func() bool { return p.started.Load() != 0 })
	done := make(chan struct{})
	defer close(done)
	go p.watchStalls(done, 20*time.Millisecond, 300*time.Millisecond)

	waitUntil(t, "the stall warning", func() bool { return logs.contains("no record acknowledged") })
	if n := total(p.Produced()); n != 0 {
		t.Fatalf("%d records acknowledged while the broker held every produce request", n)
	}
	release()
	waitUntil(t, "the resumption", func() bool { return logs.contains("acknowledgements resumed") })
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := total(p.Produced()); n != 200 {
		t.Fatalf("Produced %d records, want 200", n)
	}
	if got := counterValue(t, p.metrics.stalls); got != 1 {
		t.Errorf("stalls metric %v, want 1", got)
	}
}
