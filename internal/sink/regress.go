package sink

import (
	"fmt"
	"time"
)

// logRegressed is the error for a partition whose log ends before the
// lake's claims do: the broker has lost records it had acknowledged (a
// broker restored from an old disk, an unclean leader election) or the
// topic was deleted and made again under the same id. The records it now
// hands out at offsets the lake already holds are not the ones written
// there, and skipping them as written would lose them, so the sink stops
// instead. The caller holds s.mu.
func (s *Sink) logRegressed(pk partKey, logEnd, lakeEnd int64) error {
	return fmt.Errorf("sink: the log of %s partition %d ends at offset %d, but the lake holds it up to %d: the broker lost acknowledged records or the topic was made again; nothing was written for it. Repair the broker, or sink the topic into a new lake with a new --group",
		pk.topic, pk.part, logEnd, lakeEnd)
}

// heartbeatInterval is the group heartbeat for a session timeout: a third
// of it, at most 3s (Kafka's default), so that a short session timeout
// still sees several heartbeats.
func heartbeatInterval(session time.Duration) time.Duration {
	return min(3*time.Second, session/3)
}
