package query

// This file walks DuckDB's parse tree: the catalog table and market view
// references of every SELECT and the WHERE predicates that restrict them.

import "strings"

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
