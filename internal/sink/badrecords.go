package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// badRecord is one line of an _errors file: a record the sink could not turn
// into a row, kept with its raw bytes (base64 in JSON) and the reason.
type badRecord struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Reason    string `json:"reason"`
	Raw       []byte `json:"raw"`
}

// ErrorsKey is where the bad records of the flush range starting at from are
// stored; day is the range's claim time, so rewriting the range reproduces
// the key.
func ErrorsKey(topic string, part int32, from int64, day time.Time) string {
	return fmt.Sprintf("_errors/%s/dt=%s/%d-%020d.jsonl", topic, day.UTC().Format(time.DateOnly), part, from)
}

// refuse puts r in the range's _errors file with the reason, and counts it
// as a duplicate or a bad record. The caller holds s.mu.
func (s *Sink) refuse(pb *partBuf, r *kgo.Record, reason string, duplicate bool) {
	pb.bad = append(pb.bad, newBadRecord(r, reason))
	if duplicate {
		s.count(r.Topic, func(ts *TopicStats) { ts.Duplicates++ })
		s.met.duplicates.WithLabelValues(r.Topic).Inc()
		level := slog.LevelDebug
		if !pb.dupLogged {
			pb.dupLogged, level = true, slog.LevelWarn
		}
		s.log.Log(context.Background(), level, "sink: duplicate record moved to _errors (the first of a partition is logged at Warn; all are counted in ticklake_sink_duplicates_total)",
			"topic", r.Topic, "partition", r.Partition, "offset", r.Offset, "reason", reason)
		return
	}
	s.count(r.Topic, func(ts *TopicStats) { ts.BadRecords++ })
	s.met.badRecords.WithLabelValues(r.Topic).Inc()
	s.log.Debug("sink: bad record", "topic", r.Topic, "partition", r.Partition, "offset", r.Offset, "reason", reason)
}

// newBadRecord describes why r was refused. It copies r's value: the
// record's memory is recycled after its poll (recordPool), while the bad
// record waits for its range's flush.
func newBadRecord(r *kgo.Record, reason string) badRecord {
	return badRecord{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Reason: reason, Raw: bytes.Clone(r.Value)}
}

// encodeBadRecords renders bad records as JSON Lines.
func encodeBadRecords(bad []badRecord) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, b := range bad {
		_ = enc.Encode(b) // strings, ints and bytes always encode
	}
	return buf.Bytes()
}

// screen returns why a record cannot become a row before decoding it, or "".
func screen(r *kgo.Record, maxBytes int) string {
	switch {
	case r.Value == nil:
		return "tombstone: the record has no value"
	case len(r.Value) > maxBytes:
		return fmt.Sprintf("oversize: %d bytes, more than the %d allowed (MaxRecordBytes)", len(r.Value), maxBytes)
	}
	return ""
}
