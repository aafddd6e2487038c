package crawler

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/lake"
)

// tradeV1 is a trade as a first writer stores it.
type tradeV1 struct {
	Symbol     string    `parquet:"symbol"`
	Price      float64   `parquet:"price"`
	Size       int32     `parquet:"size"`
	Seq        int64     `parquet:"seq"`
	TS         time.Time `parquet:"ts,timestamp(nanosecond)"`
	Conditions []string  `parquet:"conditions,list"`
	ExchangeID string    `parquet:"ExchangeID"`
}

// tradeV2 widens size to int64 and adds a venue.
type tradeV2 struct {
	Symbol     string    `parquet:"symbol"`
	Price      float64   `parquet:"price"`
	Size       int64     `parquet:"size"`
	Seq        int64     `parquet:"seq"`
	TS         time.Time `parquet:"ts,timestamp(nanosecond)"`
	Conditions []string  `parquet:"conditions,list"`
	ExchangeID string    `parquet:"ExchangeID"`
	Venue      string    `parquet:"venue"`
}

// countingStore is the real store, counting footer reads.
type countingStore struct {
	lake.Store
	reads atomic.Int64
}

func (s *countingStore) ReadAt(ctx context.Context, key string) (lake.ReaderAt, error) {
	s.reads.Add(1)
	return s.Store.ReadAt(ctx, key)
}

func (s *countingStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	s.reads.Add(1)
	return s.Store.Open(ctx, key)
}

// countingCatalog is the real catalog, counting how often a table's whole
// file list is read.
type countingCatalog struct {
	*sqlite.Catalog
	fileLists atomic.Int64
}

func (c *countingCatalog) Files(ctx context.Context, database, table string) ([]catalog.File, error) {
	c.fileLists.Add(1)
	return c.Catalog.Files(ctx, database, table)
}

type testEnv struct {
	store *countingStore
	cat   *countingCatalog
	reg   *prometheus.Registry
	c     *Crawler
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvWith(t, DefaultConfig())
}

func newTestEnvWith(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	dir, err := lake.OpenDir(filepath.Join(t.TempDir(), "lake"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := sqlite.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	env := &testEnv{store: &countingStore{Store: dir}, cat: &countingCatalog{Catalog: cat}, reg: prometheus.NewRegistry()}
	env.c, err = New(env.store, env.cat, cfg, nil, env.reg)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func (e *testEnv) put(t *testing.T, key string, data []byte) {
	t.Helper()
	if err := e.store.Create(context.Background(), key, data); err != nil {
		t.Fatal(err)
	}
}

func parquetOf[T any](t *testing.T, rows ...T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func trades(n int) []tradeV1 {
	rows := make([]tradeV1, n)
	for i := range rows {
		rows[i] = tradeV1{Symbol: "ACME", Price: 10 + float64(i), Size: 100, Seq: int64(i),
			TS: time.Date(2026, 11, 2, 14, 0, i, 0, time.UTC), Conditions: []string{"@"}, ExchangeID: "X"}
	}
	return rows
}

func (e *testEnv) crawl(t *testing.T) Report {
	t.Helper()
	rep, err := e.c.Crawl(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (e *testEnv) table(t *testing.T, name string) catalog.Table {
	t.Helper()
	tb, err := e.cat.Table(context.Background(), "", name)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// metric returns a counter's value, or a histogram's sample count.
func (e *testEnv) metric(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0]
		if h := m.GetHistogram(); h != nil {
			return float64(h.GetSampleCount())
		}
		return m.GetCounter().GetValue()
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// typesOf renders columns as name:type for comparison.
func typesOf(cols []catalog.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name + ":" + c.Type
	}
	return out
}
