package kafka

import (
	"time"
)

// stallAfter is how long records may wait unacknowledged before the producer
// says so; stallCheck is how often it looks.
const (
	stallAfter = 5 * time.Second
	stallCheck = time.Second
)

// watchStalls reports, once per stall, records buffered with no
// acknowledgement for stallAfter (brokers down, a partition without a
// leader, a cluster below min.insync.replicas), and reports the recovery.
// The client keeps retrying meanwhile; a record that exhausts its retries
// fails the run as before.
func (p *Producer) watchStalls(done <-chan struct{}, every, after time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var since time.Time // zero while not stalled
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		last := time.Unix(0, max(p.lastAck.Load(), p.started.Load()))
		waiting := p.cl.BufferedProduceRecords()
		switch {
		case since.IsZero() && waiting > 0 && time.Since(last) >= after:
			since = last
			p.metrics.stalls.Inc()
			p.logger.Warn("producer: no record acknowledged for "+after.String()+"; the brokers may be down or the cluster below min.insync.replicas; retrying",
				"waiting", waiting, "last_ack", last.UTC().Format(time.RFC3339))
		case !since.IsZero() && time.Since(last) < after:
			p.logger.Info("producer: acknowledgements resumed", "stalled_for", last.Sub(since).Round(time.Millisecond))
			since = time.Time{}
		}
	}
}
