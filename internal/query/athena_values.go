package query

// This file maps Athena's result sets (every value a string, typed by the
// column info) onto Result's column types and JSON-safe values, so that
// both engines share the writers.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

// athenaTypes maps Athena (Trino) type names to the DuckDB names Result
// columns carry. Types not listed (array, map, row, json, varbinary,
// intervals, ...) stay VARCHAR holding Athena's text of the value.
var athenaTypes = map[string]string{
	"varchar":                  "VARCHAR",
	"char":                     "VARCHAR",
	"string":                   "VARCHAR",
	"tinyint":                  "TINYINT",
	"smallint":                 "SMALLINT",
	"integer":                  "INTEGER",
	"int":                      "INTEGER",
	"bigint":                   "BIGINT",
	"double":                   "DOUBLE",
	"real":                     "FLOAT",
	"float":                    "FLOAT",
	"boolean":                  "BOOLEAN",
	"date":                     "DATE",
	"time":                     "TIME",
	"timestamp":                "TIMESTAMP",
	"timestamp with time zone": "TIMESTAMPTZ",
}

func athenaColumns(cols []types.ColumnInfo) []Column {
	out := make([]Column, len(cols))
	for i, c := range cols {
		name := aws.ToString(c.Label)
		if name == "" {
			name = aws.ToString(c.Name)
		}
		out[i] = Column{Name: name, Type: athenaType(c)}
	}
	return out
}

func athenaType(c types.ColumnInfo) string {
	t := strings.ToLower(aws.ToString(c.Type))
	if t == "decimal" {
		return fmt.Sprintf("DECIMAL(%d,%d)", c.Precision, c.Scale)
	}
	if d, ok := athenaTypes[t]; ok {
		return d
	}
	return "VARCHAR"
}

// athenaValue converts one value as Result documents: integers beyond
// ±2^53 and wide decimals as strings, NaN and infinities as null,
// timestamps as RFC 3339 in UTC. A value that does not parse as its type
// is kept as Athena's text.
func athenaValue(c types.ColumnInfo, v *string) any {
	if v == nil {
		return nil
	}
	s := *v
	switch t := athenaType(c); {
	case t == "TINYINT" || t == "SMALLINT" || t == "INTEGER" || t == "BIGINT":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return safeInt(n)
		}
	case t == "DOUBLE" || t == "FLOAT":
		if f, err := strconv.ParseFloat(s, 64); err == nil { // NaN, Infinity included
			return safeFloat(f)
		}
	case t == "BOOLEAN":
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	case t == "TIMESTAMP" || t == "TIMESTAMPTZ":
		if ts, ok := athenaTime(s); ok {
			return ts.UTC().Format(time.RFC3339Nano)
		}
	case strings.HasPrefix(t, "DECIMAL"):
		if digits := strings.TrimLeft(s, "-+"); len(strings.ReplaceAll(digits, ".", "")) <= 15 {
			return json.Number(s)
		}
	}
	return s
}

// athenaTime parses Athena's timestamp text: "2026-11-02 14:30:00.123",
// optionally followed by a zone ("UTC", "America/New_York", "+01:00").
func athenaTime(s string) (time.Time, bool) {
	const layout = "2006-01-02 15:04:05.999999999"
	if len(s) < len("2006-01-02 15:04:05") {
		return time.Time{}, false
	}
	stamp, zone, _ := strings.Cut(s[len("2006-01-02 "):], " ")
	stamp = s[:len("2006-01-02 ")] + stamp
	loc := time.UTC
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		} else if t, err := time.Parse(layout+" -07:00", stamp+" "+zone); err == nil {
			return t, true
		} else {
			return time.Time{}, false
		}
	}
	t, err := time.ParseInLocation(layout, stamp, loc)
	return t, err == nil
}
