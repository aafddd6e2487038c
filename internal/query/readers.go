package query

// This file picks the DuckDB table function that reads a table's files by
// the table's classification, as the crawler (or Glue) recorded it:
// read_parquet, read_json or read_csv, each with the catalog's partition
// keys as typed hive partitions.

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// paramCompression is the table parameter naming the compression of its
// text files (gzip, zstd), as Glue's crawler writes it.
const paramCompression = "compressionType"

// isParquet tells whether a table's files are Parquet (the sink's, and a
// table without a classification).
func isParquet(t catalog.Table) bool {
	c := strings.ToLower(t.Classification)
	return c == "" || c == "parquet"
}

// readSource is the table function call reading the files as the table's
// classification says. unionByName matters for Parquet and CSV, whose
// files name their own columns.
func readSource(t catalog.Table, files fileArg, unionByName bool) (string, error) {
	switch strings.ToLower(t.Classification) {
	case "", "parquet":
		return readParquet(files, t.PartitionKeys, unionByName), nil
	case "json":
		return readJSON(t, files), nil
	case "csv":
		return readCSV(t, files), nil
	}
	return "", fmt.Errorf("query: table %s is classified %q; the engine reads parquet, json and csv tables (re-crawl it or fix its classification)", t.Name, t.Classification)
}

// readJSON reads one object per file, JSON Lines or arrays of objects
// (format auto tells them apart per file) with the catalog's columns
// declared under their names in the files: nothing is sampled, and a key
// missing from a file reads NULL.
func readJSON(t catalog.Table, files fileArg) string {
	cols := make([]string, 0, len(t.Columns))
	for _, c := range t.Columns {
		typ, ok := duckType(c.Type)
		if !ok {
			typ = "VARCHAR" // the value's JSON text
		}
		cols = append(cols, quoteLiteral(fileName(c))+": "+quoteLiteral(typ))
	}
	var b strings.Builder
	b.WriteString("read_json(" + files.sql() + ", format = 'auto', records = true")
	b.WriteString(", columns = {" + strings.Join(cols, ", ") + "}")
	b.WriteString(", compression = " + quoteLiteral(compression(t, files.paths, "uncompressed", "auto_detect")))
	b.WriteString(hiveParams(t.PartitionKeys) + ")")
	return b.String()
}

// readCSV reads files with a header row, every field as text: the columns
// are matched by the header's names across files (union_by_name) and cast
// to the catalog's types by the view, so a value beyond the sniffer's
// sample cannot fail the read with a type DuckDB guessed. A table whose
// skip.header.line.count is 0 (made by others) is read by position.
func readCSV(t catalog.Table, files fileArg) string {
	delim := t.Parameters[catalog.ParamDelimiter]
	if delim == "" {
		delim = ","
	}
	header := true
	if n, err := strconv.Atoi(t.Parameters["skip.header.line.count"]); err == nil && n == 0 {
		header = false
	}
	var b strings.Builder
	b.WriteString("read_csv(" + files.sql() + ", delim = " + quoteLiteral(delim))
	b.WriteString(", header = " + strconv.FormatBool(header) + ", all_varchar = true, union_by_name = " + strconv.FormatBool(header))
	if !header {
		// Without a header the fields are the catalog's columns in order.
		names := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			names[i] = quoteLiteral(fileName(c))
		}
		b.WriteString(", names = [" + strings.Join(names, ", ") + "]")
	}
	b.WriteString(", compression = " + quoteLiteral(compression(t, files.paths, "none", "auto")))
	b.WriteString(hiveParams(t.PartitionKeys) + ")")
	return b.String()
}

// fileName is the column's name in the files: its original_name parameter
// when the crawler normalised it ("Adj Close" for adj_close).
func fileName(c catalog.Column) string {
	if orig := c.Parameters[catalog.ParamOriginalName]; orig != "" {
		return orig
	}
	return c.Name
}

// compression is the compression DuckDB is told: the one every file's
// extension names (.gz, .zst; none for x.json or x.csv), the table's
// compressionType for files whose names say nothing (part-00000, as Spark
// and Glue jobs write), or auto (per file, by extension) when they differ.
// The crawler sets compressionType when any file is compressed, so a
// table may hold plain files beside gzip ones.
func compression(t catalog.Table, paths []string, none, auto string) string {
	seen := ""
	for i, p := range paths {
		c := extCompression(p)
		if c == "" && !textExt[strings.ToLower(path.Ext(p))] {
			c = strings.ToLower(t.Parameters[paramCompression])
		}
		if i > 0 && c != seen {
			return auto
		}
		seen = c
	}
	switch seen {
	case "gzip", "zstd":
		return seen
	case "":
		return none
	}
	return auto
}

