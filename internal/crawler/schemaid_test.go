package crawler

import (
	"context"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog"
)

// TestSchemaIDs checks that the crawler registers each Parquet file with
// its schema id: one id for files of one schema, another for a file whose
// schema differs (a new column, a wider type), none for text files.
func TestSchemaIDs(t *testing.T) {
	env := newTestEnv(t)
	keyC := strings.Replace(keyB, "hr=15", "hr=16", 1)
	env.put(t, keyA, parquetOf(t, trades(3)...))
	env.put(t, keyB, parquetOf(t, trades(2)...))
	env.put(t, keyC, parquetOf(t, tradeV2{Symbol: "ACME", Size: 1 << 40, Venue: "V"}))
	env.put(t, "stock_market_0.json", []byte(tutorialRow(0)))
	env.crawl(t)
	ids := schemaIDs(t, env, "trades")
	switch {
	case ids[keyA] == "" || !strings.HasPrefix(ids[keyA], "p1:"):
		t.Errorf("schema id of %s = %q; want p1:<hash>", keyA, ids[keyA])
	case ids[keyB] != ids[keyA]:
		t.Errorf("files of one schema have ids %q and %q", ids[keyA], ids[keyB])
	case ids[keyC] == ids[keyA]:
		t.Errorf("a file with a new column and a wider type has the same id %q", ids[keyC])
	}
	if root := schemaIDs(t, env, "root"); root["stock_market_0.json"] != "" {
		t.Errorf("JSON file has schema id %q; want none", root["stock_market_0.json"])
	}
}

// TestCrawlFillsInSchemaIDs checks that files registered without a schema
// id (by an older ticklake) get theirs on the next crawl, once, without
// being counted as new.
func TestCrawlFillsInSchemaIDs(t *testing.T) {
	env := newTestEnv(t)
	env.put(t, keyA, parquetOf(t, trades(3)...))
	env.put(t, keyB, parquetOf(t, trades(2)...))
	env.crawl(t)
	want := schemaIDs(t, env, "trades")
	ctx := context.Background()
	fs, err := env.cat.Files(ctx, "", "trades")
	if err != nil {
		t.Fatal(err)
	}
	for i := range fs {
		fs[i].Schema = ""
	}
	if err := env.cat.AddFiles(ctx, "", "trades", fs); err != nil {
		t.Fatal(err)
	}
	// A fresh crawler, as after an upgrade, reads the catalog's files.
	c, err := New(env.store, env.cat, DefaultConfig(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name             string
		wantIDs, wantNew int
	}{
		{"first crawl fills in", 2, 0},
		{"second crawl reads nothing", 0, 0},
	}
	for _, st := range steps {
		reads := env.store.reads.Load()
		rep, err := c.Crawl(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.FilesSchemaIDs != st.wantIDs || rep.FilesNew != st.wantNew || env.store.reads.Load()-reads != int64(st.wantIDs) {
			t.Errorf("%s: report %+v, %d reads; want %d schema ids filled in, %d new", st.name, rep,
				env.store.reads.Load()-reads, st.wantIDs, st.wantNew)
		}
		if got := schemaIDs(t, env, "trades"); got[keyA] != want[keyA] || got[keyB] != want[keyB] {
			t.Errorf("%s: schema ids = %v; want %v", st.name, got, want)
		}
	}
	if tb := env.table(t, "trades"); tb.Parameters[catalog.ParamRecordCount] != "5" || tb.Version != 1 {
		t.Errorf("table after filling in = %+v; want 5 rows, version 1", tb)
	}
}

func schemaIDs(t *testing.T, env *testEnv, table string) map[string]string {
	t.Helper()
	fs, err := env.cat.Files(context.Background(), "", table)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range fs {
		out[f.Key] = f.Schema
	}
	return out
}
