package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ticklake/ticklake/internal/catalog"
)

// tutorialRow is one message of the tutorial's producer, as its consumer
// stored it in stock_market_N.json.
func tutorialRow(i int) string {
	return fmt.Sprintf(`{"Index": "HSI", "Date": "1986-12-%02d", "Open": 2568.3, "High": 2568.3, "Low": 2568.3, `+
		`"Close": 2568.3, "Adj Close": 2568.3, "Volume": 0.0, "CloseUSD": 333.%d}`, 1+i%28, i)
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zst(t *testing.T, b []byte) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll(b, nil)
}

func TestCrawlTutorialLake(t *testing.T) {
	env := newTestEnv(t)
	for i := range 5 {
		env.put(t, fmt.Sprintf("stock_market_%d.json", i), []byte(tutorialRow(i)))
	}
	rep := env.crawl(t)
	if rep.FilesNew != 5 || len(rep.Errors) != 0 {
		t.Fatalf("report = %+v; want 5 new files", rep)
	}
	tb := env.table(t, "root")
	want := []string{"index:string", "date:string", "open:double", "high:double", "low:double", "close:double",
		"adj_close:double", "volume:double", "closeusd:double"}
	if got := typesOf(tb.Columns); !slices.Equal(got, want) {
		t.Errorf("columns = %v; want %v", got, want)
	}
	if got := tb.Columns[6].Parameters[catalog.ParamOriginalName]; got != "Adj Close" {
		t.Errorf("original name of adj_close = %q; want Adj Close", got)
	}
	if tb.Classification != "json" || tb.Parameters[catalog.ParamRecordCount] != "5" || len(tb.PartitionKeys) != 0 {
		t.Errorf("table = %+v", tb)
	}
}

func TestCrawlFormats(t *testing.T) {
	jsonl := []byte(`{"a": 1, "s": "x", "n": {"k": 1, "l": [1, 2]}}` + "\n" + `{"a": 3000000000, "s": null, "n": {"k": 2.5, "m": true}}` + "\n")
	csv := []byte("Symbol,Price,Qty,When,Flag\nACME,1.5,100,2026-11-02,true\nBETA,,200,2026-11-03,false\n")
	wantJSON := []string{"a:bigint", "s:string", "n:struct<k:double,l:array<int>,m:boolean>"}
	wantCSV := []string{"symbol:string", "price:double", "qty:int", "when:string", "flag:boolean"}
	tests := []struct {
		name, key string
		data      []byte
		class     string
		want      []string
		rows      string
	}{
		{"json lines", "t/x.jsonl", jsonl, "json", wantJSON, "2"},
		{"json lines gzip", "t/x.json.gz", gz(t, jsonl), "json", wantJSON, "2"},
		{"json lines zstd", "t/x.ndjson.zst", zst(t, jsonl), "json", wantJSON, "2"},
		{"json array", "t/x.json", []byte(`[{"a": 1}, {"a": 2.5}]`), "json", []string{"a:double"}, "2"},
		{"csv", "t/x.csv", csv, "csv", wantCSV, "2"},
		{"csv gzip", "t/x.csv.gz", gz(t, csv), "csv", wantCSV, "2"},
		{"tsv", "t/x.csv", []byte("a\tb c\n1\tx\n"), "csv", []string{"a:int", "b_c:string"}, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			env.put(t, tt.key, tt.data)
			if rep := env.crawl(t); rep.FilesNew != 1 || len(rep.Errors) != 0 {
				t.Fatalf("report = %+v", rep)
			}
			tb := env.table(t, "t")
			if got := typesOf(tb.Columns); !slices.Equal(got, tt.want) {
				t.Errorf("columns = %v; want %v", got, tt.want)
			}
			if tb.Classification != tt.class || tb.Parameters[catalog.ParamRecordCount] != tt.rows {
				t.Errorf("classification %s, rows %s; want %s, %s", tb.Classification, tb.Parameters[catalog.ParamRecordCount], tt.class, tt.rows)
			}
		})
	}
}

