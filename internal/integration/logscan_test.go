package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// logCopy is one copy of a record in the brokers' log.
type logCopy struct {
	part     int32
	offset   int64
	producer int64
	epoch    int16
}

func (c logCopy) String() string {
	return fmt.Sprintf("partition %d offset %d producer %d epoch %d", c.part, c.offset, c.producer, c.epoch)
}

// logDuplicate is a (symbol, seq) the log holds more than once, with every
// copy in offset order.
type logDuplicate struct {
	symbol string
	seq    int64
	copies []logCopy
}

// scanLog reads topic from its log start to its high watermarks and returns
// the records it holds more than once (same symbol and seq: the tests run
// one producer), and how many records it read.
func scanLog(t *testing.T, brokers []string, adm *kadm.Client, topic string) ([]logDuplicate, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	type key struct {
		symbol string
		seq    int64
	}
	seen := map[key][]logCopy{}
	var order []key
	var n int64
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("scanning %s: %v (left: %v)", topic, err, want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset+1 >= want[r.Partition] {
				delete(want, r.Partition)
			}
			var v struct {
				Symbol string `json:"symbol"`
				Seq    int64  `json:"seq"`
			}
			if json.Unmarshal(r.Value, &v) != nil {
				return
			}
			n++
			k := key{v.Symbol, v.Seq}
			if seen[k] == nil {
				order = append(order, k)
			}
			seen[k] = append(seen[k], logCopy{r.Partition, r.Offset, r.ProducerID, r.ProducerEpoch})
		})
	}
	var dups []logDuplicate
	for _, k := range order {
		if cs := seen[k]; len(cs) > 1 {
			dups = append(dups, logDuplicate{k.symbol, k.seq, cs})
		}
	}
	return dups, n
}

// logDuplicates logs how many records each table's log holds twice, with
// the producer id, epoch and batch sequence of the copies of the first, and
// returns the count of extra copies per table.
func logDuplicates(t *testing.T, brokers []string, adm *kadm.Client) map[string]int64 {
	t.Helper()
	extra := map[string]int64{}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, table := range topics {
		dups, n := scanLog(t, brokers, adm, table)
		epochs := map[string]int{}
		for i, d := range dups {
			extra[table] += int64(len(d.copies) - 1)
			first, later := d.copies[0], d.copies[len(d.copies)-1]
			epochs[fmt.Sprintf("id %d epoch %d -> id %d epoch %d", first.producer, first.epoch, later.producer, later.epoch)]++
			if i == 0 {
				t.Logf("%s: %s seq %d: %v", table, d.symbol, d.seq, d.copies)
				for _, c := range d.copies {
					t.Logf("   %s", batchOf(t, cl, table, c.part, c.offset))
				}
			}
		}
		t.Logf("%s: the log holds %d records, %d of them extra copies of a (symbol, seq); copies by producer id and epoch (first -> last): %v",
			table, n, extra[table], epochs)
	}
	return extra
}

// batchOf returns the header of the record batch holding offset: its first
// offset, producer id and epoch, and first sequence number (diagnostic).
func batchOf(t *testing.T, cl *kgo.Client, topic string, part int32, offset int64) string {
	t.Helper()
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 100
	req.MaxBytes = 1 << 20
	td, err := kadm.NewClient(cl).ListTopics(context.Background(), topic)
	if err != nil {
		return err.Error()
	}
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = topic, td[topic].ID
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes, rp.CurrentLeaderEpoch = part, offset, 1<<20, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil || len(resp.Topics) == 0 || len(resp.Topics[0].Partitions) == 0 {
		return fmt.Sprintf("fetch failed: %v", err)
	}
	rpr := resp.Topics[0].Partitions[0]
	raw := rpr.RecordBatches
	if len(raw) == 0 {
		return fmt.Sprintf("no batches: resp error %d, partition error %d", resp.ErrorCode, rpr.ErrorCode)
	}
	for len(raw) > 12 {
		var b kmsg.RecordBatch
		if err := b.ReadFrom(raw); err != nil {
			return "decode failed: " + err.Error()
		}
		if offset <= b.FirstOffset+int64(b.LastOffsetDelta) {
			return fmt.Sprintf("batch %d..%d producer %d epoch %d first seq %d (record seq %d)", b.FirstOffset, b.FirstOffset+int64(b.LastOffsetDelta),
				b.ProducerID, b.ProducerEpoch, b.FirstSequence, b.FirstSequence+int32(offset-b.FirstOffset))
		}
		raw = raw[12+b.Length:]
	}
	return fmt.Sprintf("not found in %d bytes", len(rpr.RecordBatches))
}
