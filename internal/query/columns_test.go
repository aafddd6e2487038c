package query

import (
	"fmt"
	"strings"
	"testing"
)

// TestQueryProjectsUsedColumns checks that a table reference's subquery
// projects only the columns the statement may use, all of them when it
// may use columns it does not name, and that the answers are those of the
// whole table either way.
func TestQueryProjectsUsedColumns(t *testing.T) {
	te, _ := newPrunedEngines(t)
	mustQuery(t, te.Engine, "SELECT 1") // refresh the views
	conn := newTestConn(t, te.Engine)
	tests := []struct {
		name string
		sql  string
		all  bool   // every column projected
		want string // the answer, as fmt prints its rows
	}{
		{"count", "SELECT count(*) FROM trades", false, "[[16]]"},
		{"named columns", "SELECT max(price), count(DISTINCT symbol) FROM trades WHERE dt = '2026-11-02'", false, "[[216 2]]"},
		{"qualified", "SELECT t.symbol FROM trades t WHERE t.hr = 13 AND t.dt = '2026-11-03' AND t.size < 10", false, "[[AAPL]]"},
		{"using", "SELECT count(*) FROM trades a JOIN trades b USING (ts)", false, "[[16]]"},
		{"market view", "SELECT count(*) FROM bars_1m", false, "[[16]]"},
		{"star", "SELECT * FROM trades ORDER BY ts LIMIT 0", true, "[]"},
		{"star in a subquery", "SELECT count(*) FROM (SELECT * FROM trades)", true, "[[16]]"},
		{"columns", "SELECT max(COLUMNS('pri.*')) FROM trades", true, "[[216]]"},
		{"positional", "SELECT max(#3) FROM trades", true, "[[216]]"},
		{"whole row", "SELECT count(t) FROM trades t", true, "[[16]]"},
		// Joined on every column: exchange is NULL in these files, and
		// NULL matches nothing; on fewer columns 16 rows would match.
		{"natural join", "SELECT count(*) FROM trades NATURAL JOIN trades t2", true, "[[0]]"},
		{"column aliases", "SELECT max(c) FROM trades t(a, b, c)", true, "[[216]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := te.plan(t.Context(), conn, tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(p.sql, `AS "exchange"`); got != tt.all {
				t.Errorf("exchange projected = %v, want %v: %s", got, tt.all, p.sql)
			}
			res := mustQuery(t, te.Engine, tt.sql)
			if got := fmt.Sprint(res.Rows); got != tt.want {
				t.Fatalf("rows = %s, want %s", got, tt.want)
			}
		})
	}
}
