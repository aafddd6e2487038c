package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/crawler"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/query"
)

// tutorialFiles is how many stock_market_N.json objects the tutorial lake
// holds: the tutorial's consumer wrote one small file per record.
const tutorialFiles = 10_000

// BenchmarkTutorialJSON queries a lake laid out as the tutorial left its
// bucket (one JSON object per file, "Adj Close" and "CloseUSD" keys),
// crawled into SQLite, next to the DuckDB CLI reading the same files with
// read_json_auto.
func BenchmarkTutorialJSON(b *testing.B) {
	dir := b.TempDir()
	indexes := []string{"HSI", "NYA", "IXIC", "000001.SS", "N225", "N100", "399001.SZ", "GSPTSE", "NSEI", "GDAXI"}
	for i := range tutorialFiles {
		obj := fmt.Sprintf(`{"Index": %q, "Date": "1986-12-31", "Open": %d.5, "High": 1.0, "Low": 1.0, "Close": 1.0, "Adj Close": %d.25, "Volume": 0.0, "CloseUSD": %d.75}`,
			indexes[i%len(indexes)], i, i, i%1000)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("stock_market_%d.json", i)), []byte(obj), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	store, err := lake.OpenDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	cat, err := sqlite.Open(filepath.Join(b.TempDir(), "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	cfg := crawler.DefaultConfig()
	cfg.RootTable = "stock_market"
	c, err := crawler.New(store, cat, cfg, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Crawl(context.Background()); err != nil {
		b.Fatal(err)
	}
	const sql = `SELECT "index", avg(closeusd), max(adj_close) FROM stock_market GROUP BY 1`
	b.Run("ticklake-warm", func(b *testing.B) {
		e, err := query.Open(cat, store, query.Config{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		res, err := e.Query(context.Background(), sql)
		if err != nil || len(res.Rows) != len(indexes) {
			b.Fatalf("%v, %d rows", err, len(res.Rows))
		}
		b.ResetTimer()
		for range b.N {
			if res, err = e.Query(context.Background(), sql); err != nil {
				b.Fatal(err)
			}
		}
		reportStats(b, res)
	})
	b.Run("duckdb-cli", func(b *testing.B) {
		peer := `SELECT "Index", avg("CloseUSD"), max("Adj Close") FROM read_json_auto('` + dir + `/stock_market_*.json') GROUP BY 1`
		p := peerTimes(b, "", peer, max(b.N, 3))
		b.ReportMetric(p.cold, "cold-ms")
		b.ReportMetric(p.warm, "warm-ms")
	})
}
