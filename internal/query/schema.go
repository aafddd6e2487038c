package query

// This file reads what the lake's files hold: their schemas, and the SELECT
// that reads a set of them with the catalog's column types.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// sameSchema tells whether every file has the same Parquet schema. Then
// DuckDB reads them without union_by_name, which binds from the first
// file's footer instead of every file's. A wrong "no" only costs time.
// Answers are cached by file set.
func (e *Engine) sameSchema(ctx context.Context, paths []string) bool {
	if len(paths) < 2 {
		return true
	}
	key := sha256.Sum256([]byte(strings.Join(paths, "\x00")))
	if same, ok := e.uniform.get(key); ok {
		return same
	}
	same := e.sameSchemaNow(ctx, paths)
	e.uniform.put(key, same)
	return same
}

// sameSchemaNow compares the files' schema signatures, reading the footers
// of only the files it has not seen (lake files never change).
func (e *Engine) sameSchemaNow(ctx context.Context, paths []string) bool {
	e.sigMu.Lock()
	var missing []string
	for _, p := range paths {
		if _, ok := e.fileSigs[p]; !ok {
			missing = append(missing, p)
		}
	}
	e.sigMu.Unlock()
	sigs, err := e.schemaSigs(ctx, missing)
	if err != nil {
		e.logger.Debug("could not compare the files' schemas", "err", err)
		return false
	}
	e.sigMu.Lock()
	defer e.sigMu.Unlock()
	if len(e.fileSigs)+len(sigs) > maxFileSigs {
		e.fileSigs = map[string]string{}
	}
	for p, sig := range sigs {
		e.fileSigs[p] = sig
	}
	first, ok := e.fileSigs[paths[0]]
	for _, p := range paths {
		if sig, seen := e.fileSigs[p]; !seen || sig != first {
			ok = false
		}
	}
	return ok
}

// maxFileSigs bounds the remembered signatures (a few hundred bytes each).
const maxFileSigs = 1_000_000

