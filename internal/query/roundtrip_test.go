package query

import (
	"context"
	"encoding/json"
	"testing"
)

// TestQueryRewriteKeepsMeaning runs statements of many shapes through the
// planner (which rewrites every table reference) and directly on DuckDB's
// views over all files: the answers must be the same.
func TestQueryRewriteKeepsMeaning(t *testing.T) {
	te, _ := newMarketEngines(t)
	queries := []string{
		`SELECT symbol, price, row_number() OVER (PARTITION BY symbol ORDER BY ts) AS n FROM trades WHERE dt = '2026-11-02' ORDER BY symbol, n`,
		`SELECT symbol, list_transform([price, size], x -> x * 2) AS l FROM trades WHERE hr = 14 ORDER BY 1, 2`,
		`SELECT t.symbol, {'p': t.price, 's': t.size}.p AS p FROM trades t WHERE t.dt = '2026-11-03' ORDER BY 1, 2`,
		`SELECT symbol, price FROM trades WHERE dt = '2026-11-02' QUALIFY row_number() OVER (PARTITION BY symbol ORDER BY price DESC) = 1 ORDER BY 1`,
		`SELECT 'it''s', "symbol" AS "Sym bol", /* comment */ count(*) FROM trades WHERE hr BETWEEN 13 AND 14 GROUP BY ALL ORDER BY ALL`,
		`SELECT * FROM (PIVOT (SELECT symbol, hr, size FROM trades WHERE dt = '2026-11-02') ON hr IN (13, 14, 15) USING sum(size)) ORDER BY symbol`,
		`SELECT symbol, price::DECIMAL(10,2) AS p, strftime(ts, '%H:%M') AS hm FROM trades WHERE ts < '2026-11-02 15:00' ORDER BY ALL`,
		`SELECT a.symbol, count(*) FROM trades a, LATERAL (SELECT * FROM trades b WHERE b.symbol = a.symbol AND b.hr = a.hr) GROUP BY 1 ORDER BY 1`,
		`SELECT symbol FROM trades WHERE dt = '2026-11-03' EXCEPT SELECT symbol FROM trades WHERE hr = 99 ORDER BY 1`,
		`WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n, (SELECT count(*) FROM trades WHERE hr = 13 + n) FROM r ORDER BY n`,
		`SELECT symbol, COLUMNS('pri.*') FROM trades WHERE dt = '2026-11-02' ORDER BY ALL`,
		`SELECT * EXCLUDE (conditions, ts) FROM trades WHERE dt = '2026-11-03' AND hr = 16 ORDER BY ALL`,
		`SELECT q.symbol, avg(q.ask - q.bid) FROM quotes q JOIN trades t ON t.symbol = q.symbol AND t.hr = q.hr WHERE q.dt = '2026-11-02' GROUP BY 1`,
		`SELECT symbol, close, vwap FROM bars_1m WHERE minute >= '2026-11-02 14:00' ORDER BY ALL`,
		`SELECT count(*) FILTER (WHERE price > 200), max(price) FROM trades WHERE dt = '2026-11-02' USING SAMPLE 100 PERCENT (bernoulli, 1)`,
	}
	direct := func(sql string) string {
		t.Helper()
		if err := te.ensureFullViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		conn, err := te.db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		rows, err := conn.QueryContext(context.Background(), sql)
		if err != nil {
			t.Fatalf("direct: %v", err)
		}
		defer rows.Close()
		cols, _ := rows.ColumnTypes()
		var out [][]any
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				vals[i] = safeColumn(cols[i].DatabaseTypeName(), v)
			}
			out = append(out, vals)
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	for _, sql := range queries {
		t.Run(sql, func(t *testing.T) {
			res := mustQuery(t, te.Engine, sql)
			got, _ := json.Marshal(res.Rows)
			if want := direct(sql); string(got) != want {
				t.Fatalf("planned %s\ndirect  %s", got, want)
			}
			if len(res.Rows) == 0 {
				t.Fatal("no rows: the statement tests nothing")
			}
		})
	}
}
