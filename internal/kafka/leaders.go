package kafka

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicMeta is what the batch writer needs of a topic's metadata.
type topicMeta struct {
	id      [16]byte
	err     error
	leaders map[int32]leaderEpoch // partition -> leader; absent when unknown
	perrs   map[int32]error       // partition -> why its leader is unknown
}

// fetchMetadata asks a broker for the current metadata of topics, past the
// client's cache: after a failure the writer needs the leaders as they are
// now. It never creates a topic.
func fetchMetadata(ctx context.Context, cl *kgo.Client, topics []string) (map[string]topicMeta, error) {
	req := kmsg.NewPtrMetadataRequest()
	for _, t := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	req.AllowAutoTopicCreation = false
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	out := make(map[string]topicMeta, len(resp.Topics))
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		m := topicMeta{id: t.TopicID, err: kerr.ErrorForCode(t.ErrorCode), leaders: map[int32]leaderEpoch{}, perrs: map[int32]error{}}
		for _, p := range t.Partitions {
			perr := kerr.ErrorForCode(p.ErrorCode)
			switch {
			case perr != nil && !errors.Is(perr, kerr.ReplicaNotAvailable): // a follower down is no reason not to write
				m.perrs[p.Partition] = perr
			case p.Leader < 0:
				m.perrs[p.Partition] = kerr.LeaderNotAvailable
			default:
				m.leaders[p.Partition] = leaderEpoch{p.Leader, p.LeaderEpoch}
			}
		}
		out[*t.Topic] = m
	}
	return out, nil
}

// leaderEpoch is a partition's leader and its epoch (-1 when unknown): of
// two reports of a leader, the one with the higher epoch is the newer.
type leaderEpoch struct {
	id, epoch int32
}

// leader is partition's leader in m, or why it is not known.
func (m topicMeta) leader(partition int32) (leaderEpoch, error) {
	if m.err != nil {
		return leaderEpoch{-1, -1}, m.err
	}
	if l, ok := m.leaders[partition]; ok {
		return l, nil
	}
	if err := m.perrs[partition]; err != nil {
		return leaderEpoch{-1, -1}, err
	}
	return leaderEpoch{-1, -1}, errors.New("partition missing from metadata")
}
