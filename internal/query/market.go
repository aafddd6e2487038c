package query

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // America/New_York without the system's zoneinfo
)

// marketView is a view over a base table that every query may name.
type marketView struct {
	name string
	base string // the catalog table it reads
	// sql is the view's SELECT; {from} becomes the base table, qualified
	// by the database (no CTE can stand in for it), and a filter on its ts
	// that prunes its partitions.
	sql string
	// bounds maps a predicate on the view's time column to the event-time
	// interval [lo, hi) of the base rows it can keep.
	bounds func(op string, t time.Time) (lo, hi time.Time)
	column string // the view's time column
}

// marketViews are the views over trades: one-minute bars and daily bars of
// the New York trading day.
var marketViews = []marketView{
	{
		name: "bars_1m", base: "trades", column: "minute",
		sql: `SELECT symbol, CAST(date_trunc('minute', ts) AS TIMESTAMP) AS minute,
	arg_min(price, ts) AS open, max(price) AS high, min(price) AS low, arg_max(price, ts) AS close,
	sum(size) AS volume, sum(price * size) / sum(size) AS vwap, count(*) AS trades
FROM {from}
GROUP BY ALL`,
		bounds: minuteBounds,
	},
	{
		name: "daily", base: "trades", column: "day",
		sql: `SELECT symbol, day, open, high, low, close, volume, vwap, trades,
	lag(close) OVER w AS prev_close,
	CASE WHEN day - lag(day) OVER w <= ` + maxTradingGapDays + ` THEN close / lag(close) OVER w - 1 END AS "return"
FROM (
	SELECT symbol, CAST(timezone('America/New_York', CAST(ts AS TIMESTAMP) AT TIME ZONE 'UTC') AS DATE) AS day,
		arg_min(price, ts) AS open, max(price) AS high, min(price) AS low, arg_max(price, ts) AS close,
		sum(size) AS volume, sum(price * size) / sum(size) AS vwap, count(*) AS trades
	FROM {from}
	GROUP BY ALL
) d
WINDOW w AS (PARTITION BY symbol ORDER BY day)`,
		bounds: dayBounds,
	},
}

// maxTradingGapDays is the longest gap between two trading days over which
// daily.return compares closes (a long weekend with a holiday is 4 days);
// the planner widens a day filter by as much to keep the previous close.
const maxTradingGapDays = "10"

var newYork = mustLocation("America/New_York")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is linked in
	}
	return loc
}

var (
	farPast   = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
)

// minuteBounds: the bar of minute m holds the trades of [m, m+1min).
func minuteBounds(op string, t time.Time) (time.Time, time.Time) {
	m := t.Truncate(time.Minute)
	switch op {
	case "eq":
		return m, m.Add(time.Minute)
	case "lt":
		if m.Equal(t) {
			return farPast, m
		}
		return farPast, m.Add(time.Minute)
	case "le":
		return farPast, m.Add(time.Minute)
	case "gt", "ge":
		return m, farFuture
	}
	return farPast, farFuture
}

// dayBounds: New York day d holds the trades from its midnight to the next,
// in UTC; the lower bound reaches back for the previous close.
func dayBounds(op string, t time.Time) (time.Time, time.Time) {
	midnight := func(d time.Time, add int) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day()+add, 0, 0, 0, 0, newYork).UTC()
	}
	back := -10
	switch op {
	case "eq":
		return midnight(t, back), midnight(t, 1)
	case "lt":
		return farPast, midnight(t, 0)
	case "le":
		return farPast, midnight(t, 1)
	case "gt":
		return midnight(t, 1+back), farFuture
	case "ge":
		return midnight(t, back), farFuture
	}
	return farPast, farFuture
}

// marketSQL is a market view's SELECT reading only base rows in [lo, hi).
func (m marketView) marketSQL(database string, lo, hi time.Time) string {
	var conds []string
	if lo.After(farPast) {
		conds = append(conds, "ts >= '"+lo.Format("2006-01-02 15:04:05.999999999")+"'")
	}
	if hi.Before(farFuture) {
		conds = append(conds, "ts < '"+hi.Format("2006-01-02 15:04:05.999999999")+"'")
	}
	from := quoteIdent(database) + "." + quoteIdent(m.base)
	if len(conds) > 0 {
		from += " WHERE " + strings.Join(conds, " AND ")
	}
	return strings.Replace(m.sql, "{from}", from, 1)
}

