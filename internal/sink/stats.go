package sink

import "maps"

// Stats is a snapshot of what a Sink has done since it was made.
type Stats struct {
	// Topics holds the counters of each topic seen.
	Topics map[string]TopicStats `json:"topics"`
	// Lag is, per topic and assigned partition, the high watermark minus the
	// next offset to consume, as of the last fetch.
	Lag map[string]map[int32]int64 `json:"lag"`
}

// TopicStats counts one topic's records.
type TopicStats struct {
	Consumed    int64 `json:"consumed"`     // records consumed (control records excluded)
	Written     int64 `json:"written"`      // rows written to files
	Files       int64 `json:"files"`        // files written
	Bytes       int64 `json:"bytes"`        // bytes of files written
	DeadLetters int64 `json:"dead_letters"` // malformed records sent to dead letters
}

// Stats returns a snapshot of the sink's counters.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Topics: maps.Clone(s.stats), Lag: make(map[string]map[int32]int64)}
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
