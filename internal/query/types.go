package query

import (
	"strings"
)

// simpleTypes maps Hive/Glue scalar type names to DuckDB's. Catalog
// timestamps are nanoseconds, as ticklake writes them.
var simpleTypes = map[string]string{
	"string":    "VARCHAR",
	"varchar":   "VARCHAR",
	"char":      "VARCHAR",
	"bigint":    "BIGINT",
	"int":       "INTEGER",
	"integer":   "INTEGER",
	"smallint":  "SMALLINT",
	"tinyint":   "TINYINT",
	"double":    "DOUBLE",
	"float":     "FLOAT",
	"boolean":   "BOOLEAN",
	"timestamp": "TIMESTAMP_NS",
	"date":      "DATE",
	"binary":    "BLOB",
	"decimal":   "DECIMAL(10,0)",
}

// duckType maps a Hive type (string, array<bigint>, map<string,int>,
// struct<a:int,b:string>, decimal(18,3), ...) to a DuckDB type; ok is false
// for types it does not know.
func duckType(hive string) (string, bool) {
	h := strings.ToLower(strings.TrimSpace(hive))
	if t, ok := simpleTypes[h]; ok {
		return t, true
	}
	name, args, isParam := strings.Cut(h, "(")
	if isParam && strings.HasSuffix(args, ")") {
		switch strings.TrimSpace(name) {
		case "decimal":
			return "DECIMAL(" + strings.ReplaceAll(strings.TrimSuffix(args, ")"), " ", "") + ")", true
		case "varchar", "char":
			return "VARCHAR", true
		}
	}
	name, inner, isNested := strings.Cut(h, "<")
	if !isNested || !strings.HasSuffix(inner, ">") {
		return "", false
	}
	return nestedType(strings.TrimSpace(name), strings.TrimSuffix(inner, ">"))
}

func nestedType(name, inner string) (string, bool) {
	parts := splitTop(inner)
	switch {
	case name == "array" && len(parts) == 1:
		t, ok := duckType(parts[0])
		return t + "[]", ok
	case name == "map" && len(parts) == 2:
		k, okK := duckType(parts[0])
		v, okV := duckType(parts[1])
		return "MAP(" + k + ", " + v + ")", okK && okV
	case name == "struct" && len(parts) > 0:
		fields := make([]string, 0, len(parts))
		for _, p := range parts {
			fname, ftype, found := strings.Cut(p, ":")
			t, ok := duckType(ftype)
			if !found || !ok {
				return "", false
			}
			fields = append(fields, quoteIdent(strings.TrimSpace(fname))+" "+t)
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")", true
	}
	return "", false
}

// splitTop splits s at the commas not nested in <>, () brackets.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '<', '(':
			depth++
		case '>', ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}
