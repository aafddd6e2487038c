package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestHandoffKeepsOrderAndEnds passes n records through a handoff, with a
// flush now and then as a pacing sleep would, and checks they all arrive,
// in order, and that drain returns after close.
func TestHandoffKeepsOrderAndEnds(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n, flushAt int
	}{
		{"none", 0, 0},
		{"one", 1, 0},
		{"one short of a slice", handoffSize - 1, 0},
		{"a slice", handoffSize, 0},
		{"many slices", 20*handoffSize + 7, 0},
		{"flushed every 3", 1000, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := make([]kgo.Record, tc.n)
			h := newHandoff()
			go func() {
				defer h.close()
				for i := range recs {
					h.add(&recs[i])
					if tc.flushAt > 0 && i%tc.flushAt == 0 {
						h.flush()
					}
				}
			}()
			var got []*kgo.Record
			h.drain(func(r *kgo.Record) { got = append(got, r) })
			if len(got) != tc.n {
				t.Fatalf("drained %d records, want %d", len(got), tc.n)
			}
			for i, r := range got {
				if r != &recs[i] {
					t.Fatalf("record %d arrived out of order", i)
				}
			}
		})
	}
}

// TestPacedRecordsAreNotHeldForAHandoff runs the producer on events 10 ms
// apart in the wall clock's future: each waits for its time, and goes to
// the broker then rather than when a slice of the handoff fills (256
// events, 2.5 s).
func TestPacedRecordsAreNotHeldForAHandoff(t *testing.T) {
	for _, tc := range []struct {
		name  string
		speed float64
	}{
		{"max speed caught up with the wall clock", 0},
		{"real time", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cl := newTestPipeline(t)
			cfg := DefaultProducerConfig()
			cfg.Speed = tc.speed
			p := newTestProducer(t, cl, cfg, nil)
			ctx, cancel := context.WithCancel(testCtx(t))
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx, &clockSource{next: time.Now()}) }()
			deadline := time.Now().Add(time.Second)
			for total(p.Produced()) < 5 {
				if time.Now().After(deadline) {
					cancel()
					t.Fatalf("%d records acknowledged after 1s of events 10ms apart; the handoff held them", total(p.Produced()))
				}
				time.Sleep(5 * time.Millisecond) // polling a condition, not waiting for it
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run after cancel = %v, want nil", err)
			}
		})
	}
}
