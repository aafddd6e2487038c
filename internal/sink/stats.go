package sink

import (
	"maps"
	"time"
)

// Stats is a snapshot of what a Sink has done since it was made.
type Stats struct {
	// Topics holds the counters of each topic seen.
	Topics map[string]TopicStats `json:"topics"`
	// Lag is, per topic and assigned partition, the high watermark minus the
	// next offset to consume, as of the last fetch.
	Lag map[string]map[int32]int64 `json:"lag"`
	// FreshnessP50 and FreshnessP99 are quantiles of the wall-clock time from
	// a record being produced to its file being in the lake, over a sample
	// of the records with a produce-time header (each range's first 64,
	// then one in 32 by offset, counting for 32); 0 before the first file.
	FreshnessP50 time.Duration `json:"freshness_p50_ns"`
	FreshnessP99 time.Duration `json:"freshness_p99_ns"`
	// Retries counts flushes retried after a failed lake write.
	Retries int64 `json:"retries"`
	// Errors counts failed lake writes, head moves and commits.
	Errors int64 `json:"errors"`
	// ClaimsLost counts flush ranges another sink claimed first.
	ClaimsLost int64 `json:"claims_lost"`
	// BufferedBytes is the record bytes held in memory now.
	BufferedBytes int64 `json:"buffered_bytes"`
	// PeakBufferedBytes is the most held at once, after the caps acted.
	PeakBufferedBytes int64 `json:"peak_buffered_bytes"`
}

// TopicStats counts one topic's records.
type TopicStats struct {
	Consumed   int64 `json:"consumed"`    // records consumed (control records excluded)
	Written    int64 `json:"written"`     // rows written to files
	Files      int64 `json:"files"`       // files written
	Bytes      int64 `json:"bytes"`       // bytes of files written
	BadRecords int64 `json:"bad_records"` // records refused and written to _errors
	// Duplicates counts records whose seq their producer already wrote for
	// their symbol; they are written to _errors, not to the data files.
	Duplicates int64 `json:"duplicates"`
	// SequenceGaps counts records whose seq skips ahead for their symbol
	// and producer; they are kept.
	SequenceGaps int64 `json:"sequence_gaps"`
}

// Stats returns a snapshot of the sink's counters.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Topics: maps.Clone(s.stats), Lag: make(map[string]map[int32]int64),
		FreshnessP50: s.fresh.quantile(0.5), FreshnessP99: s.fresh.quantile(0.99),
		Retries: s.retries, Errors: s.errCount, ClaimsLost: s.lostCount, BufferedBytes: s.held(), PeakBufferedBytes: s.peak,
	}
	if st.Topics == nil {
		st.Topics = make(map[string]TopicStats)
	}
	for pk, lag := range s.lag {
		if st.Lag[pk.topic] == nil {
			st.Lag[pk.topic] = make(map[int32]int64)
		}
		st.Lag[pk.topic][pk.part] = lag
	}
	return st
}

// count applies fn to the counters of topic; the caller holds s.mu.
func (s *Sink) count(topic string, fn func(*TopicStats)) {
	ts := s.stats[topic]
	fn(&ts)
	s.stats[topic] = ts
}

// setLag records a partition's lag and refreshes its topic's gauge; the
// caller holds s.mu.
func (s *Sink) setLag(pk partKey, lag int64) {
	s.lag[pk] = lag
	s.refreshLag(pk.topic)
}

// refreshLag sums a topic's partition lags into its gauge.
func (s *Sink) refreshLag(topic string) {
	var sum int64
	for pk, l := range s.lag {
		if pk.topic == topic {
			sum += l
		}
	}
	s.met.lag.WithLabelValues(topic).Set(float64(sum))
}
