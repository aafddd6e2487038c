package query

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// plan is how a statement runs: the SQL handed to DuckDB (the user's, or
// one whose pruned table references read only the files they need) and
// what each table reference reads.
type plan struct {
	sql    string
	parsed bool // DuckDB's parser took it as one SELECT (pruning applies)
	scans  []scan
	fetch  fetchStats
}

// scan is what one reference to a catalog table reads.
type scan struct {
	table            string
	files, filesAll  int
	bytes            int64
	partitions       int // partitions read
	partitionsPruned int // partitions skipped before DuckDB saw a file
}

// tableRef is one reference to a catalog table in the parse tree, with the
// predicates of its SELECT that restrict it.
type tableRef struct {
	node  map[string]any
	table string
	alias string
	keeps []keepFunc
}

// plan parses the statement with DuckDB's own parser (json_serialize_sql),
// finds the predicates on dt, hr and ts that restrict each catalog table
// reference, and replaces every reference by a subquery over just the files
// it needs. Statements the parser cannot serialise (EXPLAIN, PRAGMA,
// non-reads) run as written, over DuckDB's views.
func (e *Engine) plan(ctx context.Context, conn *sql.Conn, query string) (*plan, error) {
	tree, n, ok := serialize(ctx, conn, query)
	switch {
	case !ok:
		// Not rewritten: check it before the views read every file.
		if err := checkReadOnly(conn, query); err != nil {
			return nil, err
		}
		return &plan{sql: query}, e.ensureFullViews(ctx)
	case n > 1:
		return nil, &queryError{msg: "query: several statements in one request; send one statement at a time (remove the extra ';')"}
	}
	views := e.snapshot()
	w := &walker{views: views, database: e.cfg.Database, ctes: map[string]bool{}}
	collectCTEs(tree, w.ctes)
	w.walk(tree)
	if w.unrewritten {
		if e.cache != nil {
			return nil, &queryError{msg: "query: tables of an S3 lake are read only when named as table or database.table in FROM; query_table(), query() and catalog-qualified names see them empty"}
		}
		if err := e.ensureFullViews(ctx); err != nil {
			return nil, err
		}
	}
	changed := len(w.markets) > 0
	for _, m := range w.markets {
		if err := e.expandMarket(ctx, conn, w, m); err != nil {
			return nil, err
		}
	}
	p := &plan{sql: query, parsed: true}
	for _, r := range w.refs {
		v := views[r.table]
		kept := v.files
		if !w.deepColumns && !e.cfg.DisablePruning {
			kept = v.keep(r.keeps)
		}
		p.scans = append(p.scans, v.scanOf(r.table, kept))
		paths, fs, err := e.localPaths(ctx, kept)
		p.fetch.add(fs)
		if err != nil {
			return nil, err
		}
		if err := e.replaceRef(ctx, conn, r, v, paths); err != nil {
			return nil, err
		}
		changed = true
	}
	if changed {
		rewritten, err := deserialize(ctx, conn, tree)
		if err != nil {
			return nil, err
		}
		p.sql = rewritten
	}
	return p, nil
}

// serialize returns DuckDB's parse tree of query and its statement count;
// ok is false when DuckDB cannot serialise it (anything but SELECT).
func serialize(ctx context.Context, conn *sql.Conn, query string) (any, int, bool) {
	var raw string
	if err := conn.QueryRowContext(ctx, "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", query).Scan(&raw); err != nil {
		return nil, 0, false
	}
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber() // query_location is a uint64 that must round-trip
	if err := dec.Decode(&doc); err != nil {
		return nil, 0, false
	}
	if isErr, _ := doc["error"].(bool); isErr {
		return nil, 0, false
	}
	n := len(asList(doc["statements"]))
	return doc, n, n >= 1
}

func deserialize(ctx context.Context, conn *sql.Conn, tree any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return "", fmt.Errorf("query: encoding the pruned plan: %w", err)
	}
	var out string
	if err := conn.QueryRowContext(ctx, "SELECT json_deserialize_sql(?::JSON)::VARCHAR", buf.String()).Scan(&out); err != nil {
		return "", fmt.Errorf("query: rendering the pruned plan: %s", oneLine(err.Error(), ""))
	}
	return out, nil
}

