package query

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newTestResult() *Result {
	return &Result{
		Columns: []Column{{"symbol", "VARCHAR"}, {"price", "DOUBLE"}, {"size", "BIGINT"}, {"conditions", "VARCHAR[]"}},
		Rows: [][]any{
			{"AAPL", 190.5, int64(100), []any{"@", "F"}},
			{"MSFT, Inc", nil, int64(5), nil},
		},
		Stats: Stats{RowsReturned: 2, FilesScanned: 1},
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := newTestResult().WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"symbol     price  size  conditions\n" +
		"---------  -----  ----  ----------\n" +
		"AAPL       190.5   100  [\"@\",\"F\"]\n" +
		"MSFT, Inc   NULL     5  NULL\n" +
		"(2 rows)\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := newTestResult().WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	want := "symbol,price,size,conditions\nAAPL,190.5,100,\"[\"\"@\"\",\"\"F\"\"]\"\n\"MSFT, Inc\",,5,\n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := newTestResult().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"columns", "rows", "stats"} {
		if _, ok := got[k]; !ok {
			t.Errorf("missing %q in %s", k, b.String())
		}
	}
	if !strings.Contains(b.String(), `"rows_returned":2`) || !strings.Contains(b.String(), `{"name":"symbol","type":"VARCHAR"}`) {
		t.Fatalf("json = %s", b.String())
	}
}

func TestDuckType(t *testing.T) {
	tests := []struct{ hive, want string }{
		{"string", "VARCHAR"},
		{"BIGINT", "BIGINT"},
		{"timestamp", "TIMESTAMP_NS"},
		{"array<string>", "VARCHAR[]"},
		{"array<array<int>>", "INTEGER[][]"},
		{"map<string,double>", "MAP(VARCHAR, DOUBLE)"},
		{"struct<a:int,b:array<string>>", `STRUCT("a" INTEGER, "b" VARCHAR[])`},
		{"decimal(18, 3)", "DECIMAL(18,3)"},
		{"varchar(10)", "VARCHAR"},
		{"geometry", ""},
	}
	for _, tt := range tests {
		t.Run(tt.hive, func(t *testing.T) {
			got, ok := duckType(tt.hive)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("duckType(%q) = %q, %v; want %q", tt.hive, got, ok, tt.want)
			}
		})
	}
}

func TestWriteParquet(t *testing.T) {
	te := newTradesEngine(t)
	res := mustQuery(t, te.Engine, `SELECT symbol, price, size, conditions, ts, dt, hr, exchange, size > 10 AS big,
		12.30::DECIMAL(10,2) AS d, symbol AS symbol FROM trades ORDER BY symbol`)
	out := filepath.Join(te.store.Root(), "out.parquet") // read back through DuckDB, which may read the lake
	var buf bytes.Buffer
	if err := res.WriteParquet(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	back := mustQuery(t, te.Engine, "SELECT * FROM read_parquet('"+out+"')")
	wantCols := []Column{{"symbol", "VARCHAR"}, {"price", "DOUBLE"}, {"size", "BIGINT"}, {"conditions", "VARCHAR"},
		{"ts", "TIMESTAMP_NS"}, {"dt", "DATE"}, {"hr", "BIGINT"}, {"exchange", "VARCHAR"}, {"big", "BOOLEAN"},
		{"d", "VARCHAR"}, {"symbol_2", "VARCHAR"}}
	got, _ := json.Marshal(back.Columns)
	want, _ := json.Marshal(wantCols)
	if string(got) != string(want) {
		t.Fatalf("columns %s, want %s", got, want)
	}
	g, _ := json.Marshal(back.Rows)
	w, _ := json.Marshal([][]any{
		{"AAPL", 190.5, 100, `["@","F"]`, "2026-11-02T14:30:00.123456789Z", "2026-11-02", 14, nil, true, "12.3", "AAPL"},
		{"MSFT", 410.25, 5, "[]", "2026-11-02T14:30:01.123456789Z", "2026-11-02", 14, nil, false, "12.3", "MSFT"},
	})
	if string(g) != string(w) {
		t.Fatalf("rows %s\nwant %s", g, w)
	}
}
