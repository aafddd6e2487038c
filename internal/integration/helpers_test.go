package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/catalog/backend"
	"github.com/ticklake/ticklake/internal/kafka"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/pipeline"
	"github.com/ticklake/ticklake/internal/query"
)

var topics = []string{"trades", "quotes"}

// newTestAdmin returns an admin client on brokers, closed after the test.
func newTestAdmin(t *testing.T, brokers []string) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// freshTopics deletes the trades and quotes topics left by an earlier test
// on a shared cluster and waits until they are gone.
func freshTopics(t *testing.T, adm *kadm.Client) {
	t.Helper()
	ctx := context.Background()
	if _, err := adm.DeleteTopics(ctx, topics...); err != nil {
		t.Fatalf("deleting old topics: %v", err)
	}
	waitFor(t, "old topics deleted", 30*time.Second, func() bool {
		td, err := adm.ListTopics(ctx, topics...)
		if err != nil {
			return false
		}
		for _, d := range td {
			if d.Err == nil {
				return false
			}
		}
		return true
	})
}

// run shapes a test pipeline: group is the sink's consumer group, count
// stops the producer after that many records (0 = never), log receives the
// pipeline's logs (nil = none).
type run struct {
	group string
	count int64
	log   *slog.Logger
}

// newTestPipeline starts `ticklake up` in-process against brokers, with a
// fast simulated clock in market hours and short flushes.
func newTestPipeline(t *testing.T, brokers []string, r run) *pipeline.Pipeline {
	t.Helper()
	cfg := pipeline.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Kafka = kafka.ClientConfig{Brokers: brokers, ClientID: "ticklake-it"}
	cfg.Sim.Start = time.Date(2026, 11, 2, 15, 59, 0, 0, time.UTC)
	cfg.Producer.Speed = 60
	cfg.Sink.FlushInterval = 300 * time.Millisecond
	cfg.Sink.Group = r.group
	cfg.Producer.Count = r.count
	// A count can be reached while the cluster is down, with records still
	// buffered: the final flush waits for the recovery instead of failing
	// them after the default 10s.
	cfg.Producer.FlushTimeout = 2 * time.Minute
	cfg.CrawlEvery = 2 * time.Second
	if f := os.Getenv("TICKLAKE_IT_DEBUG_LOG"); f != "" && r.log == nil {
		w, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		r.log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p, err := pipeline.Start(context.Background(), cfg, r.log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

type result struct {
	sum pipeline.Summary
	err error
}

// runInBackground runs p until the returned cancel is called.
func runInBackground(p *pipeline.Pipeline) (cancel func(), done <-chan result) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan result, 1)
	go func() {
		s, err := p.Run(ctx)
		ch <- result{s, err}
	}()
	return cancel, ch
}

// stop cancels a run and waits for its summary.
func stop(t *testing.T, cancel func(), done <-chan result) pipeline.Summary {
	t.Helper()
	cancel()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Run: %v", r.err)
		}
		return r.sum
	case <-time.After(2 * time.Minute):
		t.Fatal("up did not stop within 2 minutes")
	}
	return pipeline.Summary{}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newTestEngine opens the lake and catalog a stopped pipeline left, with a
