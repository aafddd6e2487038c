package crawler

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/glue/gluetest"
	"github.com/ticklake/ticklake/internal/lake"
)

// TestCrawlIntoGlue crawls a lake into the Glue catalog (on moto): the same
// crawler, incremental, with files removed and a table gone.
func TestCrawlIntoGlue(t *testing.T) {
	endpoint := gluetest.StartMoto(t)
	cat, db := gluetest.Open(t, endpoint)
	dir, err := lake.OpenDir(filepath.Join(t.TempDir(), "lake"))
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: dir}
	cfg := DefaultConfig()
	cfg.Database = db
	c, err := New(store, cat, cfg, nil, nil)
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
	crawl := func() Report {
		rep, err := c.Crawl(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := crawl(); rep.FilesNew != 5 || len(rep.Errors) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	reads := store.reads.Load()
	if rep := crawl(); rep.FilesNew != 0 || store.reads.Load() != reads {
		t.Errorf("second crawl: %+v, %d reads; want nothing new and no read", rep, store.reads.Load()-reads)
	}
	root, err := cat.Table(ctx, db, "root")
	if err != nil || root.Parameters[catalog.ParamRecordCount] != "3" || root.Classification != "json" {
		t.Fatalf("root = %+v, %v", root, err)
	}
	if err := store.Delete(ctx, keyB); err != nil {
		t.Fatal(err)
	}
	if rep := crawl(); rep.FilesRemoved != 1 {
		t.Errorf("report = %+v; want 1 file removed", rep)
	}
	fs, err := cat.Files(ctx, db, "trades")
	if err != nil || len(fs) != 1 || fs[0].Key != keyA || fs[0].Rows != 3 || !strings.HasPrefix(fs[0].Schema, "p1:") {
		t.Errorf("trades files = %+v, %v; want %s with 3 rows and its schema id", fs, err, keyA)
	}
	ps, _ := cat.Partitions(ctx, db, "trades")
	if len(ps) != 1 || !slices.Equal(ps[0].Values, []string{"2026-11-02", "14"}) {
		t.Errorf("partitions = %+v; want only hr=14", ps)
	}
	if cs, err := cat.Crawls(ctx, db, 10); err != nil || len(cs) != 3 {
		t.Errorf("crawl history = %+v, %v; want 3 crawls", cs, err)
	}
	// The event path: a new file registered without a crawl.
	put(keyB, parquetOf(t, trades(4)...))
	if err := c.Register(ctx, []string{keyB}); err != nil {
		t.Fatal(err)
	}
	tb, err := cat.Table(ctx, db, "trades")
	if err != nil || tb.Parameters[catalog.ParamRecordCount] != "7" || tb.Parameters[catalog.ParamObjectCount] != "2" {
		t.Errorf("trades after Register = %+v, %v; want 7 rows in 2 files", tb.Parameters, err)
	}
	if ps, _ := cat.Partitions(ctx, db, "trades"); len(ps) != 2 || ps[1].Rows != 4 {
		t.Errorf("partitions after Register = %+v", ps)
	}
}