// replaceRef turns the reference's node, in place, into a subquery over the
// kept files under the same alias, so the rest of the statement binds as
// before.
func (e *Engine) replaceRef(ctx context.Context, conn *sql.Conn, r *tableRef, v view, paths []string) error {
	body, err := e.viewBody(ctx, v.table, paths, e.sameSchema(ctx, paths))
	if err != nil {
		return err
	}
	if err := replaceNode(ctx, conn, r.node, body, r.alias); err != nil {
		return fmt.Errorf("query: pruning %s: %w", r.table, err)
	}
	return nil
}

// replaceNode turns a table reference node, in place, into the subquery
// body under alias, keeping its sample and column aliases.
func replaceNode(ctx context.Context, conn *sql.Conn, node map[string]any, body, alias string) error {
	tree, _, ok := serialize(ctx, conn, "SELECT * FROM ("+body+") AS "+quoteIdent(alias))
	if !ok {
		return fmt.Errorf("parsing the subquery failed")
	}
	stmt, _ := asList(tree.(map[string]any)["statements"])[0].(map[string]any)
	top, _ := stmt["node"].(map[string]any)
	sub, _ := top["from_table"].(map[string]any)
	if sub == nil {
		return fmt.Errorf("the subquery has no FROM")
	}
	sub["sample"] = node["sample"]
	sub["column_name_alias"] = node["column_name_alias"]
	for k := range node {
		delete(node, k)
	}
	for k, val := range sub {
		node[k] = val
	}
	return nil
}

