package query

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestQueryUsesSchemaIDs checks that files with the catalog's schema ids
// are bound without reading their footers' schemas, and that files without
// them still are.
func TestQueryUsesSchemaIDs(t *testing.T) {
	tests := []struct {
		name      string
		schemaIDs bool
		wantSigs  int // footers read for their schema
	}{
		{"with schema ids", true, 0},
		{"without", false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEngine(t, Config{})
			te.schemaIDs = tt.schemaIDs
			te.putTrades(t)
			addFile(t, te, tradesKey1, []tradeV1{{Symbol: "A", Ts: tradeTime.UnixNano(), Price: 1, Size: 1}})
			addFile(t, te, tradesKey2, []tradeV1{{Symbol: "B", Ts: tradeTime.UnixNano(), Price: 2, Size: 2}})
			res := mustQuery(t, te.Engine, "SELECT count(*), sum(size) FROM trades")
			if res.Rows[0][0] != int64(2) {
				t.Fatalf("rows = %v", res.Rows)
			}
			te.sigMu.Lock()
			got := len(te.fileSigs)
			te.sigMu.Unlock()
			if got != tt.wantSigs {
				t.Errorf("footers read for their schema = %d; want %d", got, tt.wantSigs)
			}
		})
	}
}

// TestQueryReadsReplacedFile checks that a file replaced in place is read
// as it now is, although DuckDB caches what it read of it and does not
// check it again itself; whether or not the catalog was told.
func TestQueryReadsReplacedFile(t *testing.T) {
	tests := []struct {
		name          string
		tellCatalog   bool
		wantCount     int64
		wantFileCount int
	}{
		{"catalog updated", true, 3, 1},
		{"catalog not told", false, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEngine(t, Config{})
			te.putTrades(t)
			addFile(t, te, tradesKey1, []tradeV1{{Symbol: "A", Ts: tradeTime.UnixNano(), Price: 1, Size: 1}})
			if res := mustQuery(t, te.Engine, "SELECT count(*) FROM trades"); res.Rows[0][0] != int64(1) {
				t.Fatalf("before: %v", res.Rows)
			}
			rows := []tradeV1{{Symbol: "B", Size: 2}, {Symbol: "C", Size: 3}, {Symbol: "D", Size: 4}}
			var buf bytes.Buffer
			writeTrades(t, &buf, rows)
			p := filepath.Join(te.store.Root(), filepath.FromSlash(tradesKey1))
			replaceFile(t, p, buf.Bytes())
			if tt.tellCatalog {
				registerFile(t, te, tradesKey1, int64(len(rows)), int64(buf.Len()))
			}
			for range 2 {
				res := mustQuery(t, te.Engine, "SELECT count(*), sum(size), min(hr) FROM trades")
				if res.Rows[0][0] != tt.wantCount || res.Stats.FilesScanned != tt.wantFileCount || res.Rows[0][2] != int32(14) {
					t.Fatalf("after the file was replaced: rows %v, stats %+v; want %d rows of hr 14 from %d file",
						res.Rows, res.Stats, tt.wantCount, tt.wantFileCount)
				}
			}
		})
	}
}

// replaceFile writes data over the file at p with a later modification time.
func replaceFile(t *testing.T, p string, data []byte) {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	later := st.ModTime().Add(time.Second)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
}

func TestRespell(t *testing.T) {
	tests := []struct {
		name string
		p    string
		gen  int
		want string
	}{
		{"first reading", "/lake/t/dt=1/f.parquet", 0, "/lake/t/dt=1/f.parquet"},
		{"changed once", "/lake/t/dt=1/f.parquet", 1, "/lake/t/dt=1/./f.parquet"},
		{"changed twice", "/lake/t/dt=1/f.parquet", 2, "/lake/t/dt=1/././f.parquet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := respell(tt.p, tt.gen); got != tt.want {
				t.Errorf("respell(%q, %d) = %q; want %q", tt.p, tt.gen, got, tt.want)
			}
		})
	}
}

// TestFileStampsNoticeChanges checks the generations: unchanged files keep
// theirs, a changed size or time moves it on once.
func TestFileStampsNoticeChanges(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.parquet")
	if err := os.WriteFile(p, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newFileStamps()
	steps := []struct {
		name   string
		change func()
		want   string
	}{
		{"first", func() {}, p},
		{"unchanged", func() {}, p},
		{"rewritten", func() { replaceFile(t, p, []byte("three")) }, dir + "/./f.parquet"},
		{"unchanged since", func() {}, dir + "/./f.parquet"},
	}
	for _, st := range steps {
		st.change()
		if got, _, _ := s.paths([]string{p}); got[0] != st.want {
			t.Errorf("%s: path = %q; want %q", st.name, got[0], st.want)
		}
	}
}

// TestQueryLeavesOutMissingFile checks that a catalogued file deleted from
// the disk is left out of the queries that would read it, before and
// after the catalog learns of it, and reported once.
func TestQueryLeavesOutMissingFile(t *testing.T) {
	te := newTradesEngine(t)
	addFile(t, te, tradesKey2, []tradeV1{{Symbol: "NVDA", Ts: tradeTime.Add(time.Hour).UnixNano(), Size: 7}})
	if res := mustQuery(t, te.Engine, "SELECT count(*) FROM trades"); res.Rows[0][0] != int64(3) {
		t.Fatalf("before: %v", res.Rows)
	}
	if err := os.Remove(filepath.Join(te.store.Root(), filepath.FromSlash(tradesKey1))); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, sql string }{
		{"whole table", "SELECT count(*), sum(size) FROM trades"},
		{"pruned to both hours", "SELECT count(*), sum(size) FROM trades WHERE hr >= 14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustQuery(t, te.Engine, tt.sql)
			if res.Rows[0][0] != int64(1) || res.Stats.FilesScanned != 1 {
				t.Fatalf("rows %v, %d files scanned; want the one file left", res.Rows, res.Stats.FilesScanned)
			}
		})
	}
	s := newFileStamps()
	p := filepath.Join(te.store.Root(), filepath.FromSlash(tradesKey1))
	for i, want := range []int{1, 0} {
		if _, gone, newly := s.paths([]string{p}); !gone[0] || len(newly) != want {
			t.Errorf("check %d: gone %v, newly gone %v; want gone, reported %d times", i, gone, newly, want)
		}
	}
}
