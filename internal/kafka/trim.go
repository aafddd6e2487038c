package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// TrimCommitted deletes, in each topic, the records before the offsets group
// has committed, so the broker only holds what the sink has not yet made
// durable. It returns how many records it deleted. Partitions the group has
// not committed are left alone.
func TrimCommitted(ctx context.Context, adm *kadm.Client, group string, topics ...string) (int64, error) {
	committed, err := adm.FetchOffsetsForTopics(ctx, group, topics...)
	if err == nil {
		err = committed.Error()
	}
	if errors.Is(err, kerr.GroupIDNotFound) {
		return 0, nil // the sink has not committed yet
	}
	if err != nil {
		return 0, fmt.Errorf("fetching committed offsets of group %s: %w", group, err)
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return 0, fmt.Errorf("listing start offsets of %v: %w", topics, err)
	}
	if err := starts.Error(); err != nil {
		return 0, fmt.Errorf("listing start offsets of %v: %w", topics, err)
	}
	del, want := trimTargets(committed, starts)
	if len(del) == 0 {
		return 0, nil
	}
	return deleteUpTo(ctx, adm, del, want)
}

// trimTargets picks the partitions whose commit is past the log start, with
// how many records trimming each would delete.
func trimTargets(committed kadm.OffsetResponses, starts kadm.ListedOffsets) (kadm.Offsets, map[string]map[int32]int64) {
	del := kadm.Offsets{}
	want := map[string]map[int32]int64{}
	committed.Each(func(o kadm.OffsetResponse) {
		start, ok := starts.Lookup(o.Topic, o.Partition)
		if !ok || o.At <= start.Offset {
			return
		}
		del.Add(kadm.Offset{Topic: o.Topic, Partition: o.Partition, At: o.At, LeaderEpoch: -1})
		if want[o.Topic] == nil {
			want[o.Topic] = map[int32]int64{}
		}
		want[o.Topic][o.Partition] = start.Offset
	})
	return del, want
}

func deleteUpTo(ctx context.Context, adm *kadm.Client, del kadm.Offsets, oldStarts map[string]map[int32]int64) (int64, error) {
	resps, err := adm.DeleteRecords(ctx, del)
	if err != nil {
		return 0, fmt.Errorf("deleting committed records: %w", err)
	}
	var trimmed int64
	for _, r := range resps.Sorted() {
		if r.Err != nil {
			return trimmed, fmt.Errorf("deleting committed records of %s/%d: %w", r.Topic, r.Partition, r.Err)
		}
		trimmed += r.LowWatermark - oldStarts[r.Topic][r.Partition]
	}
	return trimmed, nil
}
