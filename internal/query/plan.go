package query

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// plan is how a statement runs: the SQL handed to DuckDB (the user's, or
// one whose pruned table references read only the files they need) and
// what each table reference reads.
type plan struct {
	sql    string
	parsed bool // DuckDB's parser took it as one SELECT (pruning applies)
	// args bind sql's file-list parameters (see fileArg); with any, sql
	// binds its files only as it runs.
	args  []driver.NamedValue
	scans []scan
	fetch fetchStats
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
		return nil, &queryError{msg: "query: several statements in one request; send one statement at a time (remove the extra ';'; a PIVOT needs an explicit IN list)"}
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
	subs := newSubstitutions()
	used := findUsedColumns(tree)
	for _, r := range w.refs {
		v := views[r.table]
		kept := v.files
		if !w.deepColumns && !e.cfg.DisablePruning {
			kept = v.keep(r.keeps)
		}
		cold := e.cache == nil && !e.stamps.known(kept)
		kept, paths, fs, err := e.localPaths(ctx, r.table, kept)
		p.fetch.add(fs)
		if err != nil {
			return nil, err
		}
		p.scans = append(p.scans, v.scanOf(r.table, kept))
		if err := e.replaceRef(ctx, r, v, kept, paths, cold, used, subs); err != nil {
			return nil, err
		}
		changed = true
	}
	if changed {
		rewritten, err := deserialize(ctx, conn, tree)
		if err != nil {
			return nil, err
		}
		p.sql, p.args = subs.apply(rewritten), subs.args
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

// replaceRef points the reference's node, in place, at a placeholder that
// the rendered statement swaps for a subquery over the kept files, under
// the same alias, so the rest of the statement binds as before; it
// projects only the columns the statement may use. The file
// list never goes through DuckDB's parse tree, nor its SQL text: it is a
// parameter of the statement (see fileArg).
func (e *Engine) replaceRef(ctx context.Context, r *tableRef, v view, files []viewFile, paths []string, cold bool, used usedColumns, subs *substitutions) error {
	o := bodyOpts{uniform: e.uniformFiles(ctx, v.table, files, paths), cold: cold}
	if len(asList(r.node["column_name_alias"])) == 0 { // t(a, b) renames columns by position
		o.used = &used
	}
	if len(paths) > 0 {
		o.files = subs.files(paths)
	}
	body, err := e.viewBody(ctx, v.table, paths, o)
	if err != nil {
		return err
	}
	r.node["table_name"] = subs.add(body)
	r.node["schema_name"], r.node["catalog_name"], r.node["alias"] = "", "", r.alias
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

// localPaths returns the files to read and their local paths, fetching a
// remote lake's files into the cache first. A local file gone from the
// disk (deleted before a crawl unregistered it) is left out, as the crawl
// will; one changed since DuckDB last read it gets a new spelling (see
// fileStamps).
func (e *Engine) localPaths(ctx context.Context, table string, files []viewFile) ([]viewFile, []string, fetchStats, error) {
	if e.cache != nil {
		paths, fs, err := e.cache.fetch(ctx, files)
		return files, paths, fs, err
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	paths, gone, newlyGone := e.stamps.paths(paths)
	for _, p := range newlyGone {
		e.logger.Warn("catalogued file is missing; leaving it out until a crawl unregisters it", "table", table, "path", p)
	}
	if !slices.Contains(gone, true) {
		return files, paths, fetchStats{}, nil
	}
	var keptFiles []viewFile
	var keptPaths []string
	for i, f := range files {
		if !gone[i] {
			keptFiles, keptPaths = append(keptFiles, f), append(keptPaths, paths[i])
		}
	}
	return keptFiles, keptPaths, fetchStats{}, nil
}
