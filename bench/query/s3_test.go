package query

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/lake/s3test"
	"github.com/ticklake/ticklake/internal/query"
)

// BenchmarkS3Cache queries one day of the lake copied into a real S3 server
// (versitygw on loopback): cold, every query with an empty --cache-dir, so
// every file is fetched; warm, the same engine again, every file a hit.
func BenchmarkS3Cache(b *testing.B) {
	l := getLake(b)
	srv := s3test.Start(b)
	store := srv.Store(b, "")
	cat, err := sqlite.Open(filepath.Join(b.TempDir(), "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	ctx := context.Background()
	if err := cat.PutTable(ctx, tradesTable(store)); err != nil {
		b.Fatal(err)
	}
	var size int64
	keys := lakeFiles(b, l.lakeDir(), "trades/dt="+l.firstDt)
	for _, key := range keys {
		data, err := os.ReadFile(filepath.Join(l.lakeDir(), filepath.FromSlash(key)))
		if err != nil {
			b.Fatal(err)
		}
		if err := store.Create(ctx, key, data); err != nil {
			b.Fatal(err)
		}
		kvs := lake.HivePartitions(key)
		if err := cat.AddFiles(ctx, catalog.DefaultDatabase, "trades", []catalog.File{{Key: key,
			Partition: []string{kvs[0].Value, kvs[1].Value}, Bytes: int64(len(data)), ModTime: time.Now()}}); err != nil {
			b.Fatal(err)
		}
		size += int64(len(data))
	}
	b.Logf("%d files, %.1f MB in S3", len(keys), float64(size)/1e6)
	sql := "SELECT symbol, count(*), sum(size), avg(price) FROM trades GROUP BY 1 ORDER BY 1"
	open := func(dir string) *query.Engine {
		e, err := query.Open(cat, store, query.Config{CacheDir: dir}, nil)
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	b.Run("cold", func(b *testing.B) {
		var last *query.Result
		for range b.N {
			b.StopTimer()
			e := open(b.TempDir())
			b.StartTimer()
			last = runQuery(b, e, sql)
			b.StopTimer()
			e.Close()
			b.StartTimer()
		}
		reportStats(b, last)
		b.ReportMetric(last.Stats.FetchMs, "fetch-ms")
	})
	b.Run("warm", func(b *testing.B) {
		e := open(b.TempDir())
		defer e.Close()
		runQuery(b, e, sql)
		b.ResetTimer()
		var last *query.Result
		for range b.N {
			last = runQuery(b, e, sql)
		}
		reportStats(b, last)
		b.ReportMetric(last.Stats.FetchMs, "fetch-ms")
		b.ReportMetric(float64(last.Stats.CacheHits), "cache-hits")
	})
}
