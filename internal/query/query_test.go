package query

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// tradeV1 is the first schema of the test files; ts is written as
// TIMESTAMP(NANOS, isAdjustedToUTC=false), as the sink writes it.
type tradeV1 struct {
	Symbol     string   `parquet:"symbol"`
	Ts         int64    `parquet:"ts,timestamp(nanosecond:local)"`
	Price      float64  `parquet:"price"`
	Size       int64    `parquet:"size"`
	Conditions []string `parquet:"conditions,list"`
}

// tradeV2 adds a column.
type tradeV2 struct {
	Symbol     string   `parquet:"symbol"`
	Ts         int64    `parquet:"ts,timestamp(nanosecond:local)"`
	Price      float64  `parquet:"price"`
	Size       int64    `parquet:"size"`
	Conditions []string `parquet:"conditions,list"`
	Exchange   string   `parquet:"exchange"`
}

var (
	tradeTime  = time.Date(2026, 11, 2, 14, 30, 0, 123456789, time.UTC)
	tradesKey1 = "trades/dt=2026-11-02/hr=14/trades-0-00000000000000000000-00000000000000000001.parquet"
	tradesKey2 = "trades/dt=2026-11-02/hr=15/trades-0-00000000000000000002-00000000000000000002.parquet"
)

type testEngine struct {
	*Engine
	cat   catalog.Catalog
	store *lake.Dir
	// schemaIDs registers files with a schema id, as the crawler does:
	// here the Go type of their rows.
	schemaIDs bool
}

