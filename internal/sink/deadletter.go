package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
)

// deadLetter is the object stored for a record the sink cannot decode.
type deadLetter struct {
	Topic     string    `json:"topic"`
	Partition int32     `json:"partition"`
	Offset    int64     `json:"offset"`
	Timestamp time.Time `json:"timestamp"`
	Key       string    `json:"key"`
	Value     string    `json:"value"`
	Error     string    `json:"error"`
}

// DeadLetterKey is where the sink stores the malformed record at a topic,
// partition and offset.
func DeadLetterKey(topic string, part int32, offset int64) string {
	return fmt.Sprintf("_dead_letters/%s/%d-%d.json", topic, part, offset)
}

// deadLetter stores a malformed record and carries on: one bad record must
// not stop a partition. Its offset is committed with the flush range.
func (s *Sink) deadLetter(ctx context.Context, r *kgo.Record, reason error) {
	key := DeadLetterKey(r.Topic, r.Partition, r.Offset)
	s.log.Warn("sink: malformed record; stored as a dead letter", "topic", r.Topic,
		"partition", r.Partition, "offset", r.Offset, "reason", reason, "key", key)
	s.count(r.Topic, func(ts *TopicStats) { ts.DeadLetters++ })
	s.met.decodeErrors.WithLabelValues(r.Topic).Inc()
	body, err := json.MarshalIndent(deadLetter{
		Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp.UTC(),
		Key: string(r.Key), Value: string(r.Value), Error: reason.Error(),
	}, "", "  ")
	if err == nil {
		err = s.store.Create(ctx, key, body)
	}
	if err != nil && !errors.Is(err, lake.ErrExists) {
		s.log.Error("sink: storing a dead letter failed; the record is skipped", "key", key, "err", err)
	}
}
