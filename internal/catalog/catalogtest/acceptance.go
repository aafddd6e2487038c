// Package catalogtest holds the one acceptance suite every catalog backend
// must pass (the way thanos objstore tests its buckets): the same calls and
// the same expectations for the embedded SQLite catalog and for AWS Glue.
package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
)

// Opener returns a fresh, empty catalog for one subtest; the database named
// is the one the suite uses.
type Opener func(t *testing.T) (catalog.Manager, string)

// Acceptance runs the suite against the backend open returns.
func Acceptance(t *testing.T, open Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, c catalog.Manager, db string)
	}{
		{"tables and versions", testTables},
		{"not found", testNotFound},
		{"add files", testAddFiles},
		{"file schemas", testFileSchemas},
		{"remove files", testRemoveFiles},
		{"unpartitioned", testUnpartitioned},
		{"delete table", testDeleteTable},
		{"crawl history", testCrawls},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, db := open(t)
			tt.run(t, c, db)
		})
	}
}

// Trades returns a partitioned table definition for database db.
func Trades(db string, cols ...catalog.Column) catalog.Table {
	return catalog.Table{
		Database:       db,
		Name:           "trades",
		Location:       "file:///lake/trades",
		Classification: "parquet",
		Columns:        cols,
		PartitionKeys:  []catalog.Column{{Name: "dt", Type: "date"}, {Name: "hr", Type: "int"}},
		Parameters:     map[string]string{catalog.ParamRecordCount: "0"},
	}
}

// HourFile is the i-th file of hour hr with rows rows.
func HourFile(hr, i int, rows int64) catalog.File {
	h := fmt.Sprintf("%02d", hr)
	return catalog.File{
		Key:       fmt.Sprintf("trades/dt=2026-11-02/hr=%s/f-%04d.parquet", h, i),
		Partition: []string{"2026-11-02", h},
		Rows:      rows,
		Bytes:     rows * 10,
		ModTime:   time.Date(2026, 11, 2, hr, 0, 0, 0, time.UTC),
	}
}

var (
	sym = catalog.Column{Name: "symbol", Type: "string"}
	px  = catalog.Column{Name: "price", Type: "double", Comment: "last price"}
	qty = catalog.Column{Name: "qty", Type: "bigint", Parameters: map[string]string{catalog.ParamOriginalName: "Qty"}}
)

func put(t *testing.T, c catalog.Manager, tb catalog.Table) {
	t.Helper()
	if err := c.PutTable(context.Background(), tb); err != nil {
		t.Fatalf("PutTable(%s): %v", tb.Name, err)
	}
}

func testTables(t *testing.T, c catalog.Manager, db string) {
	ctx := context.Background()
	steps := []struct {
		name        string
		table       catalog.Table
		wantVersion int64
	}{
		{"create", Trades(db, sym, px), 1},
		{"statistics only", func() catalog.Table {
			tb := Trades(db, sym, px)
			tb.Parameters[catalog.ParamRecordCount] = "10"
			return tb
		}(), 1},
		{"column added", Trades(db, sym, px, qty), 2},
		{"type changed", Trades(db, sym, catalog.Column{Name: "price", Type: "string"}, qty), 3},
	}
	for _, st := range steps {
		put(t, c, st.table)
		got, err := c.Table(ctx, db, "trades")
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got.Version != st.wantVersion {
			t.Errorf("%s: version = %d; want %d", st.name, got.Version, st.wantVersion)
		}
		if !reflect.DeepEqual(got.Columns, st.table.Columns) || !reflect.DeepEqual(got.PartitionKeys, st.table.PartitionKeys) {
			t.Errorf("%s: columns %+v / %+v; want %+v / %+v", st.name, got.Columns, got.PartitionKeys,
				st.table.Columns, st.table.PartitionKeys)
		}
		if got.Parameters[catalog.ParamRecordCount] != st.table.Parameters[catalog.ParamRecordCount] {
			t.Errorf("%s: parameters %v; want %v", st.name, got.Parameters, st.table.Parameters)
		}
		if got.Location != st.table.Location || got.Classification != "parquet" || got.Database != db || got.Name != "trades" {
			t.Errorf("%s: table %+v", st.name, got)
		}
	}
	vs, err := c.Versions(ctx, db, "trades")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("v%d:%d", v.Version, len(v.Columns)))
	}
	if want := []string{"v1:2", "v2:3"}; !slices.Equal(got, want) {
		t.Errorf("archived versions = %v; want %v", got, want)
	}
	quotes := Trades(db, sym)
	quotes.Name = "quotes"
	put(t, c, quotes)
	ts, err := c.Tables(ctx, db)
	if err != nil || len(ts) != 2 || ts[0].Name != "quotes" || ts[1].Name != "trades" {
		t.Errorf("Tables = %+v, %v; want quotes, trades", ts, err)
	}
}