// schemaSigs reads the schema signature of each file from its footer.
func (e *Engine) schemaSigs(ctx context.Context, paths []string) (map[string]string, error) {
	out := map[string]string{}
	if len(paths) == 0 {
		return out, nil
	}
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = quoteLiteral(p)
	}
	rows, err := e.db.QueryContext(ctx, `SELECT file_name, string_agg(concat_ws('/', name, type, repetition_type,
		converted_type, CAST(logical_type AS VARCHAR), scale, precision), ',') FROM parquet_schema([`+
		strings.Join(quoted, ", ")+`]) GROUP BY file_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, sig string
		if err := rows.Scan(&name, &sig); err != nil {
			return nil, err
		}
		out[name] = sig
	}
	return out, rows.Err()
}

// bodyOpts says how a view body reads its files.
type bodyOpts struct {
	// uniform is set when the files share one Parquet schema (see
	// uniformFiles): they bind as the first one does.
	uniform bool
	// cold is set when DuckDB has not read the files yet. DuckDB reads a
	// footer once either way, but binding by name (union_by_name) reads
	// them all as it binds and hands the scan their readers, while a scan
	// of files bound as the first one opens each as it goes, under a lock
	// its other threads spin on: a cold count(*) of 1,932 files took 30-40%
	// more CPU. Once the footers are cached, binding by name costs more
	// than it saves (a reader per file at every bind), so warm files bind
	// as the first one.
	cold bool
	// files, when set, is the parameter the statement binds the paths to
	// as it runs (see fileArg); a view cannot take one, and has its paths
	// inline.
	files fileArg
	// used, when set, names the columns the statement may use: the others
	// are left out of the SELECT (see usedColumns).
	used *usedColumns
}

// viewBody is the SELECT behind a table's view: the catalog's columns, then
// its partition keys, each cast to the catalog's type. Columns missing from
// every file read NULL.
func (e *Engine) viewBody(ctx context.Context, t catalog.Table, paths []string, o bodyOpts) (string, error) {
	cols := append(append([]catalog.Column(nil), t.Columns...), t.PartitionKeys...)
	if len(paths) == 0 {
		return emptySelect(cols), nil
	}
	t = e.withJSONKeys(ctx, t, paths)
	files := o.files
	if files.param == "" {
		files = fileArg{paths: paths}
	}
	source, err := readSource(t, files, !o.uniform || o.cold)
	if err != nil {
		return "", err
	}
	// Files of one schema bind as the first one does: describing it alone
	// spares DuckDB checking every path, and serves every set of these
	// files that starts with it. Others are described with their paths
	// inline, outside the statement.
	described := source
	switch {
	case o.uniform:
		described = readParquet(fileArg{paths: paths[:1]}, t.PartitionKeys, false)
	case files.param != "":
		described, _ = readSource(t, fileArg{paths: paths}, !o.uniform || o.cold)
	}
	have, err := e.describe(ctx, described)
	if err != nil {
		return "", fmt.Errorf("query: reading the schema of %s: %s", t.Name, oneLine(err.Error(), ""))
	}
	exprs := make([]string, 0, len(cols))
	for _, c := range cols {
		if o.used == nil || o.used.uses(c.Name) {
			exprs = append(exprs, columnExpr(c, have))
		}
	}
	if len(exprs) == 0 { // count(*): a SELECT needs a column
		exprs = append(exprs, columnExpr(cols[0], have))
	}
	return "SELECT " + strings.Join(exprs, ", ") + " FROM " + source, nil
}

// describe returns the columns (name -> DuckDB type) a source yields, keyed
// by their name in the files.
// Answers are cached by source, which names the files: pruned queries over
// the same partitions do not read the footers twice to bind.
func (e *Engine) describe(ctx context.Context, source string) (map[string]fileColumn, error) {
	key := sha256.Sum256([]byte(source))
	if have, ok := e.schemas.get(key); ok {
		return have, nil
	}
	have, err := e.describeNow(ctx, source)
	if err == nil {
		e.schemas.put(key, have)
	}
	return have, err
}

func (e *Engine) describeNow(ctx context.Context, source string) (map[string]fileColumn, error) {
	rows, err := e.db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+source+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]fileColumn{}
	for rows.Next() {
		var fc fileColumn
		if err := rows.Scan(&fc.name, &fc.typ); err != nil {
			return nil, err
		}
		have[fc.name] = fc
	}
	return have, rows.Err()
}

type fileColumn struct{ name, typ string }

// setCache remembers what was learnt of file sets (their columns, whether
// they share a schema); it is small and simply emptied when full.
type setCache[V any] struct {
	mu sync.Mutex
	m  map[[32]byte]V
}

const setCacheSize = 256

func (c *setCache[V]) get(k [32]byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *setCache[V]) put(k [32]byte, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= setCacheSize {
		c.m = map[[32]byte]V{}
	}
	c.m[k] = v
}

func columnExpr(c catalog.Column, have map[string]fileColumn) string {
	typ, ok := duckType(c.Type)
	fc, present := findColumn(c, have)
	switch {
	case !present:
		if !ok {
			typ = "VARCHAR"
		}
		return fmt.Sprintf("CAST(NULL AS %s) AS %s", typ, quoteIdent(c.Name))
	case !ok || strings.EqualFold(fc.typ, typ):
		return quoteIdent(fc.name) + " AS " + quoteIdent(c.Name)
	default:
		return fmt.Sprintf("CAST(%s AS %s) AS %s", quoteIdent(fc.name), typ, quoteIdent(c.Name))
	}
}

// findColumn finds the file column of a catalog column: by its
// original_name parameter, by its name, or by the normalised file name
// (Parquet written by others with "Adj Close" for adj_close).
func findColumn(c catalog.Column, have map[string]fileColumn) (fileColumn, bool) {
	if fc, ok := have[fileName(c)]; ok {
		return fc, true
	}
	if fc, ok := have[c.Name]; ok {
		return fc, true
	}
	for _, fc := range have {
		if lake.ColumnName(fc.name) == c.Name {
			return fc, true
		}
	}
	return fileColumn{}, false
}

// emptySelect binds like the table but yields no rows.
func emptySelect(cols []catalog.Column) string {
	exprs := make([]string, 0, len(cols))
	for _, c := range cols {
		typ, ok := duckType(c.Type)
		if !ok {
			typ = "VARCHAR"
		}
		exprs = append(exprs, fmt.Sprintf("CAST(NULL AS %s) AS %s", typ, quoteIdent(c.Name)))
	}
	if len(exprs) == 0 {
		return "SELECT NULL AS empty WHERE false"
	}
	return "SELECT " + strings.Join(exprs, ", ") + " WHERE false"
}

// readParquet is the table function call reading the files with the
// partition keys typed as the catalog says.
func readParquet(files fileArg, keys []catalog.Column, unionByName bool) string {
	return "read_parquet(" + files.sql() + ", union_by_name = " + strconv.FormatBool(unionByName) + hiveParams(keys) + ")"
}