// localPaths returns the files' local paths, fetching a remote lake's files
// into the cache first.
func (e *Engine) localPaths(ctx context.Context, files []viewFile) ([]string, fetchStats, error) {
	if e.cache != nil {
		return e.cache.fetch(ctx, files)
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	return paths, fetchStats{}, nil
}

// collectCTEs gathers every CTE name in the tree: a reference by such a name
// may mean the CTE, so it is never taken for a catalog table.
func collectCTEs(node any, out map[string]bool) {
	switch x := node.(type) {
	case map[string]any:
		if cm, ok := x["cte_map"].(map[string]any); ok {
			for _, e := range asList(cm["map"]) {
				if em, ok := e.(map[string]any); ok {
					if k, ok := em["key"].(string); ok {
						out[strings.ToLower(k)] = true
					}
				}
			}
		}
		for _, v := range x {
			collectCTEs(v, out)
		}
	case []any:
		for _, v := range x {
			collectCTEs(v, out)
		}
	}
}

// walker finds the catalog table references of every SELECT in the tree.
type walker struct {
	views    map[string]view
	database string
	ctes     map[string]bool
	refs     []*tableRef
	markets  []*marketRef
	// unrewritten is set when the statement reaches a table through DuckDB's
	// own views (memory.ticklake.trades, query_table('trades')): those
	// views must then read the files.
	unrewritten bool
	deepColumns bool // a column named schema.table.column: leave aliases alone
}

func (w *walker) walk(node any) {
	switch x := node.(type) {
	case map[string]any:
		if x["class"] == "COLUMN_REF" && len(asList(x["column_names"])) > 2 {
			w.deepColumns = true
		}
		if x["type"] == "SELECT_NODE" {
			w.selectNode(x)
		}
		if fn, ok := x["function_name"].(string); ok && x["class"] == "FUNCTION" {
			switch strings.ToLower(fn) {
			case "query", "query_table", "json_execute_serialized_sql":
				w.unrewritten = true
			}
		}
		for _, v := range x {
			w.walk(v)
		}
	case []any:
		for _, v := range x {
			w.walk(v)
		}
	}
}

// from is what a SELECT's FROM clause holds at its own level.
type from struct {
	items   int
	refs    []*tableRef
	markets []*marketRef
	other   bool // a subquery, table function, CTE or non-catalog table
	natural bool
	unsafe  bool // an ASOF, POSITIONAL or LATERAL join: filtering a side changes matches
	using   map[string]bool
}

func (w *walker) selectNode(n map[string]any) {
	f := &from{using: map[string]bool{}}
	w.fromItems(n["from_table"], f)
	w.refs = append(w.refs, f.refs...)
	w.markets = append(w.markets, f.markets...)
	if f.unsafe {
		return
	}
	for _, c := range conjuncts(n["where_clause"]) {
		pr, ok := parsePredicate(c)
		if !ok {
			continue
		}
		if m := marketTarget(f, pr.column); m != nil {
			m.restrict(pr)
			continue
		}
		ref := w.target(f, pr.column)
		if ref == nil {
			continue
		}
		if k, ok := w.keepFor(ref.table, pr); ok {
			ref.keeps = append(ref.keeps, k)
		}
	}
}

func (w *walker) fromItems(node any, f *from) {
	m, ok := node.(map[string]any)
	if !ok {
		return
	}
	switch m["type"] {
	case "JOIN":
		switch m["ref_type"] {
		case "NATURAL":
			f.natural = true
		case "REGULAR", "CROSS":
		default:
			f.unsafe = true
		}
		for _, u := range asList(m["using_columns"]) {
			if s, ok := u.(string); ok {
				f.using[strings.ToLower(s)] = true
			}
		}
		w.fromItems(m["left"], f)
		w.fromItems(m["right"], f)
	case "BASE_TABLE":
		f.items++
		if r := w.catalogRef(m); r != nil {
			f.refs = append(f.refs, r)
			return
		}
		if r := w.marketRef(m); r != nil {
			f.markets = append(f.markets, r)
		} else {
			w.noteUnrewritten(m)
		}
		f.other = true
	case "EMPTY", nil:
	default:
		f.items++
		f.other = true
	}
}

// noteUnrewritten marks a reference that names a catalog table or market
// view but that the planner leaves to DuckDB (unless a CTE is meant).
func (w *walker) noteUnrewritten(m map[string]any) {
	name, _ := m["table_name"].(string)
	schema, _ := m["schema_name"].(string)
	name = strings.ToLower(name)
	_, table := w.views[name]
	_, market := findMarketView(name)
	if (table || market) && !(schema == "" && w.ctes[name]) {
		w.unrewritten = true
	}
}

// catalogRef returns the reference when m names a catalog table's view.
func (w *walker) catalogRef(m map[string]any) *tableRef {
	name, _ := m["table_name"].(string)
	schema, _ := m["schema_name"].(string)
	cat, _ := m["catalog_name"].(string)
	name = strings.ToLower(name)
	if _, ok := w.views[name]; !ok || (w.ctes[name] && schema == "") || cat != "" || m["at_clause"] != nil {
		return nil
	}
	if schema != "" && !strings.EqualFold(schema, w.database) {
		return nil
	}
	alias, _ := m["alias"].(string)
	if alias == "" {
		alias = name
	}
	return &tableRef{node: m, table: name, alias: alias}
}

// target resolves a predicate's column to the reference it restricts, or
// nil when that is not certain.
func (w *walker) target(f *from, col []string) *tableRef {
	if len(col) == 2 {
		for _, r := range f.refs {
			if strings.EqualFold(r.alias, col[0]) && len(asList(r.node["column_name_alias"])) == 0 {
				return r
			}
		}
		return nil
	}
	if f.other || f.natural || f.using[col[0]] {
		return nil
	}
	var found *tableRef
	for _, r := range f.refs {
		if w.views[r.table].hasColumn(col[0]) {
			if found != nil || len(asList(r.node["column_name_alias"])) > 0 {
				return nil
			}
			found = r
		}
	}
	return found
}

// keepFor builds the pruning test of a predicate on table's column; ok is
// false when the column is not one pruning understands.
func (w *walker) keepFor(table string, pr predicate) (keepFunc, bool) {
	v := w.views[table]
	name := pr.column[len(pr.column)-1]
	switch {
	case name == "dt" && v.partitionType("dt") != "":
		if t := v.partitionType("dt"); t != "date" && t != "string" {
			return nil, false
		}
		return dateKeep(pr)
	case name == "hr" && isIntType(v.partitionType("hr")):
		return hourKeep(pr)
	case name == "ts" && v.eventTime:
		return timeKeep(pr)
	}
	return nil, false
}

func isIntType(t string) bool {
	switch t {
	case "int", "integer", "bigint", "smallint", "tinyint":
		return true
	}
	return false
}
