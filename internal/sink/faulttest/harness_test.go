// Package faulttest proves the sink's exactly-once guarantee under faults:
// sink processes killed with SIGKILL at random moments, frozen into zombies,
// joining and leaving a group, and a broker restart, against a local lake and
// a real S3 server. Each scenario ends with an audit that reads every Parquet
// file of the lake and checks that the (partition, offset) pairs are exactly
// 0..hw-1 of every partition: nothing lost, nothing twice.
//
// The sinks run as separate processes of the small sinkproc command, built
// once in TestMain; the broker (kfake) and the producer run in the test.
package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/lake/s3test"
	"github.com/ticklake/ticklake/internal/tick"
)

// sinkBin is the sinkproc binary TestMain builds.
var sinkBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sinkproc-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sinkBin = filepath.Join(dir, "sinkproc")
	if out, err := exec.Command("go", "build", "-o", sinkBin, "./sinkproc").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building sinkproc: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// partitions per topic in every scenario.
const partitions = 4

var topics = []string{tick.TopicTrades, tick.TopicQuotes}

// testCluster is a kfake broker persisting to a directory, so that it can be
// stopped and started again on the same port with the same data.
type testCluster struct {
	t    *testing.T
	dir  string
	port int
	c    *kfake.Cluster
}

func newTestCluster(t *testing.T) *testCluster {
	t.Helper()
	tc := &testCluster{t: t, dir: t.TempDir()}
	tc.start(kfake.SeedTopics(partitions, topics...))
	_, port, _ := net.SplitHostPort(tc.addr())
	tc.port, _ = strconv.Atoi(port)
	t.Cleanup(func() { tc.c.Close() })
	return tc
}

func (tc *testCluster) start(extra ...kfake.Opt) {
	tc.t.Helper()
	opts := append([]kfake.Opt{
		kfake.NumBrokers(1), kfake.DataDir(tc.dir), kfake.GroupMinSessionTimeout(500 * time.Millisecond),
	}, extra...)
	if tc.port != 0 {
		opts = append(opts, kfake.Ports(tc.port))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := kfake.NewCluster(opts...)
		if err == nil {
			tc.c = c
			return
		}
		if time.Now().After(deadline) { // the old listener may linger briefly
			tc.t.Fatalf("starting kfake: %v", err)
		}
	}
}

func (tc *testCluster) addr() string { return tc.c.ListenAddrs()[0] }

// restart stops the broker and starts it again on the same port and data.
func (tc *testCluster) restart() {
	tc.c.Close()
	tc.start()
}

// testLake is a lake the sink processes reach by URL and the test by Store.
type testLake struct {
	url   string
	args  []string // extra sinkproc flags
	env   []string // extra environment
	store lake.Store
}

// forEachLake runs fn against a local directory and a real S3 server.
func forEachLake(t *testing.T, fn func(t *testing.T, l testLake)) {
	t.Run("dir", func(t *testing.T) {
		dir := t.TempDir()
		store, err := lake.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		fn(t, testLake{url: "file://" + dir, store: store})
	})
	t.Run("s3", func(t *testing.T) {
		srv := s3test.Start(t)
		fn(t, testLake{url: srv.URL("lake"), args: srv.Flags(), env: srv.Env(), store: srv.Store(t, "lake")})
	})
}

// proc is one sinkproc process.
type proc struct {
	name   string
	cmd    *exec.Cmd
	done   chan struct{}
	stderr *syncBuffer
	stdout *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for a writer process and a reader test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startSink starts a sink process on the cluster and lake.
func startSink(t *testing.T, tc *testCluster, l testLake, name string, args ...string) *proc {
	t.Helper()
	all := append([]string{"--brokers", tc.addr(), "--lake", l.url, "--writer", name,
		"--session-timeout", "2s", "--flush-interval", "300ms", "--flush-rows", "2000"}, l.args...)
	cmd := exec.Command(sinkBin, append(all, args...)...)
	cmd.Env = append(os.Environ(), l.env...)
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), stderr: &syncBuffer{}, stdout: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting sink %s: %v", name, err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() || os.Getenv("TICKLAKE_TEST_LOG") != "" {
			t.Logf("sink %s stderr:\n%s", p.name, tail(p.stderr.String(), 40))
		}
	})
	return p
}

// kill ends the process with SIGKILL: no flush, no commit, no goodbye.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop asks the process to flush and exit, and checks that it did.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("sink %s did not exit on SIGTERM", p.name)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("sink %s exited %d:\n%s", p.name, code, tail(p.stderr.String(), 20))
	}
}

func (p *proc) freeze() { p.cmd.Process.Signal(syscall.SIGSTOP) }
func (p *proc) thaw()   { p.cmd.Process.Signal(syscall.SIGCONT) }

