package replay

import (
	"slices"
	"strconv"
)

// column is one CSV column and how it is encoded.
type column struct {
	field  []byte // the quoted JSON field name followed by ':'
	number bool
}

// schema is how a file's rows become JSON objects.
type schema struct {
	cols []column
	key  int // column index of the key, -1 for none
}

// newSchema derives the schema from the header and the first data row.
func newSchema(cfg Config, header, first []string) *schema {
	tutorial := slices.Equal(header, TutorialColumns)
	strs := cfg.StringColumns
	if len(strs) == 0 && tutorial {
		strs = []string{"Index", "Date"}
	}
	s := &schema{key: -1}
	keyCol := cfg.KeyColumn
	if keyCol == "" && tutorial {
		keyCol = "Index"
	}
	for i, name := range header {
		number := !slices.Contains(strs, name)
		if len(cfg.StringColumns) == 0 && !tutorial && first != nil && i < len(first) {
			_, ok := parseNumber(first[i])
			number = ok
		}
		field := name
		if to, ok := cfg.Rename[name]; ok {
			field = to
		}
		s.cols = append(s.cols, column{field: append(strconv.AppendQuote(nil, field), ':'), number: number})
		if name == keyCol {
			s.key = i
		}
	}
	return s
}

// parseNumber reads a CSV cell as a JSON-safe number.
func parseNumber(cell string) (float64, bool) {
	f, err := strconv.ParseFloat(cell, 64)
	if err != nil || f != f || f > 1.7e308 || f < -1.7e308 {
		return 0, false
	}
	return f, true
}

// encode appends the row's JSON object to dst, or reports why it cannot.
func (s *schema) encode(dst []byte, row []string) ([]byte, string) {
	if len(row) != len(s.cols) {
		return dst, "has " + strconv.Itoa(len(row)) + " columns, the header has " + strconv.Itoa(len(s.cols))
	}
	dst = append(dst, '{')
	for i, c := range s.cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, c.field...)
		if !c.number {
			dst = strconv.AppendQuote(dst, row[i])
			continue
		}
		f, ok := parseNumber(row[i])
		if !ok {
			return dst, "column " + string(c.field[:len(c.field)-1]) + " is " + strconv.Quote(row[i]) + ", not a number"
		}
		dst = appendJSONNumber(dst, f)
	}
	return append(dst, '}'), ""
}

// appendJSONNumber formats f as encoding/json does.
func appendJSONNumber(dst []byte, f float64) []byte {
	abs := f
	if abs < 0 {
		abs = -abs
	}
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.AppendFloat(dst, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}
