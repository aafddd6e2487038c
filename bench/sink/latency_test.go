package sink

import (
	"context"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/lake"
)

// storeLatency is what every write to the lake waits in
// BenchmarkSinkTradesSlowStore: a PUT to S3 from the same region takes
// some tens of milliseconds.
const storeLatency = 40 * time.Millisecond

// slowStore delays every write of a store, as a remote object store does.
type slowStore struct {
	lake.Store
	delay time.Duration
}

func (s slowStore) wait(ctx context.Context) error {
	t := time.NewTimer(s.delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s slowStore) Create(ctx context.Context, key string, data []byte) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.Create(ctx, key, data)
}

func (s slowStore) Put(ctx context.Context, key string, data []byte) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.Put(ctx, key, data)
}

// BenchmarkSinkTradesSlowStore is BenchmarkSinkTrades on a local lake whose
// writes each wait storeLatency: what the loop does while files and markers
// are stored shows here.
func BenchmarkSinkTradesSlowStore(b *testing.B) {
	benchSinkTrades(b, slowStore{newDirLake(b), storeLatency})
}
