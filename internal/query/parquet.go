package query

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

// WriteParquet writes the result as one zstd Parquet file, from Go: SQL
// never writes files. Every column is optional and keeps its name and
// order. Integers become INT64, floats DOUBLE, BOOLEAN stays, DATE is a
// DATE, timestamps are nanosecond TIMESTAMPs (UTC-adjusted for TIMESTAMPTZ),
// and everything else (DECIMAL, HUGEINT, UUID, nested values, ...) is its
// text, nested values as JSON.
func (r *Result) WriteParquet(w io.Writer) error {
	typ, kinds := parquetRowType(r.Columns)
	pw := parquet.NewWriter(w, parquet.SchemaOf(reflect.New(typ).Interface()), parquet.Compression(&parquet.Zstd))
	for _, row := range r.Rows {
		v := reflect.New(typ)
		for i, val := range row {
			if err := setParquetField(v.Elem().Field(i), kinds[i], val); err != nil {
				return fmt.Errorf("writing Parquet: column %s: %w", r.Columns[i].Name, err)
			}
		}
		if err := pw.Write(v.Interface()); err != nil {
			return fmt.Errorf("writing Parquet: %w", err)
		}
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("writing Parquet: %w", err)
	}
	return nil
}

type parquetKind int

const (
	pqString parquetKind = iota
	pqInt
	pqFloat
	pqBool
	pqDate
	pqTimestamp
)

// parquetRowType builds a struct type whose fields are the result's columns,
// in order: reflect.StructOf keeps field order, which a Parquet group built
// from a map would not.
func parquetRowType(cols []Column) (reflect.Type, []parquetKind) {
	fields := make([]reflect.StructField, len(cols))
	kinds := make([]parquetKind, len(cols))
	seen := map[string]int{}
	for i, c := range cols {
		name := strings.NewReplacer(",", "_", `"`, "_").Replace(c.Name)
		if name == "" || name == "-" {
			name = "col" + strconv.Itoa(i)
		}
		if n := seen[name]; n > 0 {
			name += "_" + strconv.Itoa(n+1)
		}
		seen[name]++
		kind, goType, tag := parquetColumn(c.Type)
		kinds[i] = kind
		fields[i] = reflect.StructField{
			Name: "F" + strconv.Itoa(i),
			Type: reflect.PointerTo(goType),
			Tag:  reflect.StructTag(`parquet:"` + name + `,optional` + tag + `"`),
		}
	}
	return reflect.StructOf(fields), kinds
}

func parquetColumn(duck string) (parquetKind, reflect.Type, string) {
	switch {
	case isIntType(strings.ToLower(duck)) || duck == "UTINYINT" || duck == "USMALLINT" || duck == "UINTEGER":
		return pqInt, reflect.TypeFor[int64](), ""
	case duck == "DOUBLE" || duck == "FLOAT":
		return pqFloat, reflect.TypeFor[float64](), ""
	case duck == "BOOLEAN":
		return pqBool, reflect.TypeFor[bool](), ""
	case duck == "DATE":
		return pqDate, reflect.TypeFor[int32](), ",date"
	case duck == "TIMESTAMP WITH TIME ZONE" || duck == "TIMESTAMPTZ":
		return pqTimestamp, reflect.TypeFor[int64](), ",timestamp(nanosecond)"
	case strings.HasPrefix(duck, "TIMESTAMP"):
		return pqTimestamp, reflect.TypeFor[int64](), ",timestamp(nanosecond:local)"
	}
	return pqString, reflect.TypeFor[string](), ""
}

// setParquetField stores one JSON-safe value (see Result) in a field.
func setParquetField(f reflect.Value, kind parquetKind, v any) error {
	if v == nil {
		return nil
	}
	p := reflect.New(f.Type().Elem())
	switch kind {
	case pqInt:
		n, err := toInt64(v)
		if err != nil {
			return err
		}
		p.Elem().SetInt(n)
	case pqFloat:
		x, ok := v.(float64)
		if !ok {
			return fmt.Errorf("unexpected %T", v)
		}
		p.Elem().SetFloat(x)
	case pqBool:
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("unexpected %T", v)
		}
		p.Elem().SetBool(b)
	case pqDate, pqTimestamp:
		n, err := timeValue(kind, v)
		if err != nil {
			return err
		}
		p.Elem().SetInt(n)
	default:
		p.Elem().SetString(cell(v, ""))
	}
	f.Set(p)
	return nil
}

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int8, int16, int32, int, uint8, uint16, uint32:
		return reflect.ValueOf(x).Convert(reflect.TypeFor[int64]()).Int(), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	case json.Number:
		return x.Int64()
	}
	return 0, fmt.Errorf("unexpected %T", v)
}

// timeValue turns the text form of a DATE (days since the epoch) or a
// timestamp (nanoseconds since the epoch) back into its number.
func timeValue(kind parquetKind, v any) (int64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("unexpected %T", v)
	}
	if kind == pqDate {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return 0, err
		}
		return d.Unix() / 86400, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, err
	}
	return t.UnixNano(), nil
}
