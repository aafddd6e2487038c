package integration

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/ticklake/ticklake/internal/kafka/kafkatest"
	"github.com/ticklake/ticklake/internal/pipeline"
)

// produced is how many records the pipeline's producer has had acknowledged.
func produced(p *pipeline.Pipeline) int64 {
	var n int64
	for _, v := range p.Status().Produced {
		n += v
	}
	return n
}

// waitProgress waits until the producer has had more records acknowledged
// than it had when called, by at least more.
func waitProgress(t *testing.T, p *pipeline.Pipeline, what string, more int64) {
	t.Helper()
	from := produced(p)
	waitFor(t, what, 90*time.Second, func() bool { return produced(p) >= from+more })
}

// logged returns the records the brokers hold for both tables.
func logged(t *testing.T, adm *kadm.Client) int64 {
	t.Helper()
	ctx := context.Background()
	starts, err1 := adm.ListStartOffsets(ctx, topics...)
	ends, err2 := adm.ListEndOffsets(ctx, topics...)
	if err1 != nil || err2 != nil {
		return -1
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) {
		s, _ := starts.Lookup(o.Topic, o.Partition)
		n += o.Offset - s.Offset
	})
	return n
}

// waitCaughtUp waits until the producer has stopped at its count and the
// sink has written every record the brokers hold, as a row or, duplicates,
// in _errors.
func waitCaughtUp(t *testing.T, p *pipeline.Pipeline, adm *kadm.Client, count int64) {
	t.Helper()
	waitFor(t, "the producer to reach its count", 2*time.Minute, func() bool { return produced(p) >= count })
	waitFor(t, "the sink to write every logged record", 2*time.Minute, func() bool {
		var w int64
		for _, ts := range p.Status().Sink.Topics {
			w += ts.Written + ts.Duplicates + ts.BadRecords
		}
		return w > 0 && w >= logged(t, adm)
	})
}

// auditRun stops the pipeline and audits both tables: every offset of the
// brokers' logs is in the lake once, as a row or as a duplicate in _errors;
// every record the producer had acknowledged is a row, once; and the
// duplicates the sink dropped are the extra copies of records the log holds.
func auditRun(t *testing.T, p *pipeline.Pipeline, cancel func(), done <-chan result, adm *kadm.Client, brokers []string) {
	t.Helper()
	sum := stop(t, cancel, done)
	logDups := logDuplicates(t, brokers, adm)
	eng, store := newTestEngine(t, p)
	for _, table := range topics {
		t.Run(table, func(t *testing.T) {
			n, dups := auditExactlyOnce(t, eng, store, adm, table)
			if n == 0 || sum.Written[table] != n || sum.Produced[table] != n {
				t.Fatalf("produced %d, sink wrote %d, the lake holds %d rows", sum.Produced[table], sum.Written[table], n)
			}
			if dups != logDups[table] {
				t.Fatalf("the brokers' log holds %d extra copies of records, the sink dropped %d as duplicates", logDups[table], dups)
			}
			t.Logf("%d rows; the log held %d records twice, in _errors as duplicates", n, dups)
		})
	}
}