// drain runs a sink with --drain in a group of its own: it resumes at the end
// of each partition's claim chain, not at any committed offset, writes the
// rest and exits.
func drain(t *testing.T, tc *testCluster, l testLake) {
	t.Helper()
	p := startSink(t, tc, l, "drain", "--drain", "--group", "drain-"+strconv.Itoa(rand.IntN(1e9)))
	select {
	case <-p.done:
	case <-time.After(90 * time.Second):
		t.Fatalf("drain did not finish:\n%s", tail(p.stderr.String(), 30))
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("drain exited %d:\n%s", code, tail(p.stderr.String(), 30))
	}
}

// producer produces trades and quotes until stopped, with event times that go
// back and forth over three hours so that one flush range spans several
// hourly files.
type producer struct {
	cl       *kgo.Client
	stopc    chan struct{}
	done     chan struct{}
	produced atomic.Int64
	failed   atomic.Int64
}

func startProducer(t *testing.T, tc *testCluster) *producer {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(tc.addr()), kgo.ProducerLinger(5*time.Millisecond),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	p := &producer{cl: cl, stopc: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	t.Cleanup(func() { p.stop(); cl.Close() })
	return p
}

func (p *producer) run() {
	defer close(p.done)
	base := time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC)
	pace := time.NewTicker(20 * time.Millisecond)
	defer pace.Stop()
	var seq int64
	for {
		select {
		case <-p.stopc:
			return
		case <-pace.C:
		}
		recs := make([]*kgo.Record, 0, 80)
		for range 80 {
			seq++
			ts := base.Add(time.Duration(rand.Int64N(int64(3 * time.Hour))))
			sym := []string{"AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "META"}[seq%6]
			hdr := []kgo.RecordHeader{{Key: tick.HeaderProducedAt, Value: strconv.AppendInt(nil, time.Now().UnixNano(), 10)}}
			var ev tick.Event
			if seq%3 == 0 {
				ev.Quote = &tick.Quote{Symbol: sym, Ts: ts.UnixNano(), Bid: 99, BidSize: 1, Ask: 101, AskSize: 2, Exchange: "N", Seq: seq}
			} else {
				ev.Trade = &tick.Trade{Symbol: sym, Ts: ts.UnixNano(), Price: 100, Size: seq, Exchange: "Q", Side: "B", Seq: seq}
			}
			recs = append(recs, &kgo.Record{Topic: ev.Topic(), Partition: int32(seq % partitions), Key: []byte(sym),
				Value: ev.AppendJSON(nil), Timestamp: ts, Headers: hdr})
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res := p.cl.ProduceSync(ctx, recs...)
		cancel()
		for _, r := range res {
			if r.Err != nil {
				p.failed.Add(1)
			} else {
				p.produced.Add(1)
			}
		}
	}
}

func (p *producer) stop() {
	select {
	case <-p.stopc:
	default:
		close(p.stopc)
	}
	<-p.done
}

// markerKeys lists the claim markers of the lake stored since a time.
func markerKeys(t *testing.T, store lake.Store, since time.Time) []string {
	t.Helper()
	var keys []string
	err := store.List(context.Background(), "_commits/", func(o lake.Object) error {
		base := filepath.Base(o.Key)
		if !strings.HasPrefix(base, "_") && !strings.HasPrefix(base, ".") && !o.ModTime.Before(since) {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("listing markers: %v", err)
	}
	return keys
}

// markers reads the claim markers of the lake stored since a time.
func markers(t *testing.T, store lake.Store, since time.Time) []markerInfo {
	t.Helper()
	ctx := context.Background()
	keys := markerKeys(t, store, since)
	out := make([]markerInfo, 0, len(keys))
	for _, k := range keys {
		rc, err := store.Open(ctx, k)
		if err != nil {
			t.Fatalf("opening %s: %v", k, err)
		}
		var m markerInfo
		err = json.NewDecoder(rc).Decode(&m)
		rc.Close()
		if err != nil {
			t.Fatalf("decoding %s: %v", k, err)
		}
		m.key = k
		out = append(out, m)
	}
	return out
}

// markerInfo is what the harness reads of a claim marker.
type markerInfo struct {
	key    string
	Writer string    `json:"writer"`
	Time   time.Time `json:"time"`
	From   int64     `json:"from"`
	To     int64     `json:"to"`
}

// waitMarkers polls the lake until cond holds of its markers stored since a
// time.
func waitMarkers(t *testing.T, store lake.Store, since time.Time, what string, timeout time.Duration, cond func([]markerInfo) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond(markers(t, store, since)) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// progress waits until the lake holds at least n more markers than now.
func progress(t *testing.T, store lake.Store, n int, timeout time.Duration) {
	t.Helper()
	start := len(markerKeys(t, store, time.Time{}))
	deadline := time.Now().Add(timeout)
	for len(markerKeys(t, store, time.Time{})) < start+n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %d new markers", timeout, n)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}
