package kafka

import (
	"fmt"
	"time"
)

// Stats is a snapshot of a producer's progress.
type Stats struct {
	// Sent is how many records were handed to the client (or written).
	Sent int64
	// Acked is how many the broker acknowledged, all topics.
	Acked int64
	// Errors is how many records failed.
	Errors int64
	// Elapsed is the wall time since Run began.
	Elapsed time.Duration
}

// Stats returns the producer's progress so far.
func (p *Producer) Stats() Stats {
	s := Stats{Sent: p.sent.Load(), Acked: p.tallies.total()}
	if start := p.started.Load(); start != 0 {
		s.Elapsed = time.Since(time.Unix(0, start))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s.Errors = p.errs
	return s
}

// Rate is the acknowledged records per second of wall time.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Acked) / s.Elapsed.Seconds()
}

// String is the one-line progress and summary form.
func (s Stats) String() string {
	return fmt.Sprintf("%d records in %.1fs (%.0f/s), %d errors", s.Acked, s.Elapsed.Seconds(), s.Rate(), s.Errors)
}
