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
//
// The last record of a partition is never deleted, even once committed: the
// embedded broker (kfake) reloads a partition whose log was deleted to its
// end as empty from offset 0, so after a restart it would hand out offsets
// the lake already holds, and the sink would take the new records for ones
// it has written.
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
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("listing end offsets of %v: %w", topics, err)
	}
	del, want := trimTargets(committed, starts, ends)
	if len(del) == 0 {
		return 0, nil
	}
	return deleteUpTo(ctx, adm, del, want)
}

// trimTargets picks the partitions whose commit is past the log start, and
// their log starts before trimming; each is trimmed up to its commit but
// never past its last record.
func trimTargets(committed kadm.OffsetResponses, starts, ends kadm.ListedOffsets) (kadm.Offsets, map[string]map[int32]int64) {
	del := kadm.Offsets{}
	want := map[string]map[int32]int64{}
	committed.Each(func(o kadm.OffsetResponse) {
		start, ok := starts.Lookup(o.Topic, o.Partition)
		end, ok2 := ends.Lookup(o.Topic, o.Partition)
		if !ok || !ok2 {
			return
		}
		at := min(o.At, end.Offset-1)
		if at <= start.Offset {
			return
		}
		del.Add(kadm.Offset{Topic: o.Topic, Partition: o.Partition, At: at, LeaderEpoch: -1})
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
