package query

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/crawler"
	"github.com/ticklake/ticklake/internal/lake"
)

// textLake is a lake of files written by others, as the tutorial left its
// bucket, crawled by the real crawler into a real SQLite catalog.
type textLake struct {
	dir    string
	store  lake.Store
	cat    catalog.Catalog
	engine *Engine
}

// tutorialRows are the tutorial's stock_market_N.json objects, one per file.
var tutorialRows = []struct {
	index, date       string
	adjClose, closeUS float64
}{
	{"HSI", "1986-12-31", 2568.3, 333.88},
	{"HSI", "1987-01-02", 2540.1, 330.22},
	{"NYA", "1965-12-31", 528.69, 528.69},
	{"NYA", "1966-01-03", 527.21, 527.21},
	{"NYA", "1966-01-04", 527.84, 527.84},
}

func newTextLake(t *testing.T) *textLake {
	t.Helper()
	tl := &textLake{dir: t.TempDir()}
	for i, r := range tutorialRows {
		// Written as the tutorial's consumer did: one pretty-printed object
		// per file at the bucket's root.
		tl.write(t, fmt.Sprintf("stock_market_%d.json", i), fmt.Sprintf(`{
  "Index": %q, "Date": %q, "Open": 2568.3, "High": 2568.3, "Low": 2568.3,
  "Close": 2568.3, "Adj Close": %v, "Volume": 0.0, "CloseUSD": %v
}
`, r.index, r.date, r.adjClose, r.closeUS))
	}
	tl.write(t, "prices/dt=2026-11-02/a.jsonl.gz", gzipped(t, `{"Symbol":"AAPL","Price":1.5,"Volume":10}
{"Symbol":"MSFT","Price":2.5,"Volume":20}
`))
	tl.write(t, "prices/dt=2026-11-03/b.jsonl.gz", gzipped(t, `{"Symbol":"AAPL","Price":3.5,"Volume":30}
`))
	tl.write(t, "bars/dt=2026-11-02/a.csv", "Symbol;Adj Close;Trades;Halted\nAAPL;1.25;3;false\nMSFT;;4;true\n")
	tl.write(t, "bars/dt=2026-11-03/b.csv", "Symbol;Adj Close;Trades;Halted\nAAPL;2.5;5;false\n")
	tl.write(t, "zst/dt=2026-11-02/a.jsonl.zst", zstded(t, "{\"N\": 1}\n{\"N\": 2}\n"))
	// One table of gzip and plain CSV: compression detected per file.
	tl.write(t, "gzcsv/a.csv.gz", gzipped(t, "symbol,size\nAAPL,100\nMSFT,7\n"))
	tl.write(t, "gzcsv/b.csv", "symbol,size\nAAPL,5\n")
	// Volume is a number in one file and text in the other: the crawler
	// makes it a string column; Quote is a nested object.
	tl.write(t, "mixed/a.json", `{"Volume": 1.5, "Quote": {"bid": 1.25, "ask": 1.5}, "Tags": ["x", "y"]}`)
	tl.write(t, "mixed/b.json", `[{"Volume": "n/a", "Quote": {"bid": 2.5}}]`)
	tl.crawl(t)
	return tl
}

