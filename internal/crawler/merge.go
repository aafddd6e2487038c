package crawler

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// paramNullOnly marks a column that has only ever held nulls: it is typed
// string until a value says otherwise, and any type may replace it.
const paramNullOnly = "ticklake.null_only"

// namedColumn is a file's column under its catalog name.
type namedColumn struct {
	name     string // normalised, unique in the file and apart from the partition keys
	original string
	t        *htype
}

// nameColumns normalises a file's column names with lake.ColumnName. A name
// that clashes with an earlier column or a partition key gets a suffix
// (_2, _3, ...); the name as written stays in the column's parameters.
func nameColumns(cols []columnType, keys []string) []namedColumn {
	used := map[string]bool{}
	for _, k := range keys {
		used[k] = true
	}
	out := make([]namedColumn, 0, len(cols))
	for _, c := range cols {
		base := lake.ColumnName(c.name)
		name := base
		for i := 2; used[name]; i++ {
			name = base + "_" + strconv.Itoa(i)
		}
		used[name] = true
		out = append(out, namedColumn{name: name, original: c.name, t: c.t})
	}
	return out
}

// mergeColumns widens base with a file's columns; new columns are appended,
// and a column whose types cannot be reconciled becomes a string. base is not
// modified. The changes made are returned.
func mergeColumns(base []catalog.Column, file []namedColumn) ([]catalog.Column, []SchemaChange) {
	out := slices.Clone(base)
	var changes []SchemaChange
	for _, fc := range file {
		i := slices.IndexFunc(out, func(c catalog.Column) bool { return c.Name == fc.name })
		if i < 0 {
			out = append(out, newColumn(fc))
			changes = append(changes, SchemaChange{Column: fc.name, To: out[len(out)-1].Type, Kind: ChangeAdded})
			continue
		}
		col, ch, ok := mergeColumn(out[i], fc)
		if ok {
			out[i] = col
			changes = append(changes, ch)
		}
	}
	return out, changes
}

func newColumn(fc namedColumn) catalog.Column {
	col := catalog.Column{Name: fc.name, Type: fc.t.String()}
	if fc.original != fc.name {
		col.Parameters = map[string]string{catalog.ParamOriginalName: fc.original}
	}
	if fc.t.kind == "null" {
		col.Parameters = withParam(col.Parameters, paramNullOnly, "true")
	}
	return col
}

// mergeColumn merges a file's column into the table's; ok is false when
// nothing changed.
func mergeColumn(col catalog.Column, fc namedColumn) (catalog.Column, SchemaChange, bool) {
	ch := SchemaChange{Column: col.Name, From: col.Type}
	if fc.t.kind == "null" {
		return col, ch, false
	}
	if col.Parameters[paramNullOnly] == "true" {
		col.Parameters = maps.Clone(col.Parameters)
		delete(col.Parameters, paramNullOnly)
		if len(col.Parameters) == 0 {
			col.Parameters = nil
		}
		col.Type, ch.To, ch.Kind = fc.t.String(), fc.t.String(), ChangeWidened
		return col, ch, true
	}
	t, ok := widen(col.Type, fc.t.String())
	switch {
	case !ok:
		col.Type, ch.To, ch.Kind = "string", "string", ChangeIncompatible
		ch.Detail = fmt.Sprintf("%s in the table, %s in this file", ch.From, fc.t)
	case t == col.Type:
		return col, ch, false
	default:
		col.Type, ch.To, ch.Kind = t, t, ChangeWidened
	}
	return col, ch, col.Type != ch.From
}

func withParam(p map[string]string, k, v string) map[string]string {
	p = maps.Clone(p)
	if p == nil {
		p = map[string]string{}
	}
	p[k] = v
	return p
}

// mergeKeys checks a file's hive partition folders against the table's
// partition keys and widens the keys' types with the file's values. With
// settled false the file's keys become the table's.
func mergeKeys(keys []catalog.Column, settled bool, kvs []lake.KV) ([]catalog.Column, error) {
	if !settled {
		keys = nil
		for _, kv := range kvs {
			keys = append(keys, catalog.Column{Name: kv.Key, Type: valueType(kv.Value)})
		}
		return keys, nil
	}
	if !slices.Equal(columnNames(keys), kvNames(kvs)) {
		return nil, fmt.Errorf("partition folders %v do not match the table's partition keys %v; move the file",
			kvNames(kvs), columnNames(keys))
	}
	out := slices.Clone(keys)
	for i, kv := range kvs {
		if out[i].Type != valueType(kv.Value) {
			out[i].Type = "string"
		}
	}
	return out, nil
}

// keyChanges reports partition keys whose inferred type changed.
func keyChanges(old, keys []catalog.Column, settled bool) []SchemaChange {
	var out []SchemaChange
	for i := range min(len(old), len(keys)) {
		if settled && old[i].Type != keys[i].Type {
			out = append(out, SchemaChange{Column: keys[i].Name, Kind: ChangeKeys, From: old[i].Type, To: keys[i].Type})
		}
	}
	return out
}

func columnNames(cols []catalog.Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

func kvNames(kvs []lake.KV) []string {
	names := make([]string, len(kvs))
	for i, kv := range kvs {
		names[i] = kv.Key
	}
	return names
}

// valueType infers a partition key's type from one of its values.
func valueType(v string) string {
	if len(v) == len(time.DateOnly) {
		if _, err := time.Parse(time.DateOnly, v); err == nil {
			return "date"
		}
	}
	if _, err := strconv.ParseInt(v, 10, 32); err == nil {
		return "int"
	}
	return "string"
}