func testNotFound(t *testing.T, c catalog.Manager, db string) {
	ctx := context.Background()
	if _, err := c.Table(ctx, db, "nope"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Table: %v; want ErrNotFound", err)
	}
	if err := c.DeleteTable(ctx, db, "nope"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("DeleteTable: %v; want ErrNotFound", err)
	}
	if err := c.AddFiles(ctx, db, "nope", []catalog.File{{Key: "nope/a.parquet"}}); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("AddFiles: %v; want ErrNotFound", err)
	}
	if ts, err := c.Tables(ctx, db+"_none"); err != nil || len(ts) != 0 {
		t.Errorf("Tables(unknown database) = %v, %v; want none", ts, err)
	}
}

// partitionTotals renders partitions as values:files/rows/bytes.
func partitionTotals(t *testing.T, c catalog.Manager, db string) []string {
	t.Helper()
	ps, err := c.Partitions(context.Background(), db, "trades")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%v:%d/%d/%d@%s", p.Values, p.Files, p.Rows, p.Bytes, p.Location)
	}
	return out
}

func fileKeys(t *testing.T, c catalog.Manager, db string) []string {
	t.Helper()
	fs, err := c.Files(context.Background(), db, "trades")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s:%v:%d/%d", f.Key, f.Partition, f.Rows, f.Bytes)
	}
	return out
}

func testAddFiles(t *testing.T, c catalog.Manager, db string) {
	ctx := context.Background()
	put(t, c, Trades(db, sym))
	a, b, d := HourFile(14, 1, 100), HourFile(14, 2, 50), HourFile(15, 1, 7)
	bigger := b
	bigger.Rows, bigger.Bytes = 60, 600
	loc := "file:///lake/trades/dt=2026-11-02/hr="
	steps := []struct {
		name      string
		add       []catalog.File
		wantFiles int
		wantParts []string
	}{
		{"first", []catalog.File{a, b}, 2, []string{"[2026-11-02 14]:2/150/1500@" + loc + "14"}},
		{"again is a no-op", []catalog.File{b, a}, 2, []string{"[2026-11-02 14]:2/150/1500@" + loc + "14"}},
		{"new partition and a changed file", []catalog.File{d, bigger}, 3, []string{
			"[2026-11-02 14]:2/160/1600@" + loc + "14", "[2026-11-02 15]:1/7/70@" + loc + "15"}},
	}
	for _, st := range steps {
		if err := c.AddFiles(ctx, db, "trades", st.add); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := fileKeys(t, c, db); len(got) != st.wantFiles || got[0] != a.Key+":[2026-11-02 14]:100/1000" {
			t.Errorf("%s: files = %v", st.name, got)
		}
		if got := partitionTotals(t, c, db); !slices.Equal(got, st.wantParts) {
			t.Errorf("%s: partitions = %v; want %v", st.name, got, st.wantParts)
		}
	}
	fs, _ := c.Files(ctx, db, "trades")
	if len(fs) > 0 && !fs[0].ModTime.Equal(a.ModTime) {
		t.Errorf("mod time = %v; want %v", fs[0].ModTime, a.ModTime)
	}
	bad := HourFile(16, 1, 1)
	bad.Partition = []string{"2026-11-02"}
	if err := c.AddFiles(ctx, db, "trades", []catalog.File{HourFile(16, 2, 1), bad}); err == nil {
		t.Error("no error for a file with one value for two partition keys")
	}
	if got := fileKeys(t, c, db); len(got) != 3 {
		t.Errorf("a rejected batch was half registered: %v", got)
	}
}

// testFileSchemas checks that a file's schema id is kept, and that
// registering a known file again with its schema id fills it in (a crawl
// catching up on files registered before ids were kept) without touching
// the partition's totals.
func testFileSchemas(t *testing.T, c catalog.Manager, db string) {
	ctx := context.Background()
	put(t, c, Trades(db, sym))
	a, b := HourFile(14, 1, 100), HourFile(14, 2, 50)
	a.Schema = "s1"
	root := catalog.Table{Database: db, Name: "root", Location: "file:///lake", Classification: "parquet", Columns: []catalog.Column{sym}}
	put(t, c, root)
	r := catalog.File{Key: "x.parquet", Rows: 3, Bytes: 30, Schema: "s3"}
	steps := []struct {
		name                string
		table               string
		add                 []catalog.File
		wantA, wantB, wantR string
	}{
		{"kept, empty when unknown", "trades", []catalog.File{a, b}, "s1", "", ""},
		{"filled in", "trades", []catalog.File{withSchema(b, "s2")}, "s1", "s2", ""},
		{"changed with the file", "trades", []catalog.File{withSchema(a, "s9")}, "s9", "s2", ""},
		{"unpartitioned table", "root", []catalog.File{r}, "s9", "s2", "s3"},
	}
	for _, st := range steps {
		if err := c.AddFiles(ctx, db, st.table, st.add); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := map[string]string{}
		for _, tb := range []string{"trades", "root"} {
			fs, err := c.Files(ctx, db, tb)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				got[f.Key] = f.Schema
			}
		}
		if got[a.Key] != st.wantA || got[b.Key] != st.wantB || got[r.Key] != st.wantR {
			t.Errorf("%s: schemas = %v; want %s=%q %s=%q %s=%q", st.name, got, a.Key, st.wantA, b.Key, st.wantB, r.Key, st.wantR)
		}
	}
	want := []string{"[2026-11-02 14]:2/150/1500@file:///lake/trades/dt=2026-11-02/hr=14"}
	if got := partitionTotals(t, c, db); !slices.Equal(got, want) {
		t.Errorf("partitions = %v; want %v (schema ids change no totals)", got, want)
	}
}

