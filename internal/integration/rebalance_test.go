package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/catalog/backend"
	"github.com/ticklake/ticklake/internal/crawler"
	"github.com/ticklake/ticklake/internal/kafka"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/query"
	"github.com/ticklake/ticklake/internal/sim"
)

var (
	sinkprocOnce sync.Once
	sinkprocBin  string
	sinkprocErr  error
)

// sinkproc builds the sink process of package sink/faulttest once.
func sinkproc(t *testing.T) string {
	t.Helper()
	sinkprocOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sinkproc-")
		if err != nil {
			sinkprocErr = err
			return
		}
		sinkprocBin = filepath.Join(dir, "sinkproc")
		out, err := exec.Command("go", "build", "-o", sinkprocBin, "github.com/ticklake/ticklake/internal/sink/faulttest/sinkproc").CombinedOutput()
		if err != nil {
			sinkprocErr = fmt.Errorf("building sinkproc: %w\n%s", err, out)
		}
	})
	if sinkprocErr != nil {
		t.Fatal(sinkprocErr)
	}
	return sinkprocBin
}

// sinkProc is a sink process.
type sinkProc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

// startSinkProc starts a sink process on the shared Kafka writing to lakeDir.
func startSinkProc(t *testing.T, lakeDir, name string, args ...string) *sinkProc {
	t.Helper()
	logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	all := append([]string{"--brokers", strings.Join(shared.brokers, ","), "--lake", lakeDir, "--writer", name,
		"--session-timeout", "6s", "--flush-interval", "300ms", "--flush-rows", "2000"}, args...)
	cmd := exec.Command(sinkproc(t), all...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &sinkProc{name: name, cmd: cmd, done: make(chan struct{}), log: logf}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("sink %s log:\n%s", name, lastLines(string(b), 30))
		}
	})
	return p
}

// wait waits for the process to exit by itself and checks it exited 0.
func (p *sinkProc) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("sink %s did not exit within %s", p.name, d)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 && code != -1 {
		t.Fatalf("sink %s exited %d", p.name, code)
	}
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

// TestRebalanceKillAndAdd runs three sink processes in one group while the
// simulator produces; one is killed with SIGKILL (no flush, no commit, no
// leave), a fourth joins, and the rest stop cleanly; a drain writes what
// is left. Every produced record is in the lake exactly once.
func TestRebalanceKillAndAdd(t *testing.T) {
	t.Logf("Kafka: %s", shared.name)
	adm := newTestAdmin(t, shared.brokers)
	freshTopics(t, adm)
	ctx := context.Background()
	var specs []kafka.TopicSpec
	for _, name := range topics {
		specs = append(specs, kafka.TopicSpec{Name: name, Partitions: 3, ReplicationFactor: -1, RetentionMs: -1, RetentionBytes: -1})
	}
	if err := kafka.EnsureTopics(ctx, adm, specs...); err != nil {
		t.Fatal(err)
	}
	lakeDir := t.TempDir()
	const count = 120_000
	prod, prodDone := startTestProducer(t, count)

	var sinks []*sinkProc
	for i := range 3 {
		sinks = append(sinks, startSinkProc(t, lakeDir, fmt.Sprintf("s%d", i), "--group", "it-rebalance"))
	}
	progressOf := func() int64 {
		var n int64
		for _, v := range prod.Produced() {
			n += v
		}
		return n
	}
	waitFor(t, "a third of the records produced", 90*time.Second, func() bool { return progressOf() >= count/3 })
	sinks[0].cmd.Process.Signal(syscall.SIGKILL)
	<-sinks[0].done
	waitFor(t, "two thirds of the records produced", 90*time.Second, func() bool { return progressOf() >= 2*count/3 })
	sinks = append(sinks, startSinkProc(t, lakeDir, "s3", "--group", "it-rebalance"))
	select {
	case err := <-prodDone:
		if err != nil {
			t.Fatalf("producer: %v", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("producer did not finish")
	}
	for _, s := range sinks[1:] {
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.wait(t, 60*time.Second)
	}
	startSinkProc(t, lakeDir, "drain", "--drain", "--group", "it-rebalance-drain").wait(t, 90*time.Second)

	eng, store := newTestLakeEngine(t, lakeDir)
	for _, table := range topics {
		t.Run(table, func(t *testing.T) {
			n, dups := auditExactlyOnce(t, eng, store, adm, table)
			if n == 0 || dups != 0 || n != prod.Produced()[table] {
				t.Fatalf("produced %d, the lake holds %d rows and %d duplicates in _errors", prod.Produced()[table], n, dups)
			}
		})
	}
}

// startTestProducer produces count simulated records to the shared Kafka at
// 60x real time.
func startTestProducer(t *testing.T, count int64) (*kafka.Producer, <-chan error) {
	t.Helper()
	popts, err := kafka.ProducerOpts(kafka.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(append(kafka.ClientConfig{Brokers: shared.brokers, ClientID: "it"}.Opts(nil), popts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	sc := sim.DefaultConfig()
	sc.Start = time.Date(2026, 11, 2, 15, 59, 0, 0, time.UTC)
	src, err := sim.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	pc := kafka.DefaultProducerConfig()
	pc.Speed, pc.Count = 60, count
	prod, err := kafka.NewProducer(cl, pc, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- prod.Run(context.Background(), src) }()
	return prod, done
}

// newTestLakeEngine crawls lakeDir into a new catalog and opens a query
// engine on both; it returns the engine and the lake.
func newTestLakeEngine(t *testing.T, lakeDir string) (*query.Engine, lake.Store) {
	t.Helper()
	ctx := context.Background()
	store, err := lake.Open(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cat, err := backend.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"), backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	cr, err := crawler.New(store, cat, crawler.DefaultConfig(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cr.Crawl(ctx); err != nil {
		t.Fatal(err)
	}
	qc := query.DefaultConfig()
	qc.CacheDir = t.TempDir()
	eng, err := query.Open(cat, store, qc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng, store
}
