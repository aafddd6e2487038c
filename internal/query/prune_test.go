package query

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// newPrunedEngines returns an engine and one with pruning off over the same
// lake: trades on 2026-11-02 and -03, hours 13 to 16, one sink-named file
// per hour with trades at :10 and at the very last nanosecond of the hour.
func newPrunedEngines(t *testing.T) (*testEngine, *Engine) {
	t.Helper()
	te := newTestEngine(t, Config{})
	te.putTrades(t)
	off := 0
	for _, day := range []int{2, 3} {
		for hr := 13; hr <= 16; hr++ {
			h := time.Date(2026, 11, day, hr, 0, 0, 0, time.UTC)
			key := fmt.Sprintf("trades/dt=2026-11-%02d/hr=%02d/trades-0-%020d-%020d.parquet", day, hr, off, off+1)
			off += 2
			addFile(t, te, key, []tradeV1{
				{Symbol: "AAPL", Ts: h.Add(10 * time.Minute).UnixNano(), Price: float64(100 + hr), Size: int64(day)},
				{Symbol: "MSFT", Ts: h.Add(time.Hour - 1).UnixNano(), Price: float64(200 + hr), Size: int64(10 * day)},
			})
		}
	}
	full, err := Open(te.cat, te.store, Config{DisablePruning: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { full.Close() })
	return te, full
}

func TestQueryPartitionPruning(t *testing.T) {
	te, full := newPrunedEngines(t)
	tests := []struct {
		name       string
		sql        string
		files      int // files scanned, summed over references
		partPruned int
	}{
		{"dt equal", "SELECT count(*), sum(size) FROM trades WHERE dt = '2026-11-02'", 4, 4},
		{"dt as date and hr", "SELECT symbol, hr FROM trades WHERE dt = DATE '2026-11-03' AND hr >= 15 ORDER BY 2, 1", 2, 6},
		{"dt in and hr equal", "SELECT count(*) FROM trades WHERE dt IN ('2026-11-02', '2026-11-03') AND hr = 13", 2, 6},
		{"dt between", "SELECT count(*) FROM trades WHERE dt BETWEEN '2026-11-01' AND '2026-11-02'", 4, 4},
		{"literal on the left", "SELECT count(*) FROM trades WHERE '2026-11-02' < dt", 4, 4},
		{"ts range", "SELECT ts FROM trades WHERE ts >= TIMESTAMP '2026-11-02 14:30' AND ts < '2026-11-02 16:00' ORDER BY ts", 2, 6},
		{"ts at the last nanosecond", "SELECT symbol FROM trades WHERE ts = '2026-11-02 14:59:59.999999999'", 1, 7},
		{"ts between", "SELECT count(*) FROM trades WHERE ts BETWEEN '2026-11-03 15:00' AND '2026-11-03 16:00:00'", 2, 6},
		{"ts from a date", "SELECT count(*) FROM trades WHERE ts >= DATE '2026-11-03'", 4, 4},
		{"alias", "SELECT t.symbol FROM trades AS t WHERE t.dt = '2026-11-03' AND t.hr < 14 ORDER BY 1", 1, 7},
		{"table name qualifier", "SELECT trades.symbol FROM ticklake.trades WHERE trades.hr = 16 ORDER BY 1", 2, 6},
		{"three-part column leaves it whole", "SELECT ticklake.trades.symbol FROM ticklake.trades WHERE dt = '2026-11-02' ORDER BY 1", 8, 0},
		{"or prunes nothing", "SELECT count(*) FROM trades WHERE dt = '2026-11-02' OR hr = 13", 8, 0},
		{"not a plain literal", "SELECT count(*) FROM trades WHERE dt = DATE '2026-11-02' + 1", 8, 0},
		{"hr as a string", "SELECT count(*) FROM trades WHERE hr = '14'", 8, 0},
		{"ts with a zone", "SELECT count(*) FROM trades WHERE ts >= '2026-11-03 00:00:00+01'", 8, 0},
		{"self join, each side its own", "SELECT count(*) FROM trades a JOIN trades b USING (symbol) WHERE a.dt = '2026-11-02' AND b.dt = '2026-11-03' AND b.hr = 13", 5, 4 + 7},
		{"left join filtered right", "SELECT count(*) FROM trades a LEFT JOIN trades b ON a.symbol = b.symbol WHERE b.hr = 13", 8 + 2, 6},
		{"using column not pruned", "SELECT count(*) FROM trades a JOIN trades b USING (dt) WHERE dt = '2026-11-02'", 16, 0},
		{"subquery", "SELECT count(*) FROM (SELECT * FROM trades WHERE dt = '2026-11-02' AND hr = 14) s", 1, 7},
		{"in a CTE", "WITH d AS (SELECT * FROM trades WHERE dt = '2026-11-03') SELECT max(price) FROM d", 4, 4},
		{"CTE shadowing the table", "WITH trades AS (SELECT * FROM ticklake.trades) SELECT count(*) FROM trades WHERE dt = '2026-11-02'", 8, 0},
		{"union", "SELECT count(*) FROM (SELECT 1 FROM trades WHERE hr = 13 UNION ALL SELECT 1 FROM trades WHERE hr = 14)", 4, 12},
		{"subquery in where", "SELECT count(*) FROM trades WHERE price > (SELECT max(price) FROM trades WHERE dt = '2026-11-02' AND hr = 13)", 9, 7},
		{"nothing matches", "SELECT count(*), min(symbol) FROM trades WHERE dt = '2026-12-25'", 0, 8},
		{"asof join not pruned", "SELECT count(*) FROM trades a ASOF JOIN trades b ON a.symbol = b.symbol AND a.ts >= b.ts WHERE b.dt = '2026-11-02'", 16, 0},
		{"group by and order", "SELECT dt, hr, count(*) FROM trades WHERE dt >= '2026-11-03' AND hr <> 16 GROUP BY ALL ORDER BY ALL", 3, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustQuery(t, te.Engine, tt.sql)
			want := mustQuery(t, full, tt.sql)
			g, _ := json.Marshal(got.Rows)
			w, _ := json.Marshal(want.Rows)
			if string(g) != string(w) {
				t.Fatalf("pruned rows %s, unpruned %s", g, w)
			}
			if got.Stats.FilesScanned != tt.files || got.Stats.PartitionsPruned != tt.partPruned {
				t.Fatalf("files scanned %d, partitions pruned %d; want %d and %d (%+v)",
					got.Stats.FilesScanned, got.Stats.PartitionsPruned, tt.files, tt.partPruned, got.Stats.Tables)
			}
			if want.Stats.PartitionsPruned != 0 {
				t.Fatalf("pruning off still pruned %d partitions", want.Stats.PartitionsPruned)
			}
		})
	}
}

