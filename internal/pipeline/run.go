package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ticklake/ticklake/internal/kafka"
)

// Run runs every stage until ctx is cancelled (Ctrl-C) or a stage fails, then
// shuts down in order: stop producing, let the sink consume to the end of the
// log, flush and commit, crawl once more so the catalog is current, stop the
// web server. It returns what was produced and written.
func (p *Pipeline) Run(ctx context.Context) (Summary, error) {
	bg, stopBG := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopBG()
	goRun := func(fn func()) { wg.Add(1); go func() { defer wg.Done(); fn() }() }

	prodCtx, stopProd := context.WithCancel(bg)
	defer stopProd()
	prodDone := make(chan error, 1)
	goRun(func() { prodDone <- p.producer.Run(prodCtx, p.sim) })

	sinkCtx, stopSink := context.WithCancel(bg)
	defer stopSink()
	sinkDone := make(chan error, 1)
	goRun(func() { sinkDone <- p.sink.Run(sinkCtx) })

	webDone := make(chan error, 1)
	goRun(func() { webDone <- p.web.Serve(bg) })
	goRun(func() { _ = p.crawler.Run(bg, p.cfg.CrawlEvery) })
	if p.cfg.embedded() && p.cfg.TrimEvery > 0 {
		goRun(func() { p.trim(bg) })
	}

	var failed error
	select {
	case <-ctx.Done():
		p.log.Info("stopping: draining the sink before exit")
	case err := <-prodDone:
		prodDone <- err // read again below
		if err != nil {
			failed = fmt.Errorf("producer: %w", err)
		} else {
			// A --count or --duration limit was reached: keep sinking until
			// asked to stop.
			<-ctx.Done()
		}
	case err := <-sinkDone:
		sinkDone <- err
		failed = fmt.Errorf("sink stopped: %w", err)
	case err := <-webDone:
		webDone <- err
		failed = fmt.Errorf("web server: %w", err)
	}
	err := p.shutdown(stopProd, prodDone, stopSink, sinkDone)
	stopBG()
	return p.summary(), errors.Join(failed, err)
}

// shutdown stops the producer, drains the sink and brings the catalog up to
// date. Only records the producer had acknowledged are promised to the lake.
func (p *Pipeline) shutdown(stopProd func(), prodDone chan error, stopSink func(), sinkDone chan error) error {
	stopProd()
	var errs []error
	if err := <-prodDone; err != nil && !errors.Is(err, context.Canceled) {
		errs = append(errs, fmt.Errorf("producer: %w", err))
	}
	dctx, cancel := context.WithTimeout(context.Background(), p.cfg.DrainTimeout)
	defer cancel()
	if err := p.waitSoleMember(dctx); err != nil {
		p.log.Warn("the sink group still has other members; their partitions are not drained", "err", err)
	}
	if err := p.sink.DrainAll(dctx); err != nil {
		errs = append(errs, fmt.Errorf("draining the sink: %w", err))
		stopSink()
	}
	if err := <-sinkDone; err != nil && !errors.Is(err, context.Canceled) {
		errs = append(errs, fmt.Errorf("sink: %w", err))
	}
	if rep, err := p.crawler.Crawl(dctx); err != nil {
		errs = append(errs, fmt.Errorf("final crawl: %w", err))
	} else if len(rep.Errors) > 0 {
		p.log.Warn("final crawl skipped objects", "count", len(rep.Errors), "first", rep.Errors[0].Key)
	}
	return errors.Join(errs...)
}

// trim deletes from the embedded broker the records the sink has committed,
// so its disk use stays bounded by what is not yet in the lake.
func (p *Pipeline) trim(ctx context.Context) {
	t := time.NewTicker(p.cfg.TrimEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := kafka.TrimCommitted(ctx, p.admin, p.cfg.Sink.Group, p.cfg.Producer.TopicTrades, p.cfg.Producer.TopicQuotes)
		if err != nil && ctx.Err() == nil {
			p.log.Warn("trimming committed records from the broker", "err", err)
		} else if n > 0 {
			p.log.Debug("trimmed committed records from the broker", "records", n)
		}
	}
}

func (p *Pipeline) summary() Summary {
	s := Summary{Produced: p.producer.Produced(), Written: map[string]int64{}, Bad: map[string]int64{}, Duplicates: map[string]int64{}}
	for topic, ts := range p.sink.Stats().Topics {
		s.Written[topic] = ts.Written
		s.Bad[topic] = ts.BadRecords
		s.Duplicates[topic] = ts.Duplicates
	}
	return s
}

// waitSoleMember waits until the sink is its group's only member. A sink
// drains the partitions it owns; a member left over from an earlier run of
// `up` (its session not yet expired) would keep some, and their records would
// stay in Kafka until the next run.
func (p *Pipeline) waitSoleMember(ctx context.Context) error {
	group := p.cfg.Sink.Group
	for {
		gs, err := p.admin.DescribeGroups(ctx, group)
		if err == nil {
			if g, ok := gs[group]; ok && g.Err == nil && g.State == "Stable" && len(g.Members) == 1 {
				return nil
			}
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
