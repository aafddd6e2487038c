package sink

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// identify learns the Kafka cluster id and the ids of topics, which go into
// every marker and file so that a recreated topic or another cluster is never
// taken for this one. A topic that does not exist yet is identified when it
// is assigned. It asks through s.meta, a client outside the consumer group,
// so that the group's callbacks (adjust) may call it without waiting on the
// group client they are called from. The caller holds s.mu, or no group
// client exists yet.
func (s *Sink) identify(ctx context.Context, topics ...string) error {
	adm := kadm.NewClient(s.meta) // not closed: that would close s.meta
	md, err := adm.Metadata(ctx, topics...)
	if err != nil {
		return fmt.Errorf("sink: reading Kafka metadata: %w", err)
	}
	s.claims.clusterID = md.Cluster
	for _, td := range md.Topics {
		if td.Err == nil && td.ID != (kadm.TopicID{}) {
			s.claims.topicIDs[td.Topic] = td.ID.String()
		}
	}
	return nil
}

// adjust resolves each newly assigned partition's claim chain and starts
// fetching where it ends (or at its first range to rewrite), not at Kafka's
// committed offset, which may lag. A partition the lake has no claim for
// starts at the committed offset.
func (s *Sink) adjust(ctx context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for topic, parts := range offsets {
		if s.claims.topicIDs[topic] == "" {
			if err := s.identify(ctx, topic); err != nil {
				return nil, err
			}
		}
		for part := range parts {
			pk := partKey{topic, part}
			ch, err := s.claims.resolve(ctx, topic, part)
			if err != nil {
				s.log.Error("sink: resolving the claim chain failed", "topic", topic, "partition", part, "err", err)
				if isMismatch(err) {
					s.fatal = fmt.Errorf("sink: %w", err)
				}
				return nil, err
			}
			if pb := s.bufs[pk]; pb != nil {
				s.buffered -= pb.bytes
				delete(s.bufs, pk)
			}
			s.chains[pk] = ch
			if ch.found {
				parts[part] = kgo.NewOffset().At(ch.resume())
				s.log.Info("sink: resuming at the end of the claim chain", "topic", topic, "partition", part,
					"offset", ch.resume(), "ranges_to_rewrite", len(ch.pending))
			}
		}
	}
	return offsets, nil
}

// writerName names this sink in its markers.
func writerName(configured string) string {
	if configured != "" {
		return configured
	}
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid())
}