func TestQueryPruningStatsBytes(t *testing.T) {
	te, _ := newPrunedEngines(t)
	all := mustQuery(t, te.Engine, "SELECT count(*) FROM trades")
	one := mustQuery(t, te.Engine, "SELECT count(*) FROM trades WHERE dt = '2026-11-02' AND hr = 14")
	if one.Stats.BytesScanned <= 0 || one.Stats.BytesScanned*4 > all.Stats.BytesScanned {
		t.Fatalf("bytes scanned: one partition %d, all %d", one.Stats.BytesScanned, all.Stats.BytesScanned)
	}
	if len(one.Stats.Tables) != 1 || one.Stats.Tables[0].FilesTotal != 8 || one.Stats.Tables[0].Partitions != 1 {
		t.Fatalf("tables = %+v", one.Stats.Tables)
	}
}

func TestQueryPruningNeedsSinkLayoutForTs(t *testing.T) {
	te := newTestEngine(t, Config{})
	te.putTrades(t)
	// Not a sink file name: the folder need not be the event time's hour.
	addFile(t, te, "trades/dt=2026-11-02/hr=14/imported.parquet", []tradeV1{{Symbol: "X", Ts: tradeTime.Add(5 * time.Hour).UnixNano(), Price: 1}})
	res := mustQuery(t, te.Engine, "SELECT count(*) FROM trades WHERE ts >= '2026-11-02 19:00'")
	if res.Rows[0][0] != int64(1) || res.Stats.PartitionsPruned != 0 {
		t.Fatalf("rows %v, stats %+v", res.Rows, res.Stats)
	}
}