func (tl *textLake) write(t *testing.T, key, content string) {
	t.Helper()
	p := filepath.Join(tl.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func zstded(t *testing.T, s string) string {
	t.Helper()
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	return string(zw.EncodeAll([]byte(s), nil))
}

// crawl runs the real crawler into a SQLite catalog and opens the engine on
// it.
func (tl *textLake) crawl(t *testing.T) {
	t.Helper()
	store, err := lake.OpenDir(tl.dir)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := sqlite.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	cfg := crawler.DefaultConfig()
	cfg.RootTable = "stock_market"
	c, err := crawler.New(store, cat, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Crawl(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("crawl errors: %v", rep.Errors)
	}
	tl.store, tl.cat = store, cat
	tl.engine = tl.open(t, store, Config{})
}

func (tl *textLake) open(t *testing.T, store lake.Store, cfg Config) *Engine {
	t.Helper()
	e, err := Open(tl.cat, store, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// rows renders a result's rows as "a|b" lines.
func rows(res *Result) string {
	var lines []string
	for _, r := range res.Rows {
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = fmt.Sprint(v)
		}
		lines = append(lines, strings.Join(cells, "|"))
	}
	return strings.Join(lines, "\n")
}

func TestQueryTextTables(t *testing.T) {
	tl := newTextLake(t)
	// The same lake read as a remote one: through cached copies, which keep
	// the files' extensions and hive folders.
	remote := tl.open(t, noLocal{tl.store}, Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
	tests := []struct {
		name, sql, want string
		types           []string
		pruned          int
	}{
		{
			name: "tutorial JSON objects averaged per index",
			sql:  `SELECT "index", round(avg(closeusd), 2) FROM stock_market GROUP BY 1 ORDER BY 1`,
			want: "HSI|332.05\nNYA|527.91",
		},
		{
			name:  "Adj Close read as adj_close, with the catalog's types",
			sql:   `SELECT adj_close, volume, "date" FROM stock_market WHERE "index" = 'HSI' ORDER BY "date"`,
			want:  "2568.3|0|1986-12-31\n2540.1|0|1987-01-02",
			types: []string{"DOUBLE", "DOUBLE", "VARCHAR"},
		},
		{
			name:   "gzip JSON Lines pruned to one partition",
			sql:    `SELECT symbol, price, volume, dt FROM prices WHERE dt = '2026-11-02' ORDER BY symbol`,
			want:   "AAPL|1.5|10|2026-11-02\nMSFT|2.5|20|2026-11-02",
			types:  []string{"VARCHAR", "DOUBLE", "INTEGER", "DATE"},
			pruned: 1,
		},
		{
			name: "gzip JSON Lines, every partition",
			sql:  `SELECT count(*), sum(volume) FROM prices`,
			want: "3|60",
		},
		{
			name:  "CSV with a header and ; delimiter, cast to the catalog's types",
			sql:   `SELECT symbol, adj_close, trades, halted FROM bars ORDER BY dt, symbol`,
			want:  "AAPL|1.25|3|false\nMSFT|<nil>|4|true\nAAPL|2.5|5|false",
			types: []string{"VARCHAR", "DOUBLE", "INTEGER", "BOOLEAN"},
		},
		{
			name:  "JSON conflicting types read as text; nested objects and arrays typed",
			sql:   `SELECT volume, quote.bid, quote.ask, tags FROM mixed ORDER BY quote.bid`,
			want:  "1.5|1.25|1.5|[x y]\nn/a|2.5|<nil>|<nil>",
			types: []string{"VARCHAR", "DOUBLE", "DOUBLE", "VARCHAR[]"},
		},
		{
			name: "zstd JSON Lines",
			sql:  `SELECT sum(n), min(dt) FROM zst`,
			want: "3|2026-11-02",
		},
		{
			name:  "CSV files gzip and plain in one table",
			sql:   `SELECT symbol, sum(size) FROM gzcsv GROUP BY 1 ORDER BY 1`,
			want:  "AAPL|105\nMSFT|7",
			types: []string{"VARCHAR", "HUGEINT"},
		},
		{
			name:   "CSV pruned to one partition",
			sql:    `SELECT sum(trades) FROM bars WHERE dt = DATE '2026-11-03'`,
			want:   "5",
			pruned: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tl.engine.Query(context.Background(), tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			cached, err := remote.Query(context.Background(), tt.sql)
			if err != nil {
				t.Fatalf("through the cache: %v", err)
			}
			if got := rows(cached); got != tt.want {
				t.Errorf("rows through the cache:\n%s\nwant:\n%s", got, tt.want)
			}
			if got := rows(res); got != tt.want {
				t.Errorf("rows:\n%s\nwant:\n%s", got, tt.want)
			}
			for i, typ := range tt.types {
				if res.Columns[i].Type != typ {
					t.Errorf("column %s is %s, want %s", res.Columns[i].Name, res.Columns[i].Type, typ)
				}
			}
			if res.Stats.PartitionsPruned != tt.pruned {
				t.Errorf("partitions pruned = %d, want %d", res.Stats.PartitionsPruned, tt.pruned)
			}
		})
	}
}

// TestQueryTextTablesLockedDown checks that reading JSON and CSV tables
// opened no file outside the lake to user SQL.
func TestQueryTextTablesLockedDown(t *testing.T) {
	tl := newTextLake(t)
	outside := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(outside, []byte(`{"a":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"SELECT * FROM read_json(" + quoteLiteral(outside) + ")",
		"SELECT * FROM read_csv(" + quoteLiteral(outside) + ")",
	} {
		if _, err := tl.engine.Query(context.Background(), sql); err == nil {
			t.Errorf("%s: read a file outside the lake", sql)
		}
	}
}

func TestReadSourceRefusesUnknownClassification(t *testing.T) {
	tb := newTextTable("avro")
	if _, err := readSource(tb, fileArg{paths: []string{"/x"}}, false); err == nil || !strings.Contains(err.Error(), "avro") {
		t.Fatalf("err = %v, want one naming the classification", err)
	}
}

func newTextTable(class string) catalog.Table {
	return catalog.Table{Name: "t", Classification: class, Parameters: map[string]string{}}
}

func TestCompression(t *testing.T) {
	tests := []struct {
		name, param string
		paths       []string
		want        string
	}{
		{name: "plain", paths: []string{"a.json", "b.json"}, want: "uncompressed"},
		{name: "gzip by extension", paths: []string{"a.json.gz", "b.jsonl.gz"}, want: "gzip"},
		{name: "zstd by extension", paths: []string{"a.json.zst"}, want: "zstd"},
		{name: "compressionType for names without one", param: "gzip", paths: []string{"part-0000"}, want: "gzip"},
		{name: "mixed detected per file", paths: []string{"a.json", "b.json.gz"}, want: "auto_detect"},
		{name: "plain names stay plain beside compressionType", param: "gzip", paths: []string{"a.json", "b.json"}, want: "uncompressed"},
		{name: "compressionType with plain and gzip names", param: "gzip", paths: []string{"a.json", "b.json.gz"}, want: "auto_detect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newTextTable("json")
			tb.Parameters[paramCompression] = tt.param
			if got := compression(tb, tt.paths, "uncompressed", "auto_detect"); got != tt.want {
				t.Errorf("compression = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFileExt checks that cached copies keep the extensions DuckDB
// detects compression by.
func TestFileExt(t *testing.T) {
	for name, want := range map[string]string{
		"t/a.parquet": ".parquet", "t/a.json.gz": ".json.gz", "t/b.csv.zst": ".csv.zst", "t/c.jsonl": ".jsonl",
	} {
		if got := fileExt(name); got != want {
			t.Errorf("fileExt(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestQueryHeaderlessCSV reads a CSV table catalogued by others (Glue's
// skip.header.line.count = 0) by column position.
func TestQueryHeaderlessCSV(t *testing.T) {
	te := newTestEngine(t, Config{})
	tb := catalog.Table{Database: catalog.DefaultDatabase, Name: "raw", Classification: "csv",
		Columns:    []catalog.Column{{Name: "symbol", Type: "string"}, {Name: "adj_close", Type: "double", Parameters: map[string]string{catalog.ParamOriginalName: "Adj Close"}}},
		Parameters: map[string]string{catalog.ParamDelimiter: "|", "skip.header.line.count": "0"}}
	if err := te.cat.PutTable(context.Background(), tb); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(te.store.Root(), "raw"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(te.store.Root(), "raw", "a.csv"), []byte("AAPL|1.5\nMSFT|2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := te.cat.AddFiles(context.Background(), catalog.DefaultDatabase, "raw", []catalog.File{{Key: "raw/a.csv", Rows: 2, Bytes: 16}}); err != nil {
		t.Fatal(err)
	}
	res := mustQuery(t, te.Engine, "SELECT symbol, adj_close FROM raw ORDER BY 1")
	if got := rows(res); got != "AAPL|1.5\nMSFT|2" {
		t.Fatalf("rows = %q", got)
	}
}

// TestQueryJSONKeysWithoutOriginalNames reads a JSON table catalogued by
// another crawler (AWS Glue's lower-cases names and records no original):
// keys are matched as Athena's JSON SerDe does, ignoring case.
func TestQueryJSONKeysWithoutOriginalNames(t *testing.T) {
	te := newTestEngine(t, Config{})
	tb := catalog.Table{Database: catalog.DefaultDatabase, Name: "glue_json", Classification: "json",
		Columns: []catalog.Column{{Name: "index", Type: "string"}, {Name: "closeusd", Type: "double"}, {Name: "adj_close", Type: "double"}}}
	if err := te.cat.PutTable(context.Background(), tb); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(te.store.Root(), "glue_json"), 0o755); err != nil {
		t.Fatal(err)
	}
	obj := `{"Index": "HSI", "CloseUSD": 333.88, "Adj Close": 2568.3}`
	if err := os.WriteFile(filepath.Join(te.store.Root(), "glue_json", "a.json"), []byte(obj), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := te.cat.AddFiles(context.Background(), catalog.DefaultDatabase, "glue_json", []catalog.File{{Key: "glue_json/a.json", Rows: 1, Bytes: int64(len(obj))}}); err != nil {
		t.Fatal(err)
	}
	res := mustQuery(t, te.Engine, `SELECT "index", closeusd, adj_close FROM glue_json`)
	if got := rows(res); got != "HSI|333.88|2568.3" {
		t.Fatalf("rows = %q", got)
	}
}