func withSchema(f catalog.File, schema string) catalog.File {
	f.Schema = schema
	return f
}

func testRemoveFiles(t *testing.T, c catalog.Manager, db string) {
	ctx := context.Background()
	put(t, c, Trades(db, sym))
	files := []catalog.File{HourFile(14, 1, 100), HourFile(14, 2, 50), HourFile(15, 1, 7)}
	if err := c.AddFiles(ctx, db, "trades", files); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveFiles(ctx, db, "trades", []string{files[1].Key, files[2].Key, "trades/unknown.parquet"}); err != nil {
		t.Fatal(err)
	}
	if got := fileKeys(t, c, db); len(got) != 1 || got[0] != files[0].Key+":[2026-11-02 14]:100/1000" {
		t.Errorf("files after removal = %v", got)
	}
	want := []string{"[2026-11-02 14]:1/100/1000@file:///lake/trades/dt=2026-11-02/hr=14"}
	if got := partitionTotals(t, c, db); !slices.Equal(got, want) {
		t.Errorf("partitions after removal = %v; want %v (empty partition deleted)", got, want)
	}
}

func testUnpartitioned(t *testing.T, c catalog.Manager, db string) {
	ctx := context.Background()
	tb := catalog.Table{Database: db, Name: "root", Location: "file:///lake", Classification: "json",
		Columns: []catalog.Column{{Name: "adj_close", Type: "double", Parameters: map[string]string{catalog.ParamOriginalName: "Adj Close"}}}}
	put(t, c, tb)
	files := []catalog.File{{Key: "stock_market_0.json", Rows: 1, Bytes: 120}, {Key: "stock_market_1.json", Rows: 1, Bytes: 121}}
	if err := c.AddFiles(ctx, db, "root", files); err != nil {
		t.Fatal(err)
	}
	put(t, c, tb) // a definition update keeps the files
	fs, err := c.Files(ctx, db, "root")
	if err != nil || len(fs) != 2 || fs[1].Key != "stock_market_1.json" || fs[1].Bytes != 121 || len(fs[1].Partition) != 0 {
		t.Fatalf("files = %+v, %v", fs, err)
	}
	if ps, err := c.Partitions(ctx, db, "root"); err != nil || len(ps) != 0 {
		t.Errorf("partitions of an unpartitioned table = %+v, %v; want none", ps, err)
	}
	got, err := c.Table(ctx, db, "root")
	if err != nil || got.Columns[0].Parameters[catalog.ParamOriginalName] != "Adj Close" || got.Classification != "json" {
		t.Errorf("table = %+v, %v", got, err)
	}
	if err := c.RemoveFiles(ctx, db, "root", []string{"stock_market_0.json"}); err != nil {
		t.Fatal(err)
	}
	if fs, _ := c.Files(ctx, db, "root"); len(fs) != 1 {
		t.Errorf("files after removal = %+v", fs)
	}
}

func testDeleteTable(t *testing.T, c catalog.Manager, db string) {
	ctx := context.Background()
	put(t, c, Trades(db, sym))
	if err := c.AddFiles(ctx, db, "trades", []catalog.File{HourFile(14, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTable(ctx, db, "trades"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Table(ctx, db, "trades"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("deleted table still there: %v", err)
	}
	put(t, c, Trades(db, sym))
	if got := fileKeys(t, c, db); len(got) != 0 {
		t.Errorf("a re-created table inherited files %v", got)
	}
}

func testCrawls(t *testing.T, c catalog.Manager, db string) {
	ctx := context.Background()
	put(t, c, Trades(db, sym))
	start := time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC)
	for i := range 3 {
		cr := catalog.Crawl{Database: db, Started: start.Add(time.Duration(i) * time.Minute), Duration: time.Second,
			Tables: 1, FilesSeen: 10 + i, FilesNew: i}
		if err := c.RecordCrawl(ctx, cr); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.Crawls(ctx, db, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].FilesSeen != 12 || got[1].FilesSeen != 11 || !got[0].Started.Equal(start.Add(2*time.Minute)) {
		t.Errorf("crawls = %+v; want the newest two, newest first", got)
	}
}
