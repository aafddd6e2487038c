package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/ticklake/ticklake/internal/tick"
)

// maxTimestampSkewMs is Kafka's largest long: with it as the allowed skew,
// the broker never refuses a record for a simulated or backfilled timestamp.
const maxTimestampSkewMs = "9223372036854775807"

// Topic config names ticklake sets.
const (
	ConfigRetentionMs        = "retention.ms"
	ConfigRetentionBytes     = "retention.bytes"
	ConfigTimestampBeforeMax = "message.timestamp.before.max.ms"
	ConfigTimestampAfterMax  = "message.timestamp.after.max.ms"
)

// TopicSpec is a topic ticklake needs.
type TopicSpec struct {
	// Name is the topic name.
	Name string
	// Partitions is the partition count; -1 takes the broker default.
	Partitions int32
	// ReplicationFactor is the replica count; -1 takes the broker default.
	ReplicationFactor int16
	// RetentionMs is retention.ms; -1 keeps records regardless of age.
	// Time retention looks at record timestamps, which are event times,
	// so backfilled records would be deleted at once under a finite value.
	RetentionMs int64
	// RetentionBytes is retention.bytes per partition; -1 is unlimited.
	RetentionBytes int64
}

// DefaultTopics returns the trades and quotes topics: 3 partitions each, no
// time retention (see TopicSpec.RetentionMs), 1 GiB per partition. On the
// embedded broker the replication factor is 1, else the broker default.
func DefaultTopics(embedded bool) []TopicSpec {
	rf := int16(-1)
	if embedded {
		rf = 1
	}
	spec := func(name string) TopicSpec {
		return TopicSpec{Name: name, Partitions: 3, ReplicationFactor: rf, RetentionMs: -1, RetentionBytes: 1 << 30}
	}
	return []TopicSpec{spec(tick.TopicTrades), spec(tick.TopicQuotes)}
}

// Validate reports the first problem with s, naming the field and the fix.
func (s TopicSpec) Validate() error {
	switch {
	case s.Name == "":
		return errors.New("kafka: topic name is empty; name the topic")
	case s.Partitions == 0 || s.Partitions < -1:
		return fmt.Errorf("kafka: topic %s: partitions %d; use 1 or more, or -1 for the broker default", s.Name, s.Partitions)
	case s.ReplicationFactor == 0 || s.ReplicationFactor < -1:
		return fmt.Errorf("kafka: topic %s: replication factor %d; use 1 or more, or -1 for the broker default", s.Name, s.ReplicationFactor)
	case s.RetentionMs == 0 || s.RetentionMs < -1:
		return fmt.Errorf("kafka: topic %s: retention.ms %d; use a positive value, or -1 to keep records regardless of age", s.Name, s.RetentionMs)
	case s.RetentionBytes == 0 || s.RetentionBytes < -1:
		return fmt.Errorf("kafka: topic %s: retention.bytes %d; use a positive value, or -1 for no size limit", s.Name, s.RetentionBytes)
	}
	return nil
}

// configs returns the topic configs ticklake sets on creation.
func (s TopicSpec) configs() map[string]*string {
	str := func(v string) *string { return &v }
	return map[string]*string{
		ConfigRetentionMs:        str(strconv.FormatInt(s.RetentionMs, 10)),
		ConfigRetentionBytes:     str(strconv.FormatInt(s.RetentionBytes, 10)),
		ConfigTimestampBeforeMax: str(maxTimestampSkewMs),
		ConfigTimestampAfterMax:  str(maxTimestampSkewMs),
	}
}

// EnsureTopics creates each topic that does not exist yet; an existing topic
// is left as it is.
func EnsureTopics(ctx context.Context, adm *kadm.Client, specs ...TopicSpec) error {
	for _, s := range specs {
		if err := s.Validate(); err != nil {
			return err
		}
	}
	for _, s := range specs {
		resp, err := adm.CreateTopic(ctx, s.Partitions, s.ReplicationFactor, s.configs(), s.Name)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("creating topic %s: %w", s.Name, withMessage(err, resp.ErrMessage))
		}
	}
	return nil
}

func withMessage(err error, msg string) error {
	if msg == "" {
		return err
	}
	return fmt.Errorf("%w (%s)", err, msg)
}
