package faulttest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/sink"
)

// auditRow is the part of a row the audit reads: where it came from in Kafka.
type auditRow struct {
	Partition int32 `parquet:"_kafka_partition"`
	Offset    int64 `parquet:"_kafka_offset"`
}

// tpo names one Kafka record.
type tpo struct {
	topic  string
	part   int32
	offset int64
}

// audit proves that the lake's data files hold every record of every
// partition below its high watermark exactly once.
func audit(t *testing.T, tc *testCluster, store lake.Store) {
	t.Helper()
	hw := highWatermarks(t, tc)
	seen := make(map[tpo]int)
	files := 0
	ctx := context.Background()
	err := store.List(ctx, "", func(o lake.Object) error {
		if !lake.IsData(o.Key) || !strings.HasSuffix(o.Key, ".parquet") {
			return nil
		}
		files++
		return readAudit(ctx, store, o.Key, seen)
	})
	if err != nil {
		t.Fatalf("reading the lake: %v", err)
	}
	var lost, dup, extra, total int
	var examples []string
	note := func(format string, args ...any) {
		if len(examples) < 10 {
			examples = append(examples, fmt.Sprintf(format, args...))
		}
	}
	for key, n := range seen {
		if key.offset >= hw[key.topic][key.part] {
			extra++
			note("%s/%d@%d beyond the high watermark", key.topic, key.part, key.offset)
		}
		if n > 1 {
			dup++
			note("%s/%d@%d written %d times", key.topic, key.part, key.offset, n)
		}
	}
	for topic, parts := range hw {
		for part, end := range parts {
			total += int(end)
			for off := range end {
				if seen[tpo{topic, part, off}] == 0 {
					lost++
					note("%s/%d@%d lost", topic, part, off)
				}
			}
		}
	}
	t.Logf("audit: %d records below the high watermarks, %d data files, %d lost, %d duplicated, %d beyond", total, files, lost, dup, extra)
	if lost+dup+extra > 0 {
		t.Errorf("audit failed: %d lost, %d duplicated, %d beyond the high watermark; e.g.\n%s", lost, dup, extra, strings.Join(examples, "\n"))
	}
	if total == 0 {
		t.Error("audit: nothing was produced")
	}
}

// readAudit adds the records of one Parquet file to seen.
func readAudit(ctx context.Context, store lake.Store, key string, seen map[tpo]int) error {
	ra, err := store.ReadAt(ctx, key)
	if err != nil {
		return err
	}
	defer ra.Close()
	f, err := parquet.OpenFile(ra, ra.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	topic, ok := f.Lookup(sink.MetaTopic)
	if !ok {
		return fmt.Errorf("%s: no %s metadata", key, sink.MetaTopic)
	}
	rows, err := parquet.Read[auditRow](ra, ra.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	for _, r := range rows {
		seen[tpo{topic, r.Partition, r.Offset}]++
	}
	return nil
}

// highWatermarks lists the end offset of every partition.
func highWatermarks(t *testing.T, tc *testCluster) map[string]map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(tc.addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topics...)
	if err != nil {
		t.Fatalf("listing end offsets: %v", err)
	}
	out := make(map[string]map[int32]int64)
	ends.Each(func(o kadm.ListedOffset) {
		if out[o.Topic] == nil {
			out[o.Topic] = make(map[int32]int64)
		}
		out[o.Topic][o.Partition] = o.Offset
	})
	return out
}