// refreshMarketViews keeps DuckDB's copies of the market views (for
// statements the planner does not rewrite) in line with their base tables.
func (e *Engine) refreshMarketViews(ctx context.Context) error {
	for _, m := range marketViews {
		_, ok := e.views[m.base]
		_, shadowed := e.views[m.name]
		want := ok && !shadowed
		if want == e.markets[m.name] {
			continue // DDL only on changes: creating a view binds it
		}
		stmt := "DROP VIEW IF EXISTS main." + quoteIdent(m.name)
		if want {
			stmt = "CREATE OR REPLACE VIEW main." + quoteIdent(m.name) + " AS " + m.marketSQL(e.cfg.Database, farPast, farFuture)
		}
		if _, err := e.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("query: defining the %s view: %s", m.name, oneLine(err.Error(), ""))
		}
		e.markets[m.name] = want
	}
	return nil
}

func findMarketView(name string) (marketView, bool) {
	for _, m := range marketViews {
		if m.name == name {
			return m, true
		}
	}
	return marketView{}, false
}

// marketRef is one reference to a market view, with the event-time
// interval [lo, hi) of base rows its query can need.
type marketRef struct {
	node   map[string]any
	view   marketView
	alias  string
	lo, hi time.Time
}

// marketRef returns the reference when m names a market view whose base
// table exists and that no catalog table or CTE shadows.
func (w *walker) marketRef(m map[string]any) *marketRef {
	name, _ := m["table_name"].(string)
	schema, _ := m["schema_name"].(string)
	cat, _ := m["catalog_name"].(string)
	name = strings.ToLower(name)
	mv, ok := findMarketView(name)
	if !ok || cat != "" || m["at_clause"] != nil || (schema != "" && schema != "main") || (schema == "" && w.ctes[name]) {
		return nil
	}
	if _, shadowed := w.views[name]; shadowed {
		return nil
	}
	if _, ok := w.views[mv.base]; !ok {
		return nil
	}
	alias, _ := m["alias"].(string)
	if alias == "" {
		alias = name
	}
	return &marketRef{node: m, view: mv, alias: alias, lo: farPast, hi: farFuture}
}

// marketTarget resolves a predicate's column to a market view reference:
// alias.column, or a bare column when the view is all the FROM holds.
func marketTarget(f *from, col []string) *marketRef {
	for _, m := range f.markets {
		if len(asList(m.node["column_name_alias"])) > 0 || col[len(col)-1] != m.view.column {
			continue
		}
		if (len(col) == 2 && strings.EqualFold(col[0], m.alias)) || (len(col) == 1 && f.items == 1) {
			return m
		}
	}
	return nil
}

// restrict narrows the interval by a predicate on the view's time column.
func (m *marketRef) restrict(pr predicate) {
	ts := make([]time.Time, len(pr.consts))
	for i, c := range pr.consts {
		t, ok := parseTimestamp(c)
		if !ok {
			return
		}
		ts[i] = t
	}
	var lo, hi time.Time
	switch pr.op {
	case "between":
		lo, _ = m.view.bounds("ge", ts[0])
		_, hi = m.view.bounds("le", ts[1])
	case "in":
		lo, hi = farFuture, farPast
		for _, t := range ts {
			l, h := m.view.bounds("eq", t)
			lo, hi = minTime(lo, l), maxTime(hi, h)
		}
	default:
		lo, hi = m.view.bounds(pr.op, ts[0])
	}
	m.lo, m.hi = maxTime(m.lo, lo), minTime(m.hi, hi)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// expandMarket replaces a market view reference by its SELECT over the
// needed base rows, then finds the base table reference in it so that it
// is pruned (and, for a remote lake, read from the cache) like any other.
func (e *Engine) expandMarket(ctx context.Context, conn *sql.Conn, w *walker, m *marketRef) error {
	lo, hi := m.lo, m.hi
	if !lo.Before(hi) {
		lo, hi = farPast, farPast.Add(time.Nanosecond) // nothing can match
	}
	if err := replaceNode(ctx, conn, m.node, m.view.marketSQL(e.cfg.Database, lo, hi), m.alias); err != nil {
		return fmt.Errorf("query: expanding %s: %w", m.view.name, err)
	}
	w.walk(m.node)
	return nil
}
