package integration

import (
	"testing"
	"time"
)

// TestProduceSinkCrawlQueryExactlyOnce runs the whole pipeline against the
// shared Kafka until both tables span two hourly partitions, stops it, and
// audits every record against the brokers' offsets.
func TestProduceSinkCrawlQueryExactlyOnce(t *testing.T) {
	t.Logf("Kafka: %s", shared.name)
	adm := newTestAdmin(t, shared.brokers)
	freshTopics(t, adm)
	p := newTestPipeline(t, shared.brokers, run{group: "it-exactly-once"})
	cancel, done := runInBackground(p)
	waitFor(t, "trades and quotes in two hourly partitions", 90*time.Second, func() bool {
		for _, table := range topics {
			if hours(t, p, table) < 2 {
				return false
			}
		}
		return true
	})
	sum := stop(t, cancel, done)
	eng, store := newTestEngine(t, p)
	for _, table := range topics {
		t.Run(table, func(t *testing.T) {
			n, dups := auditExactlyOnce(t, eng, store, adm, table)
			if n == 0 || sum.Produced[table] != n || sum.Written[table] != n || dups != 0 {
				t.Fatalf("produced %d, sink wrote %d, the lake holds %d rows and %d duplicates in _errors", sum.Produced[table], sum.Written[table], n, dups)
			}
		})
	}
}