// textExt are the extensions of uncompressed text files.
var textExt = map[string]bool{".json": true, ".jsonl": true, ".ndjson": true, ".csv": true, ".tsv": true, ".txt": true}

// extCompression is the compression a file name's extension names.
func extCompression(p string) string {
	switch strings.ToLower(path.Ext(p)) {
	case ".gz", ".gzip":
		return "gzip"
	case ".zst", ".zstd":
		return "zstd"
	}
	return ""
}

// hiveParams types the partition keys as the catalog says (not as DuckDB
// would guess them from the folder names), or switches hive partitioning
// off for an unpartitioned table, so that a k=v folder name never adds a
// column the catalog does not have.
func hiveParams(keys []catalog.Column) string {
	if len(keys) == 0 {
		return ", hive_partitioning = false"
	}
	types := make([]string, 0, len(keys))
	for _, k := range keys {
		typ, ok := duckType(k.Type)
		if !ok {
			typ = "VARCHAR"
		}
		types = append(types, quoteLiteral(k.Name)+": "+typ)
	}
	return ", hive_partitioning = true, hive_types = {" + strings.Join(types, ", ") + "}"
}

func quotePaths(paths []string) string {
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = quoteLiteral(p)
	}
	return strings.Join(quoted, ", ")
}

// uniformFiles tells whether the files (at paths) share one schema, so
// that Parquet can skip union_by_name. The catalog's schema ids answer
// without a file read when every file has one (the crawler records them);
// otherwise the footers are compared. Text files are always read by name.
func (e *Engine) uniformFiles(ctx context.Context, t catalog.Table, files []viewFile, paths []string) bool {
	if !isParquet(t) {
		return false
	}
	if same, known := sameSchemaID(files); known {
		return same
	}
	return e.sameSchema(ctx, paths)
}

// sameSchemaID compares the files' schema ids from the catalog; known is
// false when a file has none.
func sameSchemaID(files []viewFile) (same, known bool) {
	for _, f := range files {
		if f.schema == "" {
			return false, false
		}
	}
	for _, f := range files {
		if f.schema != files[0].schema {
			return false, true
		}
	}
	return true, true
}

// withJSONKeys names, for a JSON table, the key in the files of each
// column that has no original_name parameter but no key of its own name
// either, from the keys of the first file. DuckDB matches JSON keys
// exactly, while catalogs made by other crawlers (AWS Glue's) lower-case
// names without recording the original, and Athena's JSON SerDe matches
// keys case-insensitively: "CloseUSD" is read as closeusd here too.
func (e *Engine) withJSONKeys(ctx context.Context, t catalog.Table, paths []string) catalog.Table {
	if strings.ToLower(t.Classification) != "json" || len(paths) == 0 {
		return t
	}
	if !slices.ContainsFunc(t.Columns, func(c catalog.Column) bool { return c.Parameters[catalog.ParamOriginalName] == "" }) {
		return t
	}
	src := "read_json_auto([" + quoteLiteral(paths[0]) + "], compression = " +
		quoteLiteral(compression(t, paths[:1], "uncompressed", "auto_detect")) + ", hive_partitioning = false)"
	have, err := e.describe(ctx, src)
	if err != nil {
		e.logger.Debug("could not read the keys of a JSON file", "table", t.Name, "err", err)
		return t
	}
	keys := slices.Sorted(maps.Keys(have))
	cols := slices.Clone(t.Columns)
	for i, c := range cols {
		if _, ok := have[c.Name]; ok || c.Parameters[catalog.ParamOriginalName] != "" {
			continue
		}
		if k := slices.IndexFunc(keys, func(k string) bool { return lake.ColumnName(k) == c.Name }); k >= 0 {
			cols[i].Parameters = maps.Clone(c.Parameters)
			if cols[i].Parameters == nil {
				cols[i].Parameters = map[string]string{}
			}
			cols[i].Parameters[catalog.ParamOriginalName] = keys[k]
		}
	}
	t.Columns = cols
	return t
}
