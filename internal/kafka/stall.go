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
// fails the run as before. The time of the latest acknowledgement is the
// check at which the acknowledged count last moved (the promise reads no
// clock: it runs for every record).
func (p *Producer) watchStalls(done <-chan struct{}, every, after time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var (
		since time.Time // zero while not stalled
		acked = p.tallies.total()
		last  = time.Unix(0, p.started.Load())
	)
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			if n := p.tallies.total(); n != acked {
				acked, last = n, now
			}
		}
		waiting := p.w.send.buffered.Load()
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
