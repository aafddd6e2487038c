package crawler

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// numericRank orders the numeric types a column may widen through.
var numericRank = map[string]int{"tinyint": 1, "smallint": 2, "int": 3, "bigint": 4, "float": 5, "double": 6}

// widen returns the type that holds the values of both a and b: integers
// widen to the larger integer, integers and floating point to double.
func widen(a, b string) (string, bool) {
	if a == b {
		return a, true
	}
	ra, okA := numericRank[a]
	rb, okB := numericRank[b]
	if !okA || !okB {
		return "", false
	}
	if (ra >= numericRank["float"]) != (rb >= numericRank["float"]) {
		return "double", true
	}
	if ra > rb {
		return a, true
	}
	return b, true
}

// mergeColumns widens base with a file's columns; new columns are appended.
// base is not modified.
func mergeColumns(base, file []catalog.Column) ([]catalog.Column, error) {
	out := slices.Clone(base)
	for _, fc := range file {
		i := slices.IndexFunc(out, func(c catalog.Column) bool { return c.Name == fc.Name })
		if i < 0 {
			out = append(out, fc)
			continue
		}
		t, ok := widen(out[i].Type, fc.Type)
		if !ok {
			return nil, fmt.Errorf("column %s is %s in this file but %s in the table; rewrite the file or move it to another table",
				fc.Name, fc.Type, out[i].Type)
		}
		out[i].Type = t
	}
	return out, nil
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
	if !sameKeys(keys, kvs) {
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

func sameKeys(keys []catalog.Column, kvs []lake.KV) bool {
	return slices.Equal(columnNames(keys), kvNames(kvs))
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
