package crawler

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/ticklake/ticklake/internal/lake"
)

// readFooter reads only the footer of a Parquet object: the schema (and its
// id) and the row count, never the column chunks.
func readFooter(ctx context.Context, store lake.Store, key string) (s sample, err error) {
	r, err := store.ReadAt(ctx, key)
	if err != nil {
		return s, fmt.Errorf("opening: %w", err)
	}
	defer r.Close()
	if r.Size() == 0 {
		return s, errors.New("empty file, not Parquet; delete it or move it under a _ folder")
	}
	// A corrupt footer can make the thrift decoder panic; that is bad input,
	// not a bug of ours.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt Parquet footer: %v", p)
		}
	}()
	f, err := parquet.OpenFile(r, r.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return s, fmt.Errorf("not a readable Parquet file (%w); delete it or move it under a _ folder", err)
	}
	for _, fl := range f.Schema().Fields() {
		t, err := parseType(hiveType(fl))
		if err != nil {
			return s, fmt.Errorf("column %s: %w", fl.Name(), err)
		}
		s.columns = append(s.columns, columnType{name: fl.Name(), t: t})
	}
	s.rows = f.NumRows()
	if s.schema, err = schemaID(f.Metadata().Schema); err != nil {
		return s, err
	}
	return s, nil
}

// hiveType names a node's type as Glue and Athena do.
func hiveType(n parquet.Node) string {
	if n.Repeated() {
		return "array<" + baseType(n) + ">"
	}
	return baseType(n)
}

// baseType is hiveType ignoring the node's own repetition.
func baseType(n parquet.Node) string {
	if n.Leaf() {
		return leafType(n.Type())
	}
	lt, ct := n.Type().LogicalType(), n.Type().ConvertedType()
	switch {
	case isLogical[*format.ListType](lt) || isConverted(ct, deprecated.List):
		return listType(n)
	case isLogical[*format.MapType](lt) || isConverted(ct, deprecated.Map, deprecated.MapKeyValue):
		return mapType(n)
	}
	return structType(n.Fields())
}

// listType follows the Parquet LIST rules, including the legacy two-level
// forms.
func listType(n parquet.Node) string {
	fields := n.Fields()
	if len(fields) != 1 {
		return "array<" + structType(fields) + ">"
	}
	rep := fields[0]
	if rep.Leaf() || !rep.Repeated() {
		return "array<" + baseType(rep) + ">"
	}
	inner := rep.Fields()
	if len(inner) == 1 && rep.Name() != "array" && !strings.HasSuffix(rep.Name(), "_tuple") {
		return "array<" + hiveType(inner[0]) + ">"
	}
	return "array<" + structType(inner) + ">"
}

func mapType(n parquet.Node) string {
	fields := n.Fields()
	if len(fields) == 1 && !fields[0].Leaf() && len(fields[0].Fields()) == 2 {
		kv := fields[0].Fields()
		return "map<" + hiveType(kv[0]) + "," + hiveType(kv[1]) + ">"
	}
	return structType(fields)
}

// structType keeps nested field names as written: engines address them by
// their names in the file.
func structType(fields []parquet.Field) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.Name() + ":" + hiveType(f)
	}
	return "struct<" + strings.Join(parts, ",") + ">"
}

func leafType(t parquet.Type) string {
	if s := logicalLeafType(t.LogicalType()); s != "" {
		return s
	}
	if s := convertedLeafType(t.ConvertedType()); s != "" {
		return s
	}
	switch t.Kind() {
	case parquet.Boolean:
		return "boolean"
	case parquet.Int32:
		return "int"
	case parquet.Int64:
		return "bigint"
	case parquet.Int96:
		return "timestamp"
	case parquet.Float:
		return "float"
	case parquet.Double:
		return "double"
	case parquet.ByteArray:
		return "string"
	}
	return "binary"
}

func logicalLeafType(lt *format.LogicalType) string {
	if lt == nil {
		return ""
	}
	switch v := lt.Value.(type) {
	case *format.StringType, *format.EnumType, *format.JsonType, *format.UUIDType:
		return "string"
	case *format.DateType:
		return "date"
	case *format.TimestampType:
		return "timestamp"
	case *format.TimeType:
		return "bigint"
	case *format.DecimalType:
		return fmt.Sprintf("decimal(%d,%d)", v.Precision, v.Scale)
	case *format.IntType:
		return intType(v.BitWidth, v.IsSigned)
	case *format.Float16Type:
		return "float"
	}
	return ""
}

func convertedLeafType(ct *deprecated.ConvertedType) string {
	if ct == nil {
		return ""
	}
	switch *ct {
	case deprecated.UTF8, deprecated.Enum, deprecated.Json:
		return "string"
	case deprecated.Date:
		return "date"
	case deprecated.TimestampMillis, deprecated.TimestampMicros:
		return "timestamp"
	case deprecated.Int8:
		return intType(8, true)
	case deprecated.Int16:
		return intType(16, true)
	case deprecated.Uint32, deprecated.Int64, deprecated.Uint64:
		return "bigint"
	}
	return ""
}

// intType widens unsigned integers to the next signed type Hive has.
func intType(bits int8, signed bool) string {
	if !signed {
		bits *= 2
	}
	switch {
	case bits <= 8:
		return "tinyint"
	case bits <= 16:
		return "smallint"
	case bits <= 32:
		return "int"
	}
	return "bigint"
}

func isLogical[T format.LogicalTypeValue](lt *format.LogicalType) bool {
	if lt == nil {
		return false
	}
	_, ok := lt.Value.(T)
	return ok
}

func isConverted(ct *deprecated.ConvertedType, want ...deprecated.ConvertedType) bool {
	if ct == nil {
		return false
	}
	for _, w := range want {
		if *ct == w {
			return true
		}
	}
	return false
}