// query engine of its own, closed after the test.
func newTestEngine(t *testing.T, p *pipeline.Pipeline) (*query.Engine, lake.Store) {
	t.Helper()
	info := p.Info()
	p.Close()
	ctx := context.Background()
	store, err := lake.Open(info.Lake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cat, err := backend.Open(ctx, info.Catalog, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	qc := query.DefaultConfig()
	qc.CacheDir = t.TempDir()
	eng, err := query.Open(cat, store, qc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng, store
}

// tryQuery is query for polling: a table that does not exist yet is an error.
func tryQuery(p *pipeline.Pipeline, sql string) ([][]any, error) {
	body, _ := json.Marshal(map[string]string{"sql": sql})
	resp, err := http.Post(p.Info().HTTP+"/api/query", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST /api/query %q: %s: %s", sql, resp.Status, raw)
	}
	var out struct {
		Rows [][]any `json:"rows"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", raw, err)
	}
	return out.Rows, nil
}

// hours reports how many hourly partitions table has, 0 before it exists.
func hours(t *testing.T, p *pipeline.Pipeline, table string) int64 {
	t.Helper()
	rows, err := tryQuery(p, "SELECT count(DISTINCT hr) FROM "+table)
	if err != nil || len(rows) == 0 {
		return 0
	}
	return toInt(t, rows[0][0])
}

// auditExactlyOnce proves that table holds every record of its topic once:
// per partition, every offset from the log start offset to the high
// watermark is either a row (once) or, as a duplicate the sink dropped, a
// line of _errors (once), never both; and through the query engine, each
// record (symbol, seq) is one row (the tests run one producer). It returns
// the rows and the duplicates in _errors.
func auditExactlyOnce(t *testing.T, eng *query.Engine, store lake.Store, adm *kadm.Client, table string) (rows, dups int64) {
	t.Helper()
	ctx := context.Background()
	starts, err := adm.ListStartOffsets(ctx, table)
	if err != nil {
		t.Fatal(err)
	}
	ends, err := adm.ListEndOffsets(ctx, table)
	if err != nil {
		t.Fatal(err)
	}
	errs := readErrorOffsets(t, store, table)
	res, err := eng.Query(ctx, fmt.Sprintf(`SELECT _kafka_partition, count(*), count(DISTINCT _kafka_offset),
		min(_kafka_offset), max(_kafka_offset) FROM %s GROUP BY 1 ORDER BY 1`, table))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int32]bool{}
	for _, r := range res.Rows {
		part := int32(toInt(t, r[0]))
		n, d, lo, hi := toInt(t, r[1]), toInt(t, r[2]), toInt(t, r[3]), toInt(t, r[4])
		s, _ := starts.Lookup(table, part)
		e, _ := ends.Lookup(table, part)
		k := int64(len(errs[part]))
		if n != d || lo < s.Offset || hi >= e.Offset || n+k != e.Offset-s.Offset {
			t.Errorf("%s[%d]: %d rows, %d distinct offsets %d..%d, and %d in _errors; the log holds %d..%d",
				table, part, n, d, lo, hi, k, s.Offset, e.Offset-1)
		}
		checkErrorsApart(t, eng, table, part, errs[part], s.Offset, e.Offset)
		seen[part] = true
		rows += n
	}
	for _, byOff := range errs {
		for _, reason := range byOff {
			if strings.HasPrefix(reason, "duplicate: ") {
				dups++
			}
		}
	}
	dres, err := eng.Query(ctx, fmt.Sprintf("SELECT count(DISTINCT (symbol, seq)) FROM %s", table))
	if err != nil {
		t.Fatal(err)
	}
	if distinct := toInt(t, dres.Rows[0][0]); distinct != rows {
		t.Errorf("%s: %d rows but %d distinct records (symbol, seq): the lake holds %d twice", table, rows, distinct, rows-distinct)
	}
	ends.Each(func(o kadm.ListedOffset) {
		s, _ := starts.Lookup(table, o.Partition)
		if !seen[o.Partition] && o.Offset > s.Offset {
			t.Errorf("%s[%d]: no rows, the log holds %d..%d", table, o.Partition, s.Offset, o.Offset-1)
		}
	})
	return rows, dups
}

// checkErrorsApart checks that the offsets a partition has in _errors are
// within the log and not rows too.
func checkErrorsApart(t *testing.T, eng *query.Engine, table string, part int32, errs map[int64]string, start, end int64) {
	t.Helper()
	if len(errs) == 0 {
		return
	}
	var list []string
	for off := range errs {
		if off < start || off >= end {
			t.Errorf("%s[%d]: offset %d in _errors is outside the log %d..%d", table, part, off, start, end-1)
		}
		list = append(list, strconv.FormatInt(off, 10))
	}
	res, err := eng.Query(context.Background(), fmt.Sprintf("SELECT count(*) FROM %s WHERE _kafka_partition = %d AND _kafka_offset IN (%s)",
		table, part, strings.Join(list, ",")))
	if err != nil {
		t.Fatal(err)
	}
	if n := toInt(t, res.Rows[0][0]); n != 0 {
		t.Errorf("%s[%d]: %d offsets are both rows and in _errors", table, part, n)
	}
}

// readErrorOffsets reads the _errors lines of a topic: per partition,
// offset -> reason. An offset in _errors twice fails the test.
func readErrorOffsets(t *testing.T, store lake.Store, topic string) map[int32]map[int64]string {
	t.Helper()
	ctx := context.Background()
	out := map[int32]map[int64]string{}
	err := store.List(ctx, "_errors/"+topic+"/", func(o lake.Object) error {
		if !strings.HasSuffix(o.Key, ".jsonl") {
			return nil
		}
		rc, err := store.Open(ctx, o.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		sc := bufio.NewScanner(rc)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var line struct {
				Partition int32  `json:"partition"`
				Offset    int64  `json:"offset"`
				Reason    string `json:"reason"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				return fmt.Errorf("%s: %w", o.Key, err)
			}
			if out[line.Partition] == nil {
				out[line.Partition] = map[int64]string{}
			}
			if _, ok := out[line.Partition][line.Offset]; ok {
				t.Errorf("%s[%d]: offset %d in _errors twice", topic, line.Partition, line.Offset)
			}
			out[line.Partition][line.Offset] = line.Reason
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatalf("reading _errors of %s: %v", topic, err)
	}
	return out
}

func toInt(t *testing.T, v any) int64 {
	t.Helper()
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	case string:
		var n int64
		if _, err := fmt.Sscan(strings.TrimSpace(x), &n); err != nil {
			t.Fatalf("not a number: %q", x)
		}
		return n
	}
	t.Fatalf("unexpected %T %v", v, v)
	return 0
}

// testLog collects a pipeline's log lines so a test can look for one.
type testLog struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	logger *slog.Logger
}

// newTestLog returns a log at info level.
func newTestLog(t *testing.T) *testLog {
	t.Helper()
	l := &testLog{}
	l.logger = slog.New(slog.NewTextHandler(lockedWriter{l}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	t.Cleanup(func() {
		if t.Failed() {
			l.mu.Lock()
			defer l.mu.Unlock()
			for _, line := range strings.Split(l.buf.String(), "\n") {
				if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") || strings.Contains(line, "producer") {
					t.Log(line)
				}
			}
		}
	})
	return l
}

type lockedWriter struct{ l *testLog }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	return w.l.buf.Write(b)
}

// contains reports whether a logged line holds s.
func (l *testLog) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.buf.String(), s)
}
