package query

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tradeOld is an old schema: price as an integer, no exchange column.
type tradeOld struct {
	Symbol string `parquet:"symbol"`
	Ts     int64  `parquet:"ts,timestamp(nanosecond:local)"`
	Price  int64  `parquet:"price"`
	Size   int64  `parquet:"size"`
}

// tradeNew widens price to a double and adds exchange.
type tradeNew struct {
	Symbol   string  `parquet:"symbol"`
	Ts       int64   `parquet:"ts,timestamp(nanosecond:local)"`
	Price    float64 `parquet:"price"`
	Size     int64   `parquet:"size"`
	Exchange string  `parquet:"exchange"`
}

// TestQuerySchemaEvolution is the acceptance test of schema evolution: files
// of an old and a new schema read together with the catalog's types. Read
// naively, DuckDB takes the first file's schema, reading 7.5 as 8 and
// dropping exchange. The files' schemas are told apart by the catalog's
// schema ids when it has them (as the crawler records them), else by their
// footers.
func TestQuerySchemaEvolution(t *testing.T) {
	tests := []struct {
		name           string
		oldKey, newKey string
		schemaIDs      bool
	}{
		{"old file first", tradesKey1, tradesKey2, false},
		{"new file first", tradesKey2, tradesKey1, false},
		{"old file first, schema ids", tradesKey1, tradesKey2, true},
		{"new file first, schema ids", tradesKey2, tradesKey1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEngine(t, Config{})
			te.schemaIDs = tt.schemaIDs
			te.putTrades(t)
			addFile(t, te, tt.oldKey, []tradeOld{{Symbol: "OLD", Ts: tradeTime.UnixNano(), Price: 8, Size: 1}})
			addFile(t, te, tt.newKey, []tradeNew{{Symbol: "NEW", Ts: tradeTime.UnixNano(), Price: 7.5, Size: 2, Exchange: "Q"}})
			res := mustQuery(t, te.Engine, "SELECT symbol, price, exchange, typeof(price) FROM trades ORDER BY symbol")
			want := [][]any{{"NEW", 7.5, "Q", "DOUBLE"}, {"OLD", 8.0, nil, "DOUBLE"}}
			for i := range want {
				for j := range want[i] {
					if res.Rows[i][j] != want[i][j] {
						t.Fatalf("rows = %v, want %v", res.Rows, want)
					}
				}
			}
			sum := mustQuery(t, te.Engine, "SELECT sum(price) FROM trades WHERE dt = '2026-11-02'")
			if sum.Rows[0][0] != 15.5 {
				t.Fatalf("sum(price) = %v, want 15.5", sum.Rows[0][0])
			}
		})
	}
}

func TestQueryLockedDown(t *testing.T) {
	te := newTradesEngine(t)
	inLake := filepath.Join(te.store.Root(), "trades", "dt=2026-11-02", "hr=14", "copied.parquet")
	tests := []struct{ name, sql, want string }{
		{"read_csv outside the lake", "SELECT * FROM read_csv('/etc/passwd')", "Permission Error"},
		{"glob outside the lake", "SELECT * FROM glob('/etc/*')", "Permission Error"},
		{"parquet outside the lake", "SELECT * FROM read_parquet('/tmp/x.parquet')", "Permission Error"},
		// Planned (its trades reference rewritten), so its files bind only
		// as it runs: the lockdown holds there too.
		{"planned statement reading outside the lake", "SELECT * FROM trades, read_csv('/etc/passwd') WHERE dt = '2026-11-02'", "Permission Error"},
		{"planned statement globbing outside the lake", "SELECT * FROM trades WHERE dt = '2026-11-02' AND symbol IN (SELECT file FROM glob('/etc/*'))", "Permission Error"},
		{"copy into the lake", "COPY (SELECT 1 AS x) TO '" + inLake + "' (FORMAT parquet)", "COPY statements are not allowed"},
		{"copy from", "COPY trades FROM '/etc/passwd'", "not an table"},
		{"export", "EXPORT DATABASE '" + te.store.Root() + "'", "EXPORT"},
		{"set search path", "SET search_path = 'main'", "SET statements"},
		{"reset", "RESET memory_limit", "SET statements"},
		{"attach memory", "ATTACH ':memory:' AS m", "ATTACH"},
		{"detach", "DETACH ticklake", "DETACH"},
		{"install", "INSTALL httpfs", "LOAD/INSTALL"},
		{"load", "LOAD json", "LOAD/INSTALL"},
		{"pragma", "PRAGMA enable_profiling", "not allowed"},
		{"query function", "SELECT * FROM query('COPY (SELECT 1) TO ''" + inLake + "''')", ""},
		{"multi, write second", "SELECT 1; COPY (SELECT 1) TO '" + inLake + "'", "one statement at a time"},
		{"multi, write first", "COPY (SELECT 1) TO '" + inLake + "'; SELECT 1", "one statement at a time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := te.Query(context.Background(), tt.sql)
			if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want a one-line ErrBadQuery containing %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(inLake); err == nil {
		t.Fatal("a statement wrote into the lake")
	}
	res := mustQuery(t, te.Engine, "SELECT current_setting('lock_configuration'), current_setting('enable_external_access'), current_setting('autoload_known_extensions')")
	if res.Rows[0][0] != true || res.Rows[0][1] != false || res.Rows[0][2] != false {
		t.Fatalf("settings = %v", res.Rows[0])
	}
}

func TestQueryMemoryLimit(t *testing.T) {
	te := newTestEngine(t, Config{MemoryLimit: "64MB", Timeout: 30 * time.Second})
	res := mustQuery(t, te.Engine, "SELECT current_setting('memory_limit')")
	if s, _ := res.Rows[0][0].(string); !strings.Contains(s, "MiB") && !strings.Contains(s, "MB") {
		t.Fatalf("memory_limit = %v", res.Rows[0][0])
	}
	_, err := te.Query(context.Background(), "SELECT list(range) FROM range(100000000)")
	if err == nil || !strings.Contains(err.Error(), "memory") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want a one-line out-of-memory error", err)
	}
}
