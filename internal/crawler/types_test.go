package crawler

import (
	"bytes"
	"context"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestHiveTypes writes a file with one column per Parquet type and reads its
// footer back, so the mapping is checked on the schema as a file stores it.
func TestHiveTypes(t *testing.T) {
	tests := []struct {
		name string
		node parquet.Node
		want string
	}{
		{"bool", parquet.Leaf(parquet.BooleanType), "boolean"},
		{"i32", parquet.Leaf(parquet.Int32Type), "int"},
		{"i64", parquet.Leaf(parquet.Int64Type), "bigint"},
		{"i8", parquet.Int(8), "tinyint"},
		{"u32", parquet.Uint(32), "bigint"},
		{"f32", parquet.Leaf(parquet.FloatType), "float"},
		{"f64", parquet.Leaf(parquet.DoubleType), "double"},
		{"bytes", parquet.Leaf(parquet.ByteArrayType), "string"},
		{"str", parquet.String(), "string"},
		{"opt_str", parquet.Optional(parquet.String()), "string"},
		{"enum", parquet.Enum(), "string"},
		{"json", parquet.JSON(), "string"},
		{"date", parquet.Date(), "date"},
		{"ts_ms", parquet.Timestamp(parquet.Millisecond), "timestamp"},
		{"ts_ns", parquet.Timestamp(parquet.Nanosecond), "timestamp"},
		{"dec", parquet.Decimal(2, 10, parquet.Int64Type), "decimal(10,2)"},
		{"list", parquet.List(parquet.Leaf(parquet.Int64Type)), "array<bigint>"},
		{"rep", parquet.Repeated(parquet.String()), "array<string>"},
		{"map", parquet.Map(parquet.String(), parquet.Leaf(parquet.DoubleType)), "map<string,double>"},
		{"grp", parquet.Group{"a": parquet.String(), "b": parquet.List(parquet.Group{"x": parquet.Int(32)})},
			"struct<a:string,b:array<struct<x:int>>>"},
	}
	group := parquet.Group{}
	for _, tt := range tests {
		group[tt.name] = tt.node
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, parquet.NewSchema("all", group))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t)
	env.put(t, "all.parquet", buf.Bytes())
	ft, err := readFooter(context.Background(), env.store, "all.parquet")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range ft.columns {
		got[c.name] = c.t.String()
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got[tt.name] != tt.want {
				t.Errorf("type = %q; want %q", got[tt.name], tt.want)
			}
		})
	}
}

func TestWiden(t *testing.T) {
	tests := []struct {
		name, a, b, want string
		ok               bool
	}{
		{"same", "string", "string", "string", true},
		{"int to bigint", "int", "bigint", "bigint", true},
		{"bigint stays", "bigint", "int", "bigint", true},
		{"int to double", "int", "double", "double", true},
		{"float and bigint", "float", "bigint", "double", true},
		{"float to double", "float", "double", "double", true},
		{"string and int", "string", "int", "", false},
		{"timestamp and bigint", "timestamp", "bigint", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := widen(tt.a, tt.b)
			if got != tt.want || ok != tt.ok {
				t.Errorf("widen(%s, %s) = %s, %v; want %s, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestValueType(t *testing.T) {
	tests := []struct{ value, want string }{
		{"2026-11-02", "date"}, {"14", "int"}, {"07", "int"}, {"2026-13-45", "string"}, {"NYSE", "string"},
		{"99999999999", "string"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			if got := valueType(tt.value); got != tt.want {
				t.Errorf("valueType(%q) = %s; want %s", tt.value, got, tt.want)
			}
		})
	}
}