func TestQueryUniformSchemaSkipsUnionByName(t *testing.T) {
	te, _ := newPrunedEngines(t)
	planned := func() string {
		t.Helper()
		mustQuery(t, te.Engine, "SELECT 1") // refresh the views
		conn, err := te.db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		p, err := te.plan(t.Context(), conn, "SELECT count(*) FROM trades")
		if err != nil {
			t.Fatal(err)
		}
		return p.sql
	}
	// Files DuckDB has not read yet bind by name (reading their footers at
	// once); from then on, files of one schema bind as the first one.
	if sql := planned(); !strings.Contains(sql, "union_by_name = true") {
		t.Fatalf("files never read bound without union_by_name: %s", sql)
	}
	if sql := planned(); !strings.Contains(sql, "union_by_name = false") {
		t.Fatalf("files of one schema, read before, read with union_by_name: %s", sql)
	}
	addFile(t, te, "trades/dt=2026-11-04/hr=01/trades-2-00000000000000000000-00000000000000000000.parquet",
		[]tradeNew{{Symbol: "NEW", Ts: tradeTime.UnixNano(), Price: 7.5, Exchange: "Q"}})
	if sql := planned(); !strings.Contains(sql, "union_by_name = true") {
		t.Fatalf("files of two schemas read without union_by_name: %s", sql)
	}
	res := mustQuery(t, te.Engine, "SELECT count(*), count(exchange) FROM trades")
	if res.Rows[0][0] != int64(17) || res.Rows[0][1] != int64(1) {
		t.Fatalf("rows %v", res.Rows)
	}
}

func TestQueryUnplannedStatementsReadFiles(t *testing.T) {
	te, _ := newPrunedEngines(t)
	// A filter keeps DuckDB from answering count(*) from the cached
	// footers alone, so the plan shows the scan of the 16 rows.
	res := mustQuery(t, te.Engine, "EXPLAIN ANALYZE SELECT count(*) FROM trades WHERE size >= 0")
	if g, _ := json.Marshal(res.Rows); !strings.Contains(string(g), "16") {
		t.Fatalf("EXPLAIN ANALYZE did not count the 16 rows: %s", g)
	}
	res = mustQuery(t, te.Engine, "PRAGMA table_info('trades')")
	if len(res.Rows) != 8 {
		t.Fatalf("table_info rows = %d", len(res.Rows))
	}
}

func TestQueryTablesReachedThroughDuckDBViews(t *testing.T) {
	te, _ := newPrunedEngines(t)
	for _, sql := range []string{
		"SELECT count(*) FROM memory.ticklake.trades",
		"SELECT count(*) FROM query_table('trades')",
		"SELECT count(*) FROM query('SELECT * FROM trades')",
	} {
		t.Run(sql, func(t *testing.T) {
			if res := mustQuery(t, te.Engine, sql); res.Rows[0][0] != int64(16) {
				t.Fatalf("rows = %v, want the 16 trades", res.Rows)
			}
		})
	}
	remote, _ := newRemoteEngine(t, te, noLocal{te.store}, "")
	if _, err := remote.Query(t.Context(), "SELECT count(*) FROM query_table('trades')"); err == nil || !strings.Contains(err.Error(), "S3 lake") {
		t.Fatalf("err = %v, want a refusal naming the S3 lake", err)
	}
}