func TestCrawlSamplesLargeFiles(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SampleBytes = 4096
	env := newTestEnvWith(t, cfg)
	var b strings.Builder
	for i := range 1000 {
		b.WriteString(tutorialRow(i) + "\n")
	}
	env.put(t, "t/big.jsonl", []byte(b.String()))
	if rep := env.crawl(t); rep.FilesNew != 1 || len(rep.Errors) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	tb := env.table(t, "t")
	if len(tb.Columns) != 9 {
		t.Errorf("columns = %v; want the 9 of the sample", typesOf(tb.Columns))
	}
	var rows int
	fmt.Sscan(tb.Parameters[catalog.ParamRecordCount], &rows)
	if rows < 900 || rows > 1100 {
		t.Errorf("estimated rows = %d; want about 1000", rows)
	}
}

func TestCrawlEvolution(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	steps := []struct {
		name, key, data string
		wantCols        []string
		wantVersion     int64
		wantChange      string
	}{
		{"first", "t/1.json", `{"a": 1, "n": null}`, []string{"a:int", "n:string"}, 1, ""},
		{"new column", "t/2.json", `{"a": 2, "b": "x"}`, []string{"a:int", "n:string", "b:string"}, 2, "t.b added as string"},
		{"null column typed", "t/3.json", `{"n": 7}`, []string{"a:int", "n:int", "b:string"}, 3, "t.n widened string -> int"},
		{"widened", "t/4.json", `{"a": 10000000000}`, []string{"a:bigint", "n:int", "b:string"}, 4, "t.a widened int -> bigint"},
		{"widened to double", "t/5.json", `{"a": 1.5}`, []string{"a:double", "n:int", "b:string"}, 5, "t.a widened bigint -> double"},
		{"stats only", "t/6.json", `{"a": 2.5, "b": null}`, []string{"a:double", "n:int", "b:string"}, 5, ""},
		{"incompatible", "t/7.json", `{"a": "high"}`, []string{"a:string", "n:int", "b:string"}, 6, "t.a: incompatible types (double in the table, string in this file in t/7.json); now string"},
	}
	for _, st := range steps {
		env.put(t, st.key, []byte(st.data))
		rep := env.crawl(t)
		if rep.FilesNew != 1 || len(rep.Errors) != 0 {
			t.Fatalf("%s: report = %+v", st.name, rep)
		}
		var got []string
		for _, ch := range rep.Changes {
			got = append(got, ch.String())
		}
		if (st.wantChange == "") != (len(got) == 0) || (st.wantChange != "" && !strings.HasPrefix(got[0], st.wantChange)) {
			t.Errorf("%s: changes = %q; want %q", st.name, got, st.wantChange)
		}
		tb := env.table(t, "t")
		if cols := typesOf(tb.Columns); !slices.Equal(cols, st.wantCols) || tb.Version != st.wantVersion {
			t.Errorf("%s: columns %v version %d; want %v version %d", st.name, cols, tb.Version, st.wantCols, st.wantVersion)
		}
	}
	if fs, _ := env.cat.Files(ctx, "", "t"); len(fs) != len(steps) {
		t.Errorf("%d files registered; want %d", len(fs), len(steps))
	}
	vs, err := env.cat.Versions(ctx, "", "t")
	if err != nil || len(vs) != 5 {
		t.Errorf("%d archived versions, %v; want 5", len(vs), err)
	}
	if got := env.metric(t, "ticklake_crawler_schema_changes_total"); got != 5 {
		t.Errorf("schema changes metric = %v; want 5", got)
	}
}

