package sink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// identify learns the Kafka cluster id and the ids of topics, which go into
// every marker and file so that a recreated topic or another cluster is never
// taken for this one. A topic the cluster does not describe yet (not created,
// or created a moment ago) is identified when it is assigned.
func (s *Sink) identify(ctx context.Context, topics ...string) error {
	_, err := s.describe(ctx, topics...)
	return err
}

// describe asks for the cluster's and topics' ids and keeps them, and returns
// the topics the cluster did not describe. It asks the broker every time
// (kadm's Metadata answers from a cache for five seconds, which would repeat
// a "no such topic" given just before the topic was created), through
// s.meta, a client outside the consumer group, so that the group's callbacks
// (adjust) may call it without waiting on the group client they are called
// from. The caller holds s.mu, or no group client exists yet.
func (s *Sink) describe(ctx context.Context, topics ...string) ([]string, error) {
	req := kmsg.NewPtrMetadataRequest()
	for _, t := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, s.meta)
	if err != nil {
		return nil, fmt.Errorf("sink: reading Kafka metadata: %w", err)
	}
	if resp.ClusterID != nil {
		s.claims.clusterID = *resp.ClusterID
	}
	var missing []string
	for _, rt := range resp.Topics {
		var topic string
		if rt.Topic != nil {
			topic = *rt.Topic
		}
		err := kerr.ErrorForCode(rt.ErrorCode)
		switch {
		case errors.Is(err, kerr.TopicAuthorizationFailed):
			return nil, fmt.Errorf("sink: reading Kafka metadata of topic %q: %w", topic, err)
		case err != nil:
			missing = append(missing, topic)
		case rt.TopicID != [16]byte{}:
			s.claims.topicIDs[topic] = kadm.TopicID(rt.TopicID).String()
		} // no error and no id: a broker older than topic ids (Kafka 2.8)
	}
	return missing, nil
}

// assignedTopicWait is how long adjust waits for Kafka to describe a topic
// the group assigned.
const assignedTopicWait = 30 * time.Second

// identifyAssigned learns the id of a topic the group has assigned, asking
// again for up to wait while the cluster does not describe it: a topic
// created a moment ago can be assigned before every answer knows it, and
// markers written without its id would be refused once the id is known. The
// caller holds s.mu.
func (s *Sink) identifyAssigned(ctx context.Context, topic string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for backoff := 20 * time.Millisecond; ; backoff = min(2*backoff, time.Second) {
		missing, err := s.describe(ctx, topic)
		if err == nil && len(missing) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("sink: Kafka has not described assigned topic %q for %s; the group assigns it again at its next rebalance", topic, wait)
			}
			return err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
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
			if err := s.identifyAssigned(ctx, topic, assignedTopicWait); err != nil {
				s.log.Error("sink: learning the topic's id failed", "topic", topic, "err", err)
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