func newTestEngine(t *testing.T, cfg Config) *testEngine {
	t.Helper()
	store, err := lake.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cat := newTestCatalog(t)
	e, err := Open(cat, store, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &testEngine{Engine: e, cat: cat, store: store}
}

// putTrades declares the trades table (and an empty quotes table).
func (te *testEngine) putTrades(t *testing.T) {
	t.Helper()
	keys := []catalog.Column{{Name: "dt", Type: "date"}, {Name: "hr", Type: "int"}}
	for _, tb := range []catalog.Table{
		{Database: catalog.DefaultDatabase, Name: "trades", Classification: "parquet", PartitionKeys: keys, Columns: []catalog.Column{
			{Name: "symbol", Type: "string"}, {Name: "ts", Type: "timestamp"}, {Name: "price", Type: "double"},
			{Name: "size", Type: "bigint"}, {Name: "conditions", Type: "array<string>"}, {Name: "exchange", Type: "string"},
		}},
		{Database: catalog.DefaultDatabase, Name: "quotes", Classification: "parquet", PartitionKeys: keys, Columns: []catalog.Column{
			{Name: "symbol", Type: "string"}, {Name: "ts", Type: "timestamp"}, {Name: "bid", Type: "double"},
		}},
	} {
		if err := te.cat.PutTable(context.Background(), tb); err != nil {
			t.Fatal(err)
		}
	}
}

// addFile writes rows as Parquet under key and registers the file.
func addFile[T any](t *testing.T, te *testEngine, key string, rows []T) {
	t.Helper()
	var buf bytes.Buffer
	writeTrades(t, &buf, rows)
	if err := te.store.Create(context.Background(), key, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	schema := ""
	if te.schemaIDs {
		schema = fmt.Sprintf("test:%T", rows)
	}
	registerFileSchema(t, te, key, int64(len(rows)), int64(buf.Len()), schema)
}

func writeTrades[T any](t *testing.T, buf *bytes.Buffer, rows []T) {
	t.Helper()
	if err := parquet.Write(buf, rows); err != nil {
		t.Fatal(err)
	}
}

// registerFile adds a file to the catalog.
func registerFile(t *testing.T, te *testEngine, key string, rows, size int64) {
	t.Helper()
	registerFileSchema(t, te, key, rows, size, "")
}

// registerFileSchema adds a file with a schema id to the table its key's
// first folder names.
func registerFileSchema(t *testing.T, te *testEngine, key string, rows, size int64, schema string) {
	t.Helper()
	var part []string
	for _, kv := range lake.HivePartitions(key) {
		part = append(part, kv.Value)
	}
	table, _, _ := strings.Cut(key, "/")
	f := catalog.File{Key: key, Partition: part, Rows: rows, Bytes: size, Schema: schema}
	if err := te.cat.AddFiles(context.Background(), catalog.DefaultDatabase, table, []catalog.File{f}); err != nil {
		t.Fatal(err)
	}
}

func newTradesEngine(t *testing.T) *testEngine {
	te := newTestEngine(t, Config{})
	te.putTrades(t)
	addFile(t, te, tradesKey1, []tradeV1{
		{Symbol: "AAPL", Ts: tradeTime.UnixNano(), Price: 190.5, Size: 100, Conditions: []string{"@", "F"}},
		{Symbol: "MSFT", Ts: tradeTime.Add(time.Second).UnixNano(), Price: 410.25, Size: 5},
	})
	return te
}

func mustQuery(t *testing.T, e *Engine, sql string) *Result {
	t.Helper()
	res, err := e.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

func TestQueryTables(t *testing.T) {
	te := newTradesEngine(t)
	tests := []struct {
		name string
		sql  string
		want [][]any
	}{
		{"by table name", "SELECT symbol FROM trades ORDER BY symbol", [][]any{{"AAPL"}, {"MSFT"}}},
		{"by database.table", "SELECT count(*) FROM ticklake.trades", [][]any{{int64(2)}}},
		{"partition filter", "SELECT symbol FROM trades WHERE dt = DATE '2026-11-02' AND hr = 14 AND size > 10", [][]any{{"AAPL"}}},
		{"partition filter excludes", "SELECT count(*) FROM trades WHERE hr = 13", [][]any{{int64(0)}}},
		{"from first", "FROM trades SELECT price WHERE symbol = 'MSFT'", [][]any{{410.25}}},
		{"list column", "SELECT conditions FROM trades WHERE symbol = 'AAPL'", [][]any{{[]any{"@", "F"}}}},
		{"with", "WITH t AS (SELECT size FROM trades) SELECT sum(size) FROM t", [][]any{{json.Number("105")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustQuery(t, te.Engine, tt.sql)
			got, _ := json.Marshal(res.Rows)
			want, _ := json.Marshal(tt.want)
			if string(got) != string(want) {
				t.Fatalf("rows = %s, want %s", got, want)
			}
		})
	}
}

func TestQueryTypesAndNanoseconds(t *testing.T) {
	te := newTradesEngine(t)
	res := mustQuery(t, te.Engine, "SELECT ts, dt, hr, exchange FROM trades WHERE symbol = 'AAPL'")
	wantCols := []Column{{"ts", "TIMESTAMP_NS"}, {"dt", "DATE"}, {"hr", "INTEGER"}, {"exchange", "VARCHAR"}}
	for i, c := range wantCols {
		if res.Columns[i] != c {
			t.Errorf("column %d = %+v, want %+v", i, res.Columns[i], c)
		}
	}
	row := res.Rows[0]
	if row[0] != "2026-11-02T14:30:00.123456789Z" || row[1] != "2026-11-02" || row[2] != int32(14) || row[3] != nil {
		t.Fatalf("row = %#v", row)
	}
}

func TestQueryUnionByNameAndRefresh(t *testing.T) {
	te := newTradesEngine(t)
	res := mustQuery(t, te.Engine, "SELECT count(*) FROM trades")
	if res.Rows[0][0] != int64(2) {
		t.Fatalf("before: %v", res.Rows)
	}
	addFile(t, te, tradesKey2, []tradeV2{{Symbol: "NVDA", Ts: tradeTime.Add(time.Hour).UnixNano(), Price: 1, Size: 7, Exchange: "Q"}})
	res = mustQuery(t, te.Engine, "SELECT symbol, exchange, hr FROM trades ORDER BY symbol")
	got, _ := json.Marshal(res.Rows)
	if want := `[["AAPL",null,14],["MSFT",null,14],["NVDA","Q",15]]`; string(got) != want {
		t.Fatalf("rows = %s, want %s", got, want)
	}
	if res.Stats.FilesScanned != 2 || res.Stats.BytesScanned <= 0 || res.Stats.RowsReturned != 3 {
		t.Fatalf("stats = %+v", res.Stats)
	}
}

func TestQueryEmptyTableBinds(t *testing.T) {
	te := newTradesEngine(t)
	res := mustQuery(t, te.Engine, "SELECT symbol, ts, bid, dt, hr FROM quotes")
	if len(res.Rows) != 0 || len(res.Columns) != 5 || res.Columns[1].Type != "TIMESTAMP_NS" || res.Columns[3].Type != "DATE" {
		t.Fatalf("result = %+v", res)
	}
	b, _ := json.Marshal(res)
	if !strings.Contains(string(b), `"rows":[]`) {
		t.Fatalf("empty rows must marshal as []: %s", b)
	}
}

func TestQueryJSONSafe(t *testing.T) {
	te := newTestEngine(t, Config{})
	sql := `SELECT 'nan'::DOUBLE, '-inf'::DOUBLE, 9007199254740993::BIGINT, 9007199254740992::BIGINT,
		170141183460469231731687303715884105727::HUGEINT, 18446744073709551615::UBIGINT,
		[1, NULL, 3], {'a': {'b': 'x'}}, MAP {'k': 1.5}, NULL, 12.30::DECIMAL(10,2),
		123456789012345678.5::DECIMAL(38,1), 'hi'::BLOB, DATE '2026-01-02', TIME '01:02:03.5',
		TIMESTAMPTZ '2026-01-01 10:00:00+02', INTERVAL 1 DAY, '00112233-4455-6677-8899-aabbccddeeff'::UUID,
		[TIMESTAMP_NS '2026-11-02 14:30:00.123456789']`
	res := mustQuery(t, te.Engine, sql)
	got, err := json.Marshal(res.Rows[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `[null,null,"9007199254740993",9007199254740992,"170141183460469231731687303715884105727","18446744073709551615",` +
		`[1,null,3],{"a":{"b":"x"}},{"k":1.5},null,12.3,"123456789012345678.5","aGk=","2026-01-02","01:02:03.5",` +
		`"2026-01-01T08:00:00Z",{"days":1,"micros":0,"months":0},"00112233-4455-6677-8899-aabbccddeeff",["2026-11-02T14:30:00.123456789Z"]]`
	if string(got) != want {
		t.Fatalf("row =\n%s\nwant\n%s", got, want)
	}
	if err := res.WriteJSON(&bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
}

func TestQueryRefusesWrites(t *testing.T) {
	te := newTradesEngine(t)
	out := filepath.Join(te.store.Root(), "out.csv")
	tests := []struct{ name, sql, want string }{
		{"copy to", "COPY (SELECT 1) TO '" + out + "'", "COPY statements are not allowed"},
		{"attach", "ATTACH '" + filepath.Join(te.store.Root(), "x.db") + "'", "ATTACH"},
		{"install", "INSTALL httpfs", "LOAD/INSTALL"},
		{"load", "LOAD httpfs", "LOAD/INSTALL"},
		{"set", "SET threads = 1", "SET statements"},
		{"pragma set", "PRAGMA threads = 1", "SET statements"},
		{"create", "CREATE TABLE x AS SELECT 1", "CREATE"},
		{"drop", "DROP VIEW trades", "DROP"},
		{"insert", "INSERT INTO trades (symbol) VALUES ('x')", "trades is not an table"},
		{"call", "CALL pragma_table_info('trades')", "CALL"},
		{"explain analyze copy", "EXPLAIN ANALYZE COPY (SELECT 1) TO '" + out + "'", "EXPLAIN of a non-SELECT"},
		{"multi", "SELECT 1; DROP VIEW trades", "one statement at a time"},
		{"external file", "SELECT * FROM read_text('/etc/hostname')", "Permission Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := te.Query(context.Background(), tt.sql)
			if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want a one-line ErrBadQuery containing %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("COPY wrote a file")
	}
	mustQuery(t, te.Engine, "SELECT count(*) FROM trades") // still there
}

func TestQueryAllowsReads(t *testing.T) {
	te := newTradesEngine(t)
	for _, sql := range []string{
		"VALUES (1), (2)", "SHOW TABLES", "DESCRIBE trades", "SUMMARIZE trades", "EXPLAIN SELECT * FROM trades",
		"EXPLAIN ANALYZE SELECT count(*) FROM trades", "PRAGMA table_info('trades')", "SELECT 1;",
	} {
		t.Run(sql, func(t *testing.T) {
			if res := mustQuery(t, te.Engine, sql); len(res.Columns) == 0 {
				t.Fatal("no columns")
			}
		})
	}
}

func TestQueryBadSQL(t *testing.T) {
	te := newTradesEngine(t)
	tests := []struct{ name, sql, want string }{
		{"syntax", "SELECT * FORM trades", `query: Parser Error: syntax error at or near "trades" (line 1, position 15)`},
		{"second line", "SELECT *\nFROM trades\nWHERE nosuch = 1", `(line 3, position 7)`},
		{"unknown table", "SELECT * FROM nosuch", `Table with name nosuch does not exist!`},
		{"empty", "  ", "empty statement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := te.Query(context.Background(), tt.sql)
			if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %q, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestQueryTimeout(t *testing.T) {
	te := newTestEngine(t, Config{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := te.Query(context.Background(), "SELECT count(*) FROM range(1000000000) a, range(1000000000) b")
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("cancelled after %s", d)
	}
	mustQuery(t, te.Engine, "SELECT 1") // the engine still works
}

// noLocal is a store without local paths (as S3 will be).
type noLocal struct{ lake.Store }

func (noLocal) LocalPath(string) (string, bool) { return "", false }

func TestOpenErrors(t *testing.T) {
	store, err := lake.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		store lake.Store
		cfg   Config
		want  string
	}{
		{"no local path and no cache", noLocal{store}, Config{}, "cache directory"},
		{"bad database", store, Config{Database: "my-db"}, "database name"},
		{"bad memory limit", store, Config{MemoryLimit: "lots"}, "memory_limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Open(newTestCatalog(t), tt.store, tt.cfg, nil)
			if err == nil {
				e.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestQueryConcurrentAndDroppedTable(t *testing.T) {
	te := newTradesEngine(t)
	errc := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := te.Query(context.Background(), "SELECT count(*) FROM trades JOIN quotes USING (symbol)")
			errc <- err
		}()
	}
	for range 8 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if err := te.cat.DeleteTable(context.Background(), catalog.DefaultDatabase, "quotes"); err != nil {
		t.Fatal(err)
	}
	_, err := te.Query(context.Background(), "SELECT * FROM quotes")
	if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), "quotes does not exist") {
		t.Fatalf("err = %v, want the dropped table to be gone", err)
	}
}

func TestQueryBadFileKeepsOtherTables(t *testing.T) {
	te := newTradesEngine(t)
	mustQuery(t, te.Engine, "SELECT count(*) FROM trades")
	key := "trades/dt=2026-11-02/hr=16/broken.parquet"
	if err := te.store.Create(context.Background(), key, []byte("not parquet")); err != nil {
		t.Fatal(err)
	}
	registerFile(t, te, key, 0, 11)
	_, err := te.Query(context.Background(), "SELECT count(*) FROM trades")
	if err == nil || !strings.Contains(err.Error(), "broken.parquet") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line naming the broken file", err)
	}
	mustQuery(t, te.Engine, "SELECT count(*) FROM quotes")
	mustQuery(t, te.Engine, "SELECT count(*) FROM trades WHERE hr = 14") // pruned away from it
}
