package query

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// view is what the engine remembers of a table's current view: its
// definition and files, for pruning and statistics.
type view struct {
	fingerprint string
	table       catalog.Table
	files       []viewFile
	bytes       int64
	// eventTime is set when every file was written by the sink, which puts
	// a record in the dt/hr partition of its event time (ts): a range on ts
	// then prunes partitions.
	eventTime bool
	// full is set once DuckDB's view reads the files (ensureFullViews).
	full bool
}

// viewFile is one data file of a view.
type viewFile struct {
	key     string
	path    string // local path; "" for a remote lake's file
	bytes   int64
	modTime time.Time
	part    partValue
	schema  string // the catalog's schema id; "" when unknown
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
	return e.refreshMarketViews(ctx)
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
	v := e.localFiles(t, files)
	cols := append(append([]catalog.Column(nil), t.Columns...), t.PartitionKeys...)
	if _, err := e.db.ExecContext(ctx, "CREATE OR REPLACE VIEW "+e.viewName(t.Name)+" AS "+emptySelect(cols)); err != nil {
		return fmt.Errorf("query: creating the view of %s: %s", t.Name, oneLine(err.Error(), ""))
	}
	v.fingerprint = fp
	e.views[t.Name] = v
	e.logger.Debug("view refreshed", "table", t.Name, "files", len(v.files), "version", t.Version)
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
		keys = append(keys, f.Key+"\x00"+strconv.FormatInt(f.Bytes, 10)+"\x00"+f.Schema)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "f %s\n", k)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// localFiles maps file keys to local paths.
func (e *Engine) localFiles(t catalog.Table, files []catalog.File) view {
	v := view{table: t, eventTime: sinkLayout(t)}
	for _, f := range files {
		// Whether the file is still there is checked per query, for the
		// files the query reads (localPaths).
		p, _ := e.store.LocalPath(f.Key)
		if e.cache != nil {
			p = ""
		}
		kvs := map[string]string{}
		for _, kv := range lake.HivePartitions(f.Key) {
			kvs[kv.Key] = kv.Value
		}
		v.files = append(v.files, viewFile{key: f.Key, path: p, bytes: f.Bytes, modTime: f.ModTime, part: parsePart(kvs), schema: f.Schema})
		v.bytes += f.Bytes
		v.eventTime = v.eventTime && isSinkFile(path.Base(f.Key))
	}
	sort.Slice(v.files, func(i, j int) bool { return v.files[i].key < v.files[j].key })
	return v
}

// isSinkFile tells whether name is one the sink gives its files:
// <topic>-<partition>-<first offset>-<last offset>.parquet, offsets of 20
// digits. (The regular expression it replaces cost 5 µs a file, on every
// catalog change of a table of thousands.)
func isSinkFile(name string) bool {
	rest, ok := strings.CutSuffix(name, ".parquet")
	for _, width := range []int{20, 20} {
		i := strings.LastIndexByte(rest, '-')
		if !ok || i < 0 || len(rest)-i-1 != width || !allDigits(rest[i+1:]) {
			return false
		}
		rest = rest[:i]
	}
	i := strings.LastIndexByte(rest, '-')
	return i > 0 && i < len(rest)-1 && allDigits(rest[i+1:])
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sinkLayout tells whether a table is laid out as the sink writes: dt (and
// hr) partitions and an event-time column ts.
func sinkLayout(t catalog.Table) bool {
	hasDT := false
	for _, k := range t.PartitionKeys {
		hasDT = hasDT || k.Name == "dt"
	}
	for _, c := range t.Columns {
		if c.Name == "ts" && strings.EqualFold(c.Type, "timestamp") {
			return hasDT
		}
	}
	return false
}

// ensureFullViews makes DuckDB's views of a local lake's tables read their
// files, for the statements the planner does not rewrite (EXPLAIN, PRAGMA).
// Until then a view binds like its table but reads nothing, so that a
// catalog change costs no file read: planned statements read the files
// through subqueries of their own. A remote lake's views stay empty.
func (e *Engine) ensureFullViews(ctx context.Context) error {
	if e.cache != nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for name, v := range e.views {
		if v.full {
			continue
		}
		files, paths, _, err := e.localPaths(ctx, name, v.files)
		if err != nil {
			return err
		}
		body, err := e.viewBody(ctx, v.table, paths, bodyOpts{uniform: e.uniformFiles(ctx, v.table, files, paths)})
		if err != nil {
			return err
		}
		if _, err := e.db.ExecContext(ctx, "CREATE OR REPLACE VIEW "+e.viewName(name)+" AS "+body); err != nil {
			return fmt.Errorf("query: creating the view of %s: %s", name, oneLine(err.Error(), ""))
		}
		v.full = true
		e.views[name] = v
	}
	return nil
}

// snapshot copies the current views (their file lists are never mutated).
func (e *Engine) snapshot() map[string]view {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]view, len(e.views))
	for k, v := range e.views {
		out[k] = v
	}
	return out
}

// keep returns the files that pass every test.
func (v view) keep(keeps []keepFunc) []viewFile {
	if len(keeps) == 0 {
		return v.files
	}
	var out []viewFile
	for _, f := range v.files {
		ok := true
		for _, k := range keeps {
			ok = ok && k(f.part)
		}
		if ok {
			out = append(out, f)
		}
	}
	return out
}

// scanOf describes reading the kept files of the view.
func (v view) scanOf(table string, kept []viewFile) scan {
	s := scan{table: table, files: len(kept), filesAll: len(v.files)}
	all, read := map[partValue]bool{}, map[partValue]bool{}
	for _, f := range v.files {
		all[f.part] = true
	}
	for _, f := range kept {
		read[f.part] = true
		s.bytes += f.bytes
	}
	s.partitions, s.partitionsPruned = len(read), len(all)-len(read)
	return s
}

func (v view) hasColumn(name string) bool {
	for _, c := range v.table.Columns {
		if c.Name == name {
			return true
		}
	}
	return v.partitionType(name) != ""
}

// partitionType is the catalog type of a partition key, or "".
func (v view) partitionType(name string) string {
	for _, k := range v.table.PartitionKeys {
		if k.Name == name {
			return strings.ToLower(k.Type)
		}
	}
	return ""
}
