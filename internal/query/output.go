package query

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteJSON writes the whole result as one JSON object:
// {"columns":[...],"rows":[[...]],"stats":{...}}.
func (r *Result) WriteJSON(w io.Writer) error {
	if err := json.NewEncoder(w).Encode(r); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// WriteCSV writes a header row and one record per row; NULL is an empty
// field, nested values are JSON.
func (r *Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		header[i] = c.Name
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	rec := make([]string, len(r.Columns))
	for _, row := range r.Rows {
		for i, v := range row {
			rec[i] = cell(v, "")
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}

// WriteTable writes an aligned text table: a header, a separator line, the
// rows (numbers right-aligned, NULL spelt out) and a "(N rows)" line.
func (r *Result) WriteTable(w io.Writer) error {
	cells := make([][]string, len(r.Rows))
	widths := make([]int, len(r.Columns))
	for i, c := range r.Columns {
		widths[i] = utf8.RuneCountInString(c.Name)
	}
	for ri, row := range r.Rows {
		cells[ri] = make([]string, len(row))
		for i, v := range row {
			s := strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(cell(v, "NULL"))
			cells[ri][i] = s
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	bw := bufio.NewWriter(w)
	names := make([]string, len(r.Columns))
	rules := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		names[i] = pad(c.Name, widths[i], false)
		rules[i] = strings.Repeat("-", widths[i])
	}
	writeLine(bw, names)
	writeLine(bw, rules)
	for _, row := range cells {
		for i := range row {
			row[i] = pad(row[i], widths[i], isNumeric(r.Columns[i].Type))
		}
		writeLine(bw, row)
	}
	if len(r.Rows) == 1 {
		fmt.Fprintln(bw, "(1 row)")
	} else {
		fmt.Fprintf(bw, "(%d rows)\n", len(r.Rows))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}

func writeLine(w *bufio.Writer, cells []string) {
	w.WriteString(strings.TrimRight(strings.Join(cells, "  "), " "))
	w.WriteByte('\n')
}

func pad(s string, width int, right bool) string {
	n := width - utf8.RuneCountInString(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}

// isNumeric reports whether a DuckDB type holds numbers.
func isNumeric(typ string) bool {
	switch typ {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
		"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
		"FLOAT", "DOUBLE":
		return true
	}
	return strings.HasPrefix(typ, "DECIMAL")
}

// cell renders one JSON-safe value as text.
func cell(v any, null string) string {
	switch x := v.(type) {
	case nil:
		return null
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return formatFloat(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case []any, map[string]any:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

// formatFloat writes floats like encoding/json: plain decimals unless very
// large or small.
func formatFloat(f float64) string {
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
