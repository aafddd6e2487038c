package sink

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// identify learns the Kafka cluster id and the ids of topics, which go into
// every marker and file so that a recreated topic or another cluster is never
// taken for this one. A topic that does not exist yet is identified when it
// is assigned.
func (s *Sink) identify(ctx context.Context, topics ...string) error {
	adm := kadm.NewClient(s.client) // not closed: that would close s.client
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

// producedAt reads the record's produce-time header. It runs for every
// record: the common shape (1-18 plain digits) is parsed by hand, anything
// else by strconv, with the same result.
func producedAt(r *kgo.Record) (int64, bool) {
	for _, h := range r.Headers {
		if h.Key == tick.HeaderProducedAt {
			return parseDecimal(h.Value)
		}
	}
	return 0, false
}

// parseDecimal parses a decimal int64 as strconv.ParseInt(s, 10, 64) does,
// without allocating. Produce times have 19 digits.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 { // 19 digits cannot overflow a uint64
		return parseInt(b)
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return parseInt(b) // a sign, or not a number
		}
		n = n*10 + uint64(c-'0')
	}
	if n > math.MaxInt64 {
		return parseInt(b) // out of range
	}
	return int64(n), true
}

// writerName names this sink in its markers.
func writerName(configured string) string {
	if configured != "" {
		return configured
	}
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid())
}
