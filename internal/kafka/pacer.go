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
	// beforeSleep, when not nil, runs before wait sleeps for d: batches
	// that would linger past the sleep go out instead of waiting it out.
	beforeSleep func(d time.Duration)
}

func newPacer(speed float64) *pacer {
	return &pacer{speed: speed}
}

// wait sleeps until wallStart plus elapsed/speed; at speed 0 (max) it only
// sleeps when the event lies in the wall clock's future, so a backfill never
// runs past now. It reports whether it slept, and false for ok if ctx was
// cancelled first.
func (p *pacer) wait(ctx context.Context, wallStart time.Time, elapsed time.Duration, evTime time.Time, clock *wallClock) (slept, ok bool) {
	var d time.Duration
	if p.speed == 0 {
		if !evTime.After(clock.now) {
			return false, true
		}
		clock.now = time.Now()
		d = evTime.Sub(clock.now)
	} else {
		d = time.Until(wallStart.Add(time.Duration(float64(elapsed) / p.speed)))
	}
	if d < minSleep {
		return false, true
	}
	if p.beforeSleep != nil {
		p.beforeSleep(d)
	}
	return true, p.sleep(ctx, d)
}

func (p *pacer) sleep(ctx context.Context, d time.Duration) bool {
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
