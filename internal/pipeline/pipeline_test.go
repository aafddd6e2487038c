package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/ticklake/ticklake/internal/query"
)

// newTestPipeline starts `ticklake up` in-process on free ports under a
// temporary data dir, with a fast simulated clock and short flushes.
func newTestPipeline(t *testing.T, dataDir string) *Pipeline {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = dataDir
	cfg.KafkaListen = "127.0.0.1:0"
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Sim.Start = time.Date(2026, 11, 2, 15, 59, 0, 0, time.UTC)
	cfg.Producer.Speed = 60
	cfg.Sink.FlushInterval = 300 * time.Millisecond
	cfg.TrimEvery = 200 * time.Millisecond
	p, err := Start(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func runInBackground(p *Pipeline) (cancel func(), done <-chan result) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan result, 1)
	go func() {
		s, err := p.Run(ctx)
		ch <- result{s, err}
	}()
	return cancel, ch
}

type result struct {
	sum Summary
	err error
}

func postQuery(t *testing.T, base, sql string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"sql": sql})
	resp, err := http.Post(base+"/api/query", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/query %q: %s: %s", sql, resp.Status, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return out
}

func TestUpEndToEndExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	p := newTestPipeline(t, dir)
	cancel, done := runInBackground(p)
	defer cancel()
	// Run until both topics have files in two hourly partitions (the
	// simulated clock crosses 16:00 UTC), so flushes split ranges by hour.
	waitFor(t, "trades and quotes in two hourly partitions", 60*time.Second, func() bool {
		for _, table := range []string{"trades", "quotes"} {
			res, err := p.engine.Query(context.Background(), "SELECT count(DISTINCT hr) FROM "+table)
			if err != nil || toInt(t, res.Rows[0][0]) < 2 {
				return false
			}
		}
		return true
	})
	// The embedded broker forgets what the sink has committed.
	waitFor(t, "committed records trimmed from the broker", 30*time.Second, func() bool {
		starts, err := p.admin.ListStartOffsets(context.Background(), "trades")
		if err != nil {
			return false
		}
		var trimmed int64
		starts.Each(func(o kadm.ListedOffset) { trimmed += o.Offset })
		return trimmed > 0
	})
	base := p.Info().HTTP
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"ticklake_producer_records_total", "ticklake_sink_records_written_total"} {
		if !strings.Contains(string(metrics), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	live := postQuery(t, base, "SELECT count(*) AS n FROM trades")
	if rows := live["rows"].([]any); len(rows) != 1 {
		t.Fatalf("live query rows = %v", rows)
	}

	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("up did not stop within 2 minutes of Ctrl-C")
	}
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	for _, topic := range []string{"trades", "quotes"} {
		t.Run(topic, func(t *testing.T) {
			produced := r.sum.Produced[topic]
			if produced == 0 || r.sum.Written[topic] != produced {
				t.Fatalf("summary: produced %d, written %d", produced, r.sum.Written[topic])
			}
			assertExactlyOnce(t, p.engine, topic, produced)
		})
	}
	syms := p.sim.Symbols()
	if len(syms) < 20 {
		t.Fatalf("default universe has %d symbols, want at least 20", len(syms))
	}
	res, err := p.engine.Query(context.Background(), "SELECT symbol, count(*), min(price), max(price) FROM trades GROUP BY 1 ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(syms) {
		t.Fatalf("example query shows %d symbols, universe has %d", len(res.Rows), len(syms))
	}
}

// assertExactlyOnce proves through the query engine that a topic's table
// holds every produced record once: as many rows as produced, no duplicate
// (partition, offset), and no gap in any partition's offsets.
func assertExactlyOnce(t *testing.T, eng *query.Engine, table string, produced int64) {
	t.Helper()
	counts, err := eng.Query(context.Background(), fmt.Sprintf(`
		WITH per AS (
			SELECT _kafka_partition AS p, count(*) AS n, count(DISTINCT _kafka_offset) AS d,
			       max(_kafka_offset) - min(_kafka_offset) + 1 AS span, min(_kafka_offset) AS first
			FROM %s GROUP BY 1)
		SELECT sum(n), sum(d), sum(span), max(first) FROM per`, table))
	if err != nil {
		t.Fatal(err)
	}
	row := counts.Rows[0]
	n, d, span, first := toInt(t, row[0]), toInt(t, row[1]), toInt(t, row[2]), toInt(t, row[3])
	if n != produced || d != produced || span != produced || first != 0 {
		t.Fatalf("%s: rows %d, distinct offsets %d, offset span %d, latest first offset %d; produced %d",
			table, n, d, span, first, produced)
	}
}

func toInt(t *testing.T, v any) int64 {
	t.Helper()
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case int32:
		return int64(x)
	case string:
		var n int64
		fmt.Sscan(x, &n)
		return n
	}
	t.Fatalf("unexpected %T %v", v, v)
	return 0
}

// TestUpRestartKeepsEveryRecordOnce stops `up` and starts it again on the
// same data dir: the broker's log, the group's offsets and the catalog
// persist, so the lake ends with every record of both runs exactly once.
func TestUpRestartKeepsEveryRecordOnce(t *testing.T) {
	dir := t.TempDir()
	written := map[string]int64{}
	for run := range 2 {
		p := newTestPipeline(t, dir)
		cancel, done := runInBackground(p)
		waitFor(t, "records written", 60*time.Second, func() bool {
			st := p.sink.Stats()
			return st.Topics["trades"].Written > 50 && st.Topics["quotes"].Written > 50
		})
		cancel()
		r := <-done
		if r.err != nil {
			t.Fatalf("run %d: %v", run, r.err)
		}
		for _, topic := range []string{"trades", "quotes"} {
			written[topic] += r.sum.Written[topic]
			if r.sum.Written[topic] != r.sum.Produced[topic] {
				t.Errorf("run %d, %s: produced %d, drained %d: the drain must write every record produced", run, topic, r.sum.Produced[topic], r.sum.Written[topic])
			}
		}
		if run == 1 {
			// The lake holds exactly what the sinks wrote: every offset
			// from 0 once, none twice, no gap.
			for _, topic := range []string{"trades", "quotes"} {
				assertExactlyOnce(t, p.engine, topic, written[topic])
			}
		}
		p.Close()
	}
}

func TestStartRefusesBadSetup(t *testing.T) {
	busy := newTestPipeline(t, t.TempDir())
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"http port in use", func(c *Config) { c.HTTP.Addr = strings.TrimPrefix(busy.Info().HTTP, "http://") }, "address already in use"},
		{"kafka port in use", func(c *Config) { c.KafkaListen = busy.Info().Brokers[0] }, "address already in use"},
		{"unwritable data dir", func(c *Config) { c.DataDir = "/proc/ticklake" }, "data dir"},
		{"open HTTP without token", func(c *Config) { c.HTTP.Addr = "0.0.0.0:0" }, "--auth-token"},
		{"unreachable brokers", func(c *Config) { c.Kafka.Brokers = []string{"127.0.0.1:1"} }, "cannot reach Kafka"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.DataDir = t.TempDir()
			cfg.KafkaListen, cfg.HTTP.Addr = "127.0.0.1:0", "127.0.0.1:0"
			tc.edit(&cfg)
			p, err := Start(context.Background(), cfg, nil)
			if err == nil {
				p.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Start error = %q, want one line containing %q", err, tc.want)
			}
		})
	}
}
