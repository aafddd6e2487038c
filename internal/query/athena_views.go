package query

// This file gives Athena the market views: a statement naming bars_1m or
// daily is sent with a WITH clause defining them in Athena's dialect
// (Trino SQL) over the database's trades table, so the same SQL answers on
// both engines. Athena holds no such views (the Glue catalog has only the
// crawled tables), and an unused WITH entry costs Athena nothing.

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// athenaMarketViews are the market views in Trino SQL, answering as the
// embedded engine's marketViews do; {from} is the database's base table.
// Trino has no arg_min/arg_max (min_by/max_by), no GROUP BY ALL, no date
// subtraction (date_diff) and reads ts, a timestamp without time zone
// holding UTC, in the session's zone: with_timezone says UTC.
var athenaMarketViews = []struct{ name, sql string }{
	{"bars_1m", `SELECT symbol, date_trunc('minute', ts) AS minute, ` +
		`min_by(price, ts) AS open, max(price) AS high, min(price) AS low, max_by(price, ts) AS close, ` +
		`sum(size) AS volume, sum(price * size) / sum(size) AS vwap, count(*) AS trades ` +
		`FROM {from} GROUP BY 1, 2`},
	{"daily", `SELECT symbol, day, open, high, low, close, volume, vwap, trades, ` +
		`lag(close) OVER (PARTITION BY symbol ORDER BY day) AS prev_close, ` +
		`CASE WHEN date_diff('day', lag(day) OVER (PARTITION BY symbol ORDER BY day), day) <= ` + maxTradingGapDays +
		` THEN close / lag(close) OVER (PARTITION BY symbol ORDER BY day) - 1 END AS "return" ` +
		`FROM (SELECT symbol, CAST(with_timezone(ts, 'UTC') AT TIME ZONE 'America/New_York' AS DATE) AS day, ` +
		`min_by(price, ts) AS open, max(price) AS high, min(price) AS low, max_by(price, ts) AS close, ` +
		`sum(size) AS volume, sum(price * size) / sum(size) AS vwap, count(*) AS trades ` +
		`FROM {from} GROUP BY 1, 2) d`},
}

