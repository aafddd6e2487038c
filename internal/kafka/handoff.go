package kafka

import "github.com/twmb/franz-go/pkg/kgo"

// handoff carries records from the goroutine that makes them (simulation
// and encoding) to the one that hands them to the client, in slices of
// handoffSize: one channel operation per slice, not per record. A slice
// goes on when it is full, before the maker sleeps for pacing (so a paced
// run's records are not held back), and at the end. The slices are reused;
// at most handoffSlices of them are in flight, so a slow client slows the
// maker down.
type handoff struct {
	full chan []*kgo.Record // made, waiting to be sent; closed at the end
	free chan []*kgo.Record // sent, empty, for the maker to fill again
	cur  []*kgo.Record      // the maker's slice being filled
}

const (
	handoffSize   = 256
	handoffSlices = 8
)

func newHandoff() *handoff {
	h := &handoff{
		full: make(chan []*kgo.Record, handoffSlices),
		free: make(chan []*kgo.Record, handoffSlices+1),
	}
	for range handoffSlices + 1 {
		h.free <- make([]*kgo.Record, 0, handoffSize)
	}
	h.cur = <-h.free
	return h
}

// add queues r; the maker's goroutine only.
func (h *handoff) add(r *kgo.Record) {
	h.cur = append(h.cur, r)
	if len(h.cur) == handoffSize {
		h.flush()
	}
}

// flush sends the records queued so far on; the maker's goroutine only.
func (h *handoff) flush() {
	if len(h.cur) == 0 {
		return
	}
	h.full <- h.cur
	h.cur = <-h.free
}

// close sends the last records on and ends drain; the maker's goroutine,
// once.
func (h *handoff) close() {
	h.flush()
	close(h.full)
}

// drain passes every record to send, in order, until close.
func (h *handoff) drain(send func(*kgo.Record)) {
	for s := range h.full {
		for i, r := range s {
			send(r)
			s[i] = nil
		}
		h.free <- s[:0]
	}
}
