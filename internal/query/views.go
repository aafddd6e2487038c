package query

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// view is what the engine remembers of a table's current view.
type view struct {
	fingerprint string
	files       int
	bytes       int64
}

// refresh brings the views in line with the catalog: it re-creates the views
// of tables whose schema or file set changed and drops those of tables gone.
// The catalog is read on every query; DuckDB is touched only on changes.
func (e *Engine) refresh(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	tables, err := e.cat.Tables(ctx, e.cfg.Database)
	if err != nil {
		return fmt.Errorf("query: listing tables of %s: %w", e.cfg.Database, err)
	}
	seen := map[string]bool{}
	for _, t := range tables {
		seen[t.Name] = true
		// One unreadable table must not break queries of the others: keep
		// its previous view (retried next time) and say why.
		if err := e.refreshTable(ctx, t); err != nil {
			if ctx.Err() != nil {
				return err
			}
			e.logger.Warn("keeping the previous view of a table", "table", t.Name, "err", err)
		}
	}
	for name := range e.views {
		if !seen[name] {
			if _, err := e.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+e.viewName(name)); err != nil {
				return fmt.Errorf("query: dropping view %s: %w", name, err)
			}
			delete(e.views, name)
		}
	}
	return nil
}

func (e *Engine) refreshTable(ctx context.Context, t catalog.Table) error {
	files, err := e.cat.Files(ctx, e.cfg.Database, t.Name)
	if err != nil {
		return fmt.Errorf("query: listing files of %s: %w", t.Name, err)
	}
	fp := fingerprint(t, files)
	if e.views[t.Name].fingerprint == fp {
		return nil
	}
	paths, bytes := e.localFiles(t.Name, files)
	body, err := e.viewBody(ctx, t, paths)
	if err != nil {
		return err
	}
	if _, err := e.db.ExecContext(ctx, "CREATE OR REPLACE VIEW "+e.viewName(t.Name)+" AS "+body); err != nil {
		return fmt.Errorf("query: creating the view of %s: %s", t.Name, oneLine(err.Error(), ""))
	}
	e.views[t.Name] = view{fingerprint: fp, files: len(paths), bytes: bytes}
	e.logger.Debug("view refreshed", "table", t.Name, "files", len(paths), "version", t.Version)
	return nil
}

func (e *Engine) viewName(table string) string {
	return quoteIdent(e.cfg.Database) + "." + quoteIdent(table)
}

// fingerprint identifies a table's definition and file set.
func fingerprint(t catalog.Table, files []catalog.File) string {
	h := sha256.New()
	fmt.Fprintf(h, "v%d\n", t.Version)
	for _, c := range append(append([]catalog.Column(nil), t.Columns...), t.PartitionKeys...) {
		fmt.Fprintf(h, "c %s %s\n", c.Name, c.Type)
	}
	keys := make([]string, 0, len(files))
	for _, f := range files {
		keys = append(keys, f.Key+"\x00"+strconv.FormatInt(f.Bytes, 10))
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "f %s\n", k)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// localFiles maps file keys to local paths, skipping files that are gone
// (a view over a missing file would fail every query).
func (e *Engine) localFiles(table string, files []catalog.File) ([]string, int64) {
	var paths []string
	var bytes int64
	for _, f := range files {
		p, _ := e.store.LocalPath(f.Key)
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			e.logger.Warn("catalogued file is missing; leaving it out of the view", "table", table, "key", f.Key)
			continue
		}
		paths = append(paths, p)
		bytes += f.Bytes
	}
	sort.Strings(paths)
	return paths, bytes
}

// viewBody is the SELECT behind a table's view: the catalog's columns, then
// its partition keys, each cast to the catalog's type. Columns missing from
// every file read NULL.
func (e *Engine) viewBody(ctx context.Context, t catalog.Table, paths []string) (string, error) {
	cols := append(append([]catalog.Column(nil), t.Columns...), t.PartitionKeys...)
	if len(paths) == 0 {
		return emptySelect(cols), nil
	}
	source := readParquet(paths, t.PartitionKeys)
	have, err := e.describe(ctx, source)
	if err != nil {
		return "", fmt.Errorf("query: reading the schema of %s: %s", t.Name, oneLine(err.Error(), ""))
	}
	exprs := make([]string, 0, len(cols))
	for _, c := range cols {
		exprs = append(exprs, columnExpr(c, have))
	}
	return "SELECT " + strings.Join(exprs, ", ") + " FROM " + source, nil
}

// describe returns the columns (name -> DuckDB type) a source yields, keyed
// by their normalised name.
func (e *Engine) describe(ctx context.Context, source string) (map[string]fileColumn, error) {
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
		have[lake.ColumnName(fc.name)] = fc
	}
	return have, rows.Err()
}

type fileColumn struct{ name, typ string }

func columnExpr(c catalog.Column, have map[string]fileColumn) string {
	typ, ok := duckType(c.Type)
	fc, present := have[c.Name]
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

// readParquet is the table function call reading paths with the partition
// keys typed as the catalog says.
func readParquet(paths []string, keys []catalog.Column) string {
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = quoteLiteral(p)
	}
	var b strings.Builder
	b.WriteString("read_parquet([" + strings.Join(quoted, ", ") + "], union_by_name = true")
	if len(keys) > 0 {
		types := make([]string, 0, len(keys))
		for _, k := range keys {
			typ, ok := duckType(k.Type)
			if !ok {
				typ = "VARCHAR"
			}
			types = append(types, quoteLiteral(k.Name)+": "+typ)
		}
		b.WriteString(", hive_partitioning = true, hive_types = {" + strings.Join(types, ", ") + "}")
	} else {
		b.WriteString(", hive_partitioning = false")
	}
	b.WriteString(")")
	return b.String()
}

// scanned sums the files and bytes of the named tables' views.
func (e *Engine) scanned(tables []string) (files int, bytes int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range tables {
		v := e.views[t]
		files += v.files
		bytes += v.bytes
	}
	return files, bytes
}
