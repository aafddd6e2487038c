package faulttest

import (
	"bufio"
	"context"
	"encoding/json"
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

// audit proves that the lake holds every record of every partition below
// its high watermark exactly once: as a row of a data file or as a line of
// _errors (a bad record or a duplicate the sink dropped), never both.
func audit(t *testing.T, tc *testCluster, store lake.Store) {
	t.Helper()
	hw := highWatermarks(t, tc)
	seen := make(map[tpo]int)
	files, errLines := 0, 0
	ctx := context.Background()
	err := store.List(ctx, "", func(o lake.Object) error {
		switch {
		case strings.HasPrefix(o.Key, "_errors/") && strings.HasSuffix(o.Key, ".jsonl"):
			n, err := readErrorLines(ctx, store, o.Key, seen)
			errLines += n
			return err
		case !lake.IsData(o.Key) || !strings.HasSuffix(o.Key, ".parquet"):
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
	t.Logf("audit: %d records below the high watermarks, %d data files, %d lines in _errors, %d lost, %d duplicated, %d beyond",
		total, files, errLines, lost, dup, extra)
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

// readErrorLines adds the records of one _errors file to seen.
func readErrorLines(ctx context.Context, store lake.Store, key string, seen map[tpo]int) (int, error) {
	rc, err := store.Open(ctx, key)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(nil, 16<<20)
	n := 0
	for sc.Scan() {
		var line struct {
			Topic     string `json:"topic"`
			Partition int32  `json:"partition"`
			Offset    int64  `json:"offset"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return n, fmt.Errorf("%s: %w", key, err)
		}
		seen[tpo{line.Topic, line.Partition, line.Offset}]++
		n++
	}
	return n, sc.Err()
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