// TestBrokerRestartMidStream stops the shared node while the pipeline runs
// and starts it again: the idempotent producer retries, the sink rejoins its
// group and resumes, nothing acknowledged is lost, and the lake holds every
// offset of the log once. After a restart of the only replica (SIGTERM or
// kill -9), Kafka 4.4 sometimes appends a batch the producer resends
// (written before the stop, not acknowledged) a second time, with the same
// producer id, epoch and sequence, so the log holds some records twice: the
// sink finds them by their seq and puts them in _errors, so each record
// (symbol, seq) is one row. The test logs how many the log held.
func TestBrokerRestartMidStream(t *testing.T) {
	needHarness(t)
	c := shared.cluster
	if c == nil {
		t.Skip("the shared Kafka is not the harness's; restarts need it")
	}
	tests := []struct {
		name string
		stop func() error
	}{
		{"sigterm", func() error { return c.Stop(0, 30*time.Second) }},
		{"kill -9", func() error { return c.Kill(0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			adm := newTestAdmin(t, shared.brokers)
			freshTopics(t, adm)
			const count = 60_000
			p := newTestPipeline(t, shared.brokers, run{group: "it-restart-" + tc.name[:4], count: count})
			cancel, done := runInBackground(p)
			waitProgress(t, p, "records produced before the stop", count/4)
			if err := tc.stop(); err != nil {
				t.Fatal(err)
			}
			if err := c.Restart(context.Background(), 0); err != nil {
				t.Fatal(err)
			}
			waitCaughtUp(t, p, adm, count)
			auditRun(t, p, cancel, done, adm, shared.brokers)
		})
	}
}

// busiestLeader returns the index of the node leading the most partitions
// of topics.
func busiestLeader(t *testing.T, c *kafkatest.Cluster, topics ...string) int {
	t.Helper()
	td, err := c.Admin().ListTopics(context.Background(), topics...)
	if err != nil {
		t.Fatal(err)
	}
	count := map[int32]int{}
	for _, d := range td {
		for _, p := range d.Partitions {
			count[p.Leader]++
		}
	}
	best := 0
	for i := range c.Nodes() {
		if count[c.NodeID(i)] > count[c.NodeID(best)] {
			best = i
		}
	}
	return best
}

// TestThreeNodeFailover runs the pipeline on three nodes (replication factor
// 3, min.insync.replicas 2). It kills -9 the leader of the most partitions
// mid-stream: the pipeline carries on with two nodes. Then it raises
// min.insync.replicas to 3, so the cluster is below it: the producer stalls
// and says so; when the killed node is back in sync it resumes. Nothing
// acknowledged is lost, nothing is doubled in the lake.
func TestThreeNodeFailover(t *testing.T) {
	needHarness(t)
	c := kafkatest.New(t, kafkatest.Options{Nodes: 3, HeapMB: 256})
	adm := c.Admin()
	logs := newTestLog(t)
	p := newTestPipeline(t, c.Brokers(), run{group: "it-failover", log: logs.logger})
	cancel, done := runInBackground(p)
	waitProgress(t, p, "records produced on three nodes", 10_000)

	victim := busiestLeader(t, c, topics...)
	t.Logf("killing node %d, leader of the most partitions", c.NodeID(victim))
	if err := c.Kill(victim); err != nil {
		t.Fatal(err)
	}
	waitProgress(t, p, "records produced on two nodes", 10_000)

	ctx := context.Background()
	setMinISR(t, adm, "3")
	waitFor(t, "the producer to report the stall", 60*time.Second, func() bool { return logs.contains("no record acknowledged") })
	stalled := produced(p)
	if err := c.Restart(ctx, victim); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	defer wcancel()
	if err := c.WaitInSync(wctx, topics...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the producer to resume", 60*time.Second, func() bool { return produced(p) > stalled+1000 })
	// The stall monitor reports the resumption on its next tick, after the
	// acknowledgements themselves.
	waitFor(t, "the producer to report that acknowledgements resumed", 30*time.Second,
		func() bool { return logs.contains("acknowledgements resumed") })
	setMinISR(t, adm, "2")
	auditRun(t, p, cancel, done, adm, c.Brokers())
}

// setMinISR sets min.insync.replicas on both topics.
func setMinISR(t *testing.T, adm *kadm.Client, v string) {
	t.Helper()
	resp, err := adm.AlterTopicConfigs(context.Background(), []kadm.AlterConfig{{Name: "min.insync.replicas", Value: &v}}, topics...)
	if err == nil {
		for _, r := range resp {
			if r.Err != nil {
				err = r.Err
			}
		}
	}
	if err != nil {
		t.Fatalf("setting min.insync.replicas=%s: %v", v, err)
	}
}
