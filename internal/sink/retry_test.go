package sink

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/tick"
)

// outageLake is a real local lake whose writes fail while down is set, as
// an object store does during an outage.
type outageLake struct {
	*lake.Dir
	down     atomic.Bool
	failures atomic.Int64
}

var errOutage = errors.New("injected outage: 503 SlowDown")

func (o *outageLake) Create(ctx context.Context, key string, data []byte) error {
	if o.down.Load() {
		o.failures.Add(1)
		return errOutage
	}
	return o.Dir.Create(ctx, key, data)
}

func (o *outageLake) Put(ctx context.Context, key string, data []byte) error {
	if o.down.Load() {
		o.failures.Add(1)
		return errOutage
	}
	return o.Dir.Put(ctx, key, data)
}

func TestLakeOutageIsRetriedWithoutLoss(t *testing.T) {
	brokers := newTestCluster(t)
	dir := newTestLake(t)
	store := &outageLake{Dir: dir}
	prod := newTestProducer(t, brokers)
	s := newTestSink(t, brokers, store, func(c *Config) { c.FlushInterval = 50 * time.Millisecond })
	store.down.Store(true)
	_, wait := startSink(t, s)
	prod.produce(t, 200, 100)
	waitFor(t, "writes to fail and be retried", func() bool { return s.Stats().Retries >= 3 })
	store.down.Store(false)
	waitFor(t, "every record written after the outage", func() bool {
		st := s.Stats()
		return st.Topics[tick.TopicTrades].Written == 200 && st.Topics[tick.TopicQuotes].Written == 100
	})
	rows := readLake(t, dir)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
	checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, nil)
	select {
	case <-s.done:
		t.Fatalf("Run returned during the outage: %v", wait())
	default:
	}
}
