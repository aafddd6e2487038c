package query

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/lake/s3test"
)

// newRemoteEngine opens an engine over te's lake as if it had no local
// paths (as S3 has none), reading through a cache.
func newRemoteEngine(t *testing.T, te *testEngine, store lake.Store, cacheSize string) (*Engine, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cache")
	e, err := Open(te.cat, store, Config{CacheDir: dir, CacheSize: cacheSize}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, dir
}

func TestQueryRemoteLakeThroughCache(t *testing.T) {
	te, full := newPrunedEngines(t)
	remote, dir := newRemoteEngine(t, te, noLocal{te.store}, "")
	tests := []struct {
		name   string
		sql    string
		misses int
	}{
		{"one partition", "SELECT symbol, price FROM trades WHERE dt = '2026-11-02' AND hr = 14 ORDER BY 1", 1},
		{"one day, one partition cached", "SELECT count(*), sum(size) FROM trades WHERE dt = '2026-11-02'", 3},
		{"all", "SELECT dt, hr, count(*) FROM trades GROUP BY ALL ORDER BY ALL", 4},
		{"again", "SELECT dt, hr, count(*) FROM trades GROUP BY ALL ORDER BY ALL", 0},
		{"self join", "SELECT count(*) FROM trades a JOIN trades b USING (symbol) WHERE a.hr = 13", 0},
		{"describe", "DESCRIBE trades", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustQuery(t, remote, tt.sql)
			want := mustQuery(t, full, tt.sql)
			g, _ := json.Marshal(got.Rows)
			w, _ := json.Marshal(want.Rows)
			if string(g) != string(w) {
				t.Fatalf("remote rows %s, local %s", g, w)
			}
			if got.Stats.CacheMisses != tt.misses || (tt.misses > 0) != (got.Stats.BytesFetched > 0) {
				t.Fatalf("cache misses %d (%d bytes fetched), want %d", got.Stats.CacheMisses, got.Stats.BytesFetched, tt.misses)
			}
		})
	}
	if entries := cachedFiles(t, dir); len(entries) != 8 {
		t.Fatalf("cache holds %d entries, want the 8 files", len(entries))
	}
	if _, err := remote.Query(context.Background(), "SELECT * FROM read_parquet('"+te.store.Root()+"/trades/*/*/*.parquet')"); err == nil {
		t.Fatal("a remote lake's engine read the directory behind it")
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	te, _ := newPrunedEngines(t)
	files, err := te.cat.Files(context.Background(), "ticklake", "trades")
	if err != nil {
		t.Fatal(err)
	}
	size := files[0].Bytes
	remote, dir := newRemoteEngine(t, te, noLocal{te.store}, "")
	remote.cache.max = 3 * size // three files fit
	for _, hr := range []string{"13", "14", "15", "16"} {
		mustQuery(t, remote, "SELECT count(*) FROM trades WHERE dt = '2026-11-02' AND hr = "+hr)
		// mtimes order the copies; make each hour's use distinct
		now := time.Now().Add(-time.Hour)
		for _, p := range cachedFiles(t, dir) {
			if info, _ := os.Stat(p); info.ModTime().After(now) {
				os.Chtimes(p, now, now)
			}
		}
	}
	res := mustQuery(t, remote, "SELECT count(*) FROM trades WHERE dt = '2026-11-02' AND hr IN (14, 15, 16)")
	if res.Stats.CacheHits != 3 || res.Stats.CacheMisses != 0 {
		t.Fatalf("stats %+v: the three most recent hours should be cached", res.Stats)
	}
	res = mustQuery(t, remote, "SELECT count(*) FROM trades WHERE dt = '2026-11-02' AND hr = 13")
	if res.Stats.CacheMisses != 1 {
		t.Fatalf("stats %+v: the oldest hour should have been evicted", res.Stats)
	}
	if entries := cachedFiles(t, dir); len(entries) != 3 {
		t.Fatalf("cache holds %d files, cap is 3", len(entries))
	}
}

func TestCacheRangedFetch(t *testing.T) {
	store, err := lake.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, rangedFetchMin+3*rangeSize+12345)
	rand.Read(data)
	if err := store.Create(context.Background(), "big/blob.parquet", data); err != nil {
		t.Fatal(err)
	}
	c, err := newFileCache(t.TempDir(), 0, noLocal{store}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := viewFile{key: "big/blob.parquet", bytes: int64(len(data))}
	paths, st, err := c.fetch(context.Background(), []viewFile{f})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(paths[0])
	if err != nil || !bytes.Equal(got, data) || st.bytes != int64(len(data)) || st.misses != 1 {
		t.Fatalf("fetched %d bytes (stats %+v), err %v; want an exact copy of %d", len(got), st, err, len(data))
	}
	if _, st, _ = c.fetch(context.Background(), []viewFile{f}); st.hits != 1 {
		t.Fatalf("second fetch %+v, want a hit", st)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"10GB", 10e9, true}, {"512MiB", 512 << 20, true}, {"1.5 GB", 1.5e9, true}, {"42", 42, true},
		{"lots", 0, false}, {"-1GB", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("parseSize(%q) = %d, %v", tt.in, got, err)
			}
		})
	}
}

// TestQueryS3Lake queries a lake in a real S3 server (versitygw).
func TestQueryS3Lake(t *testing.T) {
	srv := s3test.Start(t)
	store := srv.Store(t, "")
	te := newTestEngine(t, Config{})
	te.putTrades(t)
	te.store = nil
	for _, key := range []string{tradesKey1, tradesKey2} {
		var buf bytes.Buffer
		writeTrades(t, &buf, []tradeV1{{Symbol: "AAPL", Ts: tradeTime.UnixNano(), Price: 7.5, Size: 1}})
		if err := store.Create(context.Background(), key, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
		registerFile(t, te, key, 1, int64(buf.Len()))
	}
	remote, _ := newRemoteEngine(t, te, store, "")
	res := mustQuery(t, remote, "SELECT hr, sum(price) FROM trades GROUP BY hr ORDER BY hr")
	if g, _ := json.Marshal(res.Rows); string(g) != `[[14,7.5],[15,7.5]]` || res.Stats.CacheMisses != 2 {
		t.Fatalf("rows %s, stats %+v", g, res.Stats)
	}
	res = mustQuery(t, remote, "SELECT count(*) FROM trades WHERE hr = 15")
	if res.Rows[0][0] != int64(1) || res.Stats.CacheHits != 1 || res.Stats.CacheMisses != 0 || res.Stats.FilesScanned != 1 {
		t.Fatalf("rows %v, stats %+v", res.Rows, res.Stats)
	}
}

// cachedFiles lists the copies in a cache dir.
func cachedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
