package crawler

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/lake/s3test"
)

// TestCrawlS3Lake crawls a lake on a real S3 server (versitygw): the crawler
// uses only lake.Store, so an S3 lake crawls as a directory does.
func TestCrawlS3Lake(t *testing.T) {
	srv := s3test.Start(t)
	store := &countingStore{Store: srv.Store(t, "lake")}
	cat, err := sqlite.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	c, err := New(store, cat, DefaultConfig(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put := func(key string, data []byte) {
		if err := store.Create(ctx, key, data); err != nil {
			t.Fatal(err)
		}
	}
	put(keyA, parquetOf(t, trades(3)...))
	put(keyB, parquetOf(t, trades(2)...))
	for i := range 3 {
		put(fmt.Sprintf("stock_market_%d.json", i), []byte(tutorialRow(i)))
	}
	put("prices/day=2026-11-02/p.csv.gz", gz(t, []byte("symbol,price\nACME,1.5\n")))
	put("_dead_letters/x.json", []byte("not json"))
	rep, err := c.Crawl(ctx)
	if err != nil || rep.Tables != 3 || rep.FilesNew != 6 || len(rep.Errors) != 0 {
		t.Fatalf("report = %+v, %v; want 3 tables and 6 new files", rep, err)
	}
	for name, rows := range map[string]string{"trades": "5", "root": "3", "prices": "1"} {
		tb, err := cat.Table(ctx, "", name)
		if err != nil || tb.Parameters[catalog.ParamRecordCount] != rows {
			t.Errorf("%s = %+v, %v; want %s rows", name, tb.Parameters, err, rows)
		}
	}
	reads := store.reads.Load()
	if rep, err := c.Crawl(ctx); err != nil || rep.FilesNew != 0 || store.reads.Load() != reads {
		t.Errorf("re-crawl: %+v, %v, %d reads; want nothing new and no read", rep, err, store.reads.Load()-reads)
	}
	if err := store.Delete(ctx, keyB); err != nil {
		t.Fatal(err)
	}
	put(keyQ, parquetOf(t, trades(1)...))
	if err := c.Register(ctx, []string{keyQ}); err != nil {
		t.Fatal(err)
	}
	if rep, err := c.Crawl(ctx); err != nil || rep.FilesRemoved != 1 || rep.FilesNew != 0 {
		t.Errorf("crawl after a delete: %+v, %v; want 1 removed, 0 new", rep, err)
	}
	if fs, _ := cat.Files(ctx, "", "trades"); len(fs) != 1 || fs[0].Key != keyA {
		t.Errorf("trades files = %+v; want only %s", fs, keyA)
	}
}