func TestCrawlReportsBadTextObjects(t *testing.T) {
	env := newTestEnv(t)
	bad := map[string]string{
		"t/empty.json":     "",
		"t/truncated.json": `{"a": 1, "b": `,
		"t/scalar.json":    `42`,
		"t/space.json":     "  \n ",
		"t/bad.json.gz":    "not gzip at all",
		"t/cut.json.zst":   string(zst(t, []byte(`{"a": 1}`))[:6]),
	}
	env.put(t, "t/good.json", []byte(`{"a": 1}`))
	for k, v := range bad {
		env.put(t, k, []byte(v))
	}
	rep := env.crawl(t)
	if rep.FilesNew != 1 || len(rep.Errors) != len(bad) {
		t.Fatalf("report = %+v; want 1 new and %d errors", rep, len(bad))
	}
	for _, e := range rep.Errors {
		if _, ok := bad[e.Key]; !ok || e.Err == "" {
			t.Errorf("unexpected error %+v", e)
		}
		t.Log(e)
	}
	if tb := env.table(t, "t"); tb.Parameters[catalog.ParamObjectCount] != "1" {
		t.Errorf("object count = %s; want 1", tb.Parameters[catalog.ParamObjectCount])
	}
}

func TestNameColumns(t *testing.T) {
	cols := []columnType{{name: "Adj Close", t: prim("double")}, {name: "adj_close", t: prim("int")},
		{name: "dt", t: prim("string")}, {name: "", t: prim("string")}}
	got := nameColumns(cols, []string{"dt", "hr"})
	var names []string
	for _, c := range got {
		names = append(names, c.name+"<"+c.original)
	}
	want := []string{"adj_close<Adj Close", "adj_close_2<adj_close", "dt_2<dt", "_<"}
	if !slices.Equal(names, want) {
		t.Errorf("names = %v; want %v", names, want)
	}
}

func TestParseType(t *testing.T) {
	for _, s := range []string{"int", "decimal(10,2)", "array<struct<a:int,b:map<string,array<double>>>>", "struct<Adj Close:double>"} {
		t.Run(s, func(t *testing.T) {
			ht, err := parseType(s)
			if err != nil || ht.String() != s {
				t.Errorf("parseType(%q) = %v, %v", s, ht, err)
			}
		})
	}
	if _, err := parseType("array<int"); err == nil {
		t.Error("no error for an unclosed array")
	}
}

func TestCrawlPartitionKeyTypes(t *testing.T) {
	env := newTestEnv(t)
	env.put(t, "t/day=2026-11-02/n=1/a.csv", []byte("a;b\n1;2\n"))
	env.crawl(t)
	env.put(t, "t/day=latest/n=2/b.csv", []byte("a;b\n3;4\n"))
	rep := env.crawl(t)
	if len(rep.Changes) != 1 || rep.Changes[0].Kind != ChangeKeys || rep.Changes[0].Column != "day" {
		t.Errorf("changes = %v; want day's type changed", rep.Changes)
	}
	tb := env.table(t, "t")
	if got := typesOf(tb.PartitionKeys); !slices.Equal(got, []string{"day:string", "n:int"}) || tb.Version != 2 {
		t.Errorf("partition keys = %v, version %d; want day:string, n:int at version 2", got, tb.Version)
	}
	if tb.Parameters[catalog.ParamDelimiter] != ";" {
		t.Errorf("delimiter = %q; want ;", tb.Parameters[catalog.ParamDelimiter])
	}
}

// failingStore is the real store with one object that cannot be opened, as
// an object denied by permissions or lost mid-crawl.
type failingStore struct {
	*countingStore
	key string
}

func (s failingStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if key == s.key {
		return nil, errors.New("access denied")
	}
	return s.countingStore.Open(ctx, key)
}

func TestCrawlGoesOnPastUnreadableObjects(t *testing.T) {
	env := newTestEnv(t)
	env.put(t, "t/a.json", []byte(`{"a": 1}`))
	env.put(t, "t/b.json", []byte(`{"a": 2}`))
	c, err := New(failingStore{env.store, "t/a.json"}, env.cat, DefaultConfig(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Crawl(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.FilesNew != 1 || len(rep.Errors) != 1 || rep.Errors[0].Key != "t/a.json" || !strings.Contains(rep.Errors[0].Err, "access denied") {
		t.Errorf("report = %+v; want b registered and a reported as access denied", rep)
	}
}
