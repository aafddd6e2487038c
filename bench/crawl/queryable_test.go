package crawl

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/crawler"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/query"
)

// BenchmarkQueryable measures what `up` does between the sink publishing a
// file and SQL seeing its rows: Register (the event path) and the query
// engine's next query, in a table of 1,000 files. Each iteration writes one
// file into a new hour and polls `SELECT count(*)` on that hour until its
// rows show.
func BenchmarkQueryable(b *testing.B) {
	const files = 1000
	dir := filepath.Join(b.TempDir(), "lake")
	data := smallParquet(b)
	writeObjects(b, dir, 0, files, data)
	store, err := lake.OpenDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	cat, err := sqlite.Open(filepath.Join(b.TempDir(), "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	c, err := crawler.New(store, cat, crawler.DefaultConfig(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Crawl(ctx); err != nil {
		b.Fatal(err)
	}
	eng, err := query.Open(cat, store, query.DefaultConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	var register time.Duration
	b.ResetTimer()
	for i := range b.N {
		key := keyOf(files + i*perHour) // the first file of a new hour
		b.StopTimer()
		if err := store.Create(ctx, key, data); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := c.Register(ctx, []string{key}); err != nil {
			b.Fatal(err)
		}
		register += time.Since(start)
		waitRows(b, eng, key)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/file")
	b.ReportMetric(float64(register.Microseconds())/float64(b.N)/1000, "register-ms/file")
}

// waitRows polls until the query engine counts the 3 rows of key's hour.
func waitRows(b *testing.B, eng *query.Engine, key string) {
	b.Helper()
	kvs := lake.HivePartitions(key)
	sql := fmt.Sprintf("SELECT count(*) FROM trades WHERE dt = DATE '%s' AND hr = %s", kvs[0].Value, kvs[1].Value)
	for deadline := time.Now().Add(10 * time.Second); ; {
		res, err := eng.Query(context.Background(), sql)
		if err != nil {
			b.Fatal(err)
		}
		if fmt.Sprint(res.Rows[0][0]) == "3" {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s not queryable within 10s: %v", key, res.Rows)
		}
	}
}