// expandAthenaViews returns sql with a WITH clause defining the market views
// it names (as name, database.name or catalog.database.name, the
// qualifiers dropped), and the number of lines put before the statement's
// first line. A statement that defines a WITH entry of a view's name keeps
// its own; statements other than queries (EXPLAIN, SHOW, DESCRIBE) are
// sent as written.
func expandAthenaViews(sql, database string) (string, int) {
	toks := lexSQL(sql)
	named, cuts := viewRefs(toks, database)
	if len(named) == 0 {
		return sql, 0
	}
	at, afterWith, ok := withInsertPoint(toks)
	if !ok {
		return sql, 0
	}
	var defs []string
	for _, v := range athenaMarketViews {
		if named[v.name] {
			from := quoteIdent(database) + "." + quoteIdent("trades")
			defs = append(defs, v.name+" AS ("+strings.Replace(v.sql, "{from}", from, 1)+")")
		}
	}
	insert := "WITH " + strings.Join(defs, ", ") + "\n"
	if afterWith {
		insert = " " + strings.Join(defs, ", ") + ",\n"
	}
	edits := append(cuts, sqlEdit{start: at, end: at, text: insert})
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.WriteString(sql[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.WriteString(sql[last:])
	return b.String(), 1
}

// sqlEdit replaces sql[start:end] with text.
type sqlEdit struct {
	start, end int
	text       string
}

// viewRefs finds the market views a statement names and the qualifiers to
// cut before each qualified name.
// A name defined by the statement's own WITH (name AS (...)) is left alone,
// as is a call (name(...)) or a name qualified by anything else.
func viewRefs(toks []sqlToken, database string) (map[string]bool, []sqlEdit) {
	named, own := map[string]bool{}, map[string]bool{}
	var cuts []sqlEdit
	for i, t := range toks {
		if !t.ident || findAthenaView(t.name) < 0 {
			continue
		}
		next := func(k int) string {
			if i+k < len(toks) {
				return toks[i+k].text
			}
			return ""
		}
		switch {
		case strings.EqualFold(next(1), "as") && next(2) == "(":
			own[t.name] = true
			continue
		case next(1) == "(" || next(1) == ".":
			continue
		}
		start, ok := qualifierStart(toks, i, database)
		if !ok {
			continue
		}
		if start < t.start {
			cuts = append(cuts, sqlEdit{start: start, end: t.start})
		}
		named[t.name] = true
	}
	for name := range own {
		delete(named, name)
	}
	return named, cuts
}

// qualifierStart returns where the name at toks[i] begins with its
// qualifiers: database. or catalog.database. (any catalog); ok is false
// when it is qualified by anything else (a column of an alias).
func qualifierStart(toks []sqlToken, i int, database string) (int, bool) {
	if i < 2 || toks[i-1].text != "." {
		return toks[i].start, true
	}
	db := toks[i-2]
	if !db.ident || db.name != strings.ToLower(database) {
		return 0, false
	}
	if i >= 4 && toks[i-3].text == "." && toks[i-4].ident {
		return toks[i-4].start, true
	}
	return db.start, true
}

func findAthenaView(name string) int {
	for i, v := range athenaMarketViews {
		if v.name == name {
			return i
		}
	}
	return -1
}

// withInsertPoint is where the views' WITH entries go: right after a
// leading WITH (or WITH RECURSIVE), else before a query's first token.
func withInsertPoint(toks []sqlToken) (at int, afterWith, ok bool) {
	if len(toks) == 0 {
		return 0, false, false
	}
	first := strings.ToLower(toks[0].text)
	switch {
	case first == "with":
		if len(toks) > 1 && strings.EqualFold(toks[1].text, "recursive") {
			return toks[1].end, true, true
		}
		return toks[0].end, true, true
	case first == "select" || first == "values" || first == "table" || first == "(":
		return toks[0].start, false, true
	}
	return 0, false, false
}

// sqlToken is one token of a statement: a word or quoted identifier
// (ident, with its name lower-cased and unquoted), a string literal, or a
// punctuation character. Comments and blanks make no token.
type sqlToken struct {
	text       string
	name       string
	ident      bool
	start, end int
}

// lexSQL splits a statement into tokens, by Trino's lexical rules as far as
// finding names goes.
func lexSQL(s string) []sqlToken {
	var toks []sqlToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(s[i:], "--"):
			i = skipTo(s, i, "\n")
		case strings.HasPrefix(s[i:], "/*"):
			i = skipTo(s, i+2, "*/")
		case c == '\'' || c == '"':
			end := quotedEnd(s, i)
			t := sqlToken{text: s[i:end], start: i, end: end}
			if c == '"' {
				t.ident, t.name = true, strings.ToLower(strings.ReplaceAll(strings.Trim(t.text, `"`), `""`, `"`))
			}
			toks = append(toks, t)
			i = end
		case isWordByte(c):
			end := i
			for end < len(s) && isWordByte(s[end]) {
				end++
			}
			toks = append(toks, sqlToken{text: s[i:end], name: strings.ToLower(s[i:end]), ident: true, start: i, end: end})
			i = end
		default:
			toks = append(toks, sqlToken{text: s[i : i+1], start: i, end: i + 1})
			i++
		}
	}
	return toks
}

// skipTo returns the index just past the next end after i (or the end of s).
func skipTo(s string, i int, end string) int {
	if j := strings.Index(s[i:], end); j >= 0 {
		return i + j + len(end)
	}
	return len(s)
}

// quotedEnd returns the index just past the literal or quoted identifier
// starting at i, its quote doubled inside.
func quotedEnd(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		if s[j] != q {
			continue
		}
		if j+1 < len(s) && s[j+1] == q {
			j++
			continue
		}
		return j + 1
	}
	return len(s)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

var athenaLineRE = regexp.MustCompile(`\bline (\d+):(\d+)`)

// shiftLines takes the lines put before a statement out of the positions
// Athena reports ("line 3:8:"), so that they point into the user's SQL.
func shiftLines(msg string, lines int) string {
	if lines == 0 {
		return msg
	}
	return athenaLineRE.ReplaceAllStringFunc(msg, func(m string) string {
		p := athenaLineRE.FindStringSubmatch(m)
		n, _ := strconv.Atoi(p[1])
		if n <= lines {
			return m
		}
		return "line " + strconv.Itoa(n-lines) + ":" + p[2]
	})
}
