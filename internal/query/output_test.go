package query

import (
	"bytes"
	"encoding/json"
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
