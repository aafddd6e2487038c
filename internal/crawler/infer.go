package crawler

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ticklake/ticklake/internal/lake"
)

// inferJSON infers the columns of JSON data: one object, a sequence of
// objects (JSON Lines), or one array of objects. Top-level columns keep the
// order they are first written in. complete says buf is the whole file;
// otherwise a record cut by the sample's end is ignored.
func inferJSON(buf []byte, complete bool) (sample, error) {
	d := &jsonSampler{dec: json.NewDecoder(bytes.NewReader(buf)), row: &htype{kind: "struct"}}
	d.dec.UseNumber()
	err := d.run()
	switch {
	case err != nil && (complete || d.rows == 0):
		return sample{}, err
	case d.rows == 0:
		return sample{}, errors.New("no JSON records; delete the file or move it under a _ folder")
	}
	cols := make([]columnType, len(d.row.fields))
	for i, f := range d.row.fields {
		cols[i] = columnType{name: f.name, t: f.t}
	}
	return sample{columns: cols, rows: d.rows}, nil
}

// jsonSampler walks a JSON stream record by record.
type jsonSampler struct {
	dec  *json.Decoder
	row  *htype
	rows int64
}

func (d *jsonSampler) run() error {
	for {
		offset := d.dec.InputOffset()
		tok, err := d.dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return d.bad(offset, err)
		}
		switch {
		case tok == json.Delim('{'):
			err = d.object(offset)
		case tok == json.Delim('[') && d.rows == 0:
			err = d.array()
		default:
			err = fmt.Errorf("record %d is a JSON %v, not an object; each record must be an object", d.rows+1, tok)
		}
		if err != nil {
			return err
		}
	}
}

func (d *jsonSampler) bad(offset int64, err error) error {
	return fmt.Errorf("invalid or truncated JSON after byte %d (%v); fix or remove the file", offset, err)
}

// array reads a top-level array of objects.
func (d *jsonSampler) array() error {
	for d.dec.More() {
		offset := d.dec.InputOffset()
		tok, err := d.dec.Token()
		if err != nil {
			return d.bad(offset, err)
		}
		if tok != json.Delim('{') {
			return fmt.Errorf("element %d of the top-level array is not an object; each record must be an object", d.rows+1)
		}
		if err := d.object(offset); err != nil {
			return err
		}
	}
	_, err := d.dec.Token()
	return err
}

// object reads the fields of one record whose { was consumed.
func (d *jsonSampler) object(offset int64) error {
	t := &htype{kind: "struct"}
	for d.dec.More() {
		k, err := d.dec.Token()
		if err != nil {
			return d.bad(offset, err)
		}
		var v any
		if err := d.dec.Decode(&v); err != nil {
			return d.bad(offset, err)
		}
		name, _ := k.(string)
		t.fields = append(t.fields, hfield{name: name, t: valueHType(v)})
	}
	if _, err := d.dec.Token(); err != nil {
		return d.bad(offset, err)
	}
	d.row = mergeTop(d.row, t)
	d.rows++
	return nil
}

// mergeTop merges a record into the row type; a field whose types conflict
// becomes a string rather than failing the file.
func mergeTop(row, rec *htype) *htype {
	out := &htype{kind: "struct", fields: slices.Clone(row.fields)}
	for _, f := range rec.fields {
		i := slices.IndexFunc(out.fields, func(o hfield) bool { return o.name == f.name })
		if i < 0 {
			out.fields = append(out.fields, f)
			continue
		}
		t, ok := mergeType(out.fields[i].t, f.t)
		if !ok {
			t = prim("string")
		}
		out.fields[i].t = t
	}
	return out
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "value"
}

// sortedKeys returns an object's keys. encoding/json forgets their order, so
// they come sorted: stable across files, which is what merging needs.
func sortedKeys(obj map[string]any) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// valueHType types one JSON value. Conflicting element types of an array
// make an array of strings.
func valueHType(v any) *htype {
	switch v := v.(type) {
	case nil:
		return nullType
	case bool:
		return prim("boolean")
	case string:
		return prim("string")
	case json.Number:
		return numberType(string(v))
	case []any:
		elem := nullType
		for _, e := range v {
			t, ok := mergeType(elem, valueHType(e))
			if !ok {
				t = prim("string")
			}
			elem = t
		}
		return &htype{kind: "array", elem: elem}
	case map[string]any:
		t := &htype{kind: "struct"}
		for _, k := range sortedKeys(v) {
			t.fields = append(t.fields, hfield{name: structFieldName(k), t: valueHType(v[k])})
		}
		return t
	}
	return prim("string")
}

// structFieldName keeps a nested name as written unless it would break the
// type's syntax.
func structFieldName(k string) string {
	if k == "" || strings.ContainsAny(k, ",:<>") {
		return lake.ColumnName(k)
	}
	return k
}

// numberType is int, bigint or double, by what the literal needs.
func numberType(s string) *htype {
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if n >= math.MinInt32 && n <= math.MaxInt32 {
				return prim("int")
			}
			return prim("bigint")
		}
	}
	return prim("double")
}

// inferCSV infers the columns of CSV data with a header row. The delimiter
// is the one of , ; | and tab the header uses most.
func inferCSV(buf []byte, complete bool) (sample, error) {
	header, _, _ := bytes.Cut(buf, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(buf))
	r.Comma = delimiter(header)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	names, err := r.Read()
	if err != nil {
		return sample{}, fmt.Errorf("reading the CSV header (%v); the first line must name the columns", err)
	}
	names = slices.Clone(names)
	for i, n := range names {
		if n = strings.TrimSpace(strings.TrimPrefix(n, "\ufeff")); n == "" {
			n = fmt.Sprintf("col_%d", i)
		}
		names[i] = n
	}
	types := make([]*htype, len(names))
	for i := range types {
		types[i] = nullType
	}
	var rows int64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !complete {
				break
			}
			return sample{}, fmt.Errorf("invalid CSV at record %d (%v); fix or remove the file", rows+1, err)
		}
		if !complete && r.InputOffset() >= int64(len(buf)) {
			break // possibly cut by the sample's end
		}
		for i := range min(len(rec), len(types)) {
			t, ok := mergeType(types[i], csvValueType(rec[i]))
			if !ok {
				t = prim("string")
			}
			types[i] = t
		}
		rows++
	}
	cols := make([]columnType, len(names))
	for i, n := range names {
		cols[i] = columnType{name: n, t: types[i]}
	}
	return sample{columns: cols, rows: rows, delimiter: r.Comma}, nil
}

func delimiter(header []byte) rune {
	best, n := ',', bytes.Count(header, []byte(","))
	for _, d := range []rune{';', '|', '\t'} {
		if c := bytes.Count(header, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

// csvValueType types one CSV field: empty is null; then integer, double,
// boolean, else string.
func csvValueType(s string) *htype {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nullType
	case strings.EqualFold(s, "true") || strings.EqualFold(s, "false"):
		return prim("boolean")
	case !strings.ContainsAny(s[:1], "0123456789+-."):
		return prim("string")
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return numberType(s)
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP_") {
		return prim("double")
	}
	return prim("string")
}
