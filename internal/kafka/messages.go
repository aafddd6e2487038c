package kafka

import (
	"context"
	"time"
)

// MessageSource yields records its source has already encoded, such as rows
// replayed from a CSV file. ok is false when it has no more.
type MessageSource interface {
	NextMessage() (topic string, key, value []byte, ok bool)
}

// RunMessages produces from src at rate records per second (0 = as fast as
// possible) until src is exhausted, ctx is cancelled, Count is reached or a
// record fails. The record timestamp is the produce time. Speed and
// Duration do not apply. It flushes and returns like Run.
func (p *Producer) RunMessages(ctx context.Context, src MessageSource, rate float64) error {
	return p.run(ctx, func(ctx, pctx context.Context) int64 { return p.messageLoop(ctx, pctx, src, rate) })
}

func (p *Producer) messageLoop(ctx, pctx context.Context, src MessageSource, rate float64) int64 {
	var (
		n     int64
		pacer = newPacer(1)
		clock = newWallClock()
		start = time.Now()
	)
	defer pacer.stop()
	for p.cfg.Count == 0 || n < p.cfg.Count {
		if ctx.Err() != nil || pctx.Err() != nil {
			break
		}
		topic, key, value, ok := src.NextMessage()
		if !ok {
			break
		}
		slept := false
		if rate > 0 {
			if d := time.Until(start.Add(time.Duration(float64(n) / rate * 1e9))); d >= minSleep {
				p.beforeSleep(pctx, clock, d)
				if !pacer.sleep(ctx, d) {
					break
				}
				slept = true
			}
		}
		p.stamp(pctx, clock, n, slept)
		if !p.emit(pctx, topic, string(key), value, clock.now, clock.headers(kindReplay)) {
			break
		}
		n++
	}
	return n
}
