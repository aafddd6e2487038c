package kafka

import (
	"context"
	"time"
)

// minSleep is the shortest wait worth a timer: events closer than this go
// out together, and the absolute targets keep the average rate exact.
const minSleep = time.Millisecond

// pacer holds event times to the wall clock, scaled by speed.
type pacer struct {
	speed float64
	timer *time.Timer
}

func newPacer(speed float64) *pacer {
	return &pacer{speed: speed}
}

// wait sleeps until wallStart plus elapsed/speed, and reports false if ctx
// was cancelled first. Speed 0 never waits.
func (p *pacer) wait(ctx context.Context, wallStart time.Time, elapsed time.Duration) bool {
	if p.speed == 0 {
		return true
	}
	d := time.Until(wallStart.Add(time.Duration(float64(elapsed) / p.speed)))
	if d < minSleep {
		return true
	}
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	select {
	case <-ctx.Done():
		return false
	case <-p.timer.C:
		return true
	}
}

func (p *pacer) stop() {
	if p.timer != nil {
		p.timer.Stop()
	}
}
