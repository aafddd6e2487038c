package sink

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
)

// jsonTable is the table of a topic ticklake does not know: each record must
// be a JSON object, and each file's schema is inferred from the records it
// holds. Every column is nullable; numbers that are all integers are BIGINT,
// else DOUBLE; a field whose values disagree in type, and nested values, are
// kept as their JSON text. A field that appears for the first time widens
// the schema of the range's file, so versions that interleave share one file
// and nothing is dropped. The schema depends only on the range's records, so
// rewriting a range reproduces its files.
type jsonTable struct {
	enc   *encoder
	hours map[lake.Partition]*jsonHour
	n     int
}

type jsonHour struct {
	rows        []jsonRow
	first, last int64
}

// jsonRow is one record's fields, keyed by the original field name.
type jsonRow struct {
	part   int32
	offset int64
	fields map[string]any // bool, json.Number, string, or json.RawMessage (nested)
}

// kind orders the inferred column types; widening goes to text.
type kind int

const (
	kindBool kind = iota + 1
	kindInt
	kindFloat
	kindText
)

func newJSONTable(enc *encoder) *jsonTable {
	return &jsonTable{enc: enc, hours: make(map[lake.Partition]*jsonHour)}
}

func (t *jsonTable) add(r *kgo.Record) error {
	fields, err := decodeObject(r.Value)
	if err != nil {
		return err
	}
	p := lake.PartitionOf(r.Timestamp)
	h := t.hours[p]
	if h == nil {
		h = &jsonHour{first: r.Offset}
		t.hours[p] = h
	}
	h.rows = append(h.rows, jsonRow{part: r.Partition, offset: r.Offset, fields: fields})
	h.last = r.Offset
	t.n++
	return nil
}

// decodeObject parses a JSON object, keeping numbers exact and nested
// values as raw JSON.
func decodeObject(b []byte) (map[string]any, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("decoding JSON object: %w", err)
	}
	if raw == nil {
		return nil, errors.New("decoding JSON object: the value is null, not an object")
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		switch v[0] {
		case 'n':
			continue // null: absent
		case 't', 'f':
			out[k] = v[0] == 't'
		case '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("decoding field %q: %w", k, err)
			}
			out[k] = s
		case '{', '[':
			var buf bytes.Buffer
			_ = json.Compact(&buf, v) // valid: Unmarshal checked it
			out[k] = json.RawMessage(buf.Bytes())
		default:
			out[k] = json.Number(v)
		}
	}
	return out, nil
}

func (t *jsonTable) rows() int { return t.n }

func (t *jsonTable) reset() {
	clear(t.hours)
	t.n = 0
}

func (t *jsonTable) encode(topic string, part int32, ingest time.Time, extra map[string]string) ([]encodedFile, error) {
	parts := slices.SortedFunc(maps.Keys(t.hours), func(a, b lake.Partition) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Hour, b.Hour))
	})
	files := make([]encodedFile, 0, len(parts))
	for _, p := range parts {
		h := t.hours[p]
		data, err := encodeInferred(t.enc, h.rows, ingest, topic, part, h.first, h.last, extra)
		if err != nil {
			return nil, fmt.Errorf("encoding %s partition %d offsets %d-%d: %w", topic, part, h.first, h.last, err)
		}
		files = append(files, encodedFile{partition: p, firstOffset: h.first, lastOffset: h.last, rows: int64(len(h.rows)), data: data})
	}
	return files, nil
}

// inferKinds finds each field's column type over rows.
func inferKinds(rows []jsonRow) map[string]kind {
	kinds := make(map[string]kind)
	for _, r := range rows {
		for name, v := range r.fields {
			kinds[name] = widen(kinds[name], kindOf(v))
		}
	}
	return kinds
}

func kindOf(v any) kind {
	switch x := v.(type) {
	case bool:
		return kindBool
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return kindInt
		}
		return kindFloat
	}
	return kindText
}

func widen(a, b kind) kind {
	switch {
	case a == 0 || a == b:
		return b
	case (a == kindInt && b == kindFloat) || (a == kindFloat && b == kindInt):
		return kindFloat
	}
	return kindText
}

// column is one inferred column: its lake name, source field and type.
type column struct {
	name, field string
	kind        kind
}

// inferColumns names the columns with lake.ColumnName; two fields that
// normalise alike get numbered suffixes rather than share a column.
func inferColumns(kinds map[string]kind) []column {
	fields := slices.Sorted(maps.Keys(kinds))
	taken := map[string]bool{"_kafka_partition": true, "_kafka_offset": true, "_ingest_time": true}
	cols := make([]column, 0, len(fields))
	for _, f := range fields {
		name := lake.ColumnName(f)
		for i := 2; taken[name]; i++ {
			name = lake.ColumnName(f) + "_" + strconv.Itoa(i)
		}
		taken[name] = true
		cols = append(cols, column{name: name, field: f, kind: kinds[f]})
	}
	return cols
}

// encodeInferred writes rows as one Parquet file with their inferred schema.
func encodeInferred(enc *encoder, rows []jsonRow, ingest time.Time, topic string, part int32, first, last int64, extra map[string]string) ([]byte, error) {
	cols := inferColumns(inferKinds(rows))
	group := parquet.Group{
		"_kafka_partition": parquet.Int(32),
		"_kafka_offset":    parquet.Int(64),
		"_ingest_time":     parquet.Timestamp(parquet.Microsecond),
	}
	names := make(map[string]string, len(cols))
	byName := make(map[string]column, len(cols))
	for _, c := range cols {
		group[c.name] = parquet.Optional(leafOf(c.kind))
		names[c.name] = c.field
		byName[c.name] = c
	}
	schema := parquet.NewSchema(topic, group)
	colNames, _ := json.Marshal(names) // strings always marshal
	meta := fileMeta(topic, part, first, last, string(colNames))
	maps.Copy(meta, extra)
	opts := []parquet.WriterOption{schema, parquet.Compression(enc.codec), parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.CreatedBy("ticklake", "", "")}
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		opts = append(opts, parquet.KeyValueMetadata(k, meta[k]))
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, opts...)
	leaves := schema.Columns()
	out := make([]parquet.Row, 0, len(rows))
	for _, r := range rows {
		row := make(parquet.Row, 0, len(leaves))
		for i, path := range leaves {
			row = append(row, cellOf(path[0], r, byName, ingest).Level(0, defLevel(path[0], r, byName), i))
		}
		out = append(out, row)
	}
	if _, err := w.WriteRows(out); err != nil {
		return nil, fmt.Errorf("writing rows: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("closing writer: %w", err)
	}
	return buf.Bytes(), nil
}

func leafOf(k kind) parquet.Node {
	switch k {
	case kindBool:
		return parquet.Leaf(parquet.BooleanType)
	case kindInt:
		return parquet.Int(64)
	case kindFloat:
		return parquet.Leaf(parquet.DoubleType)
	}
	return parquet.String()
}

// defLevel is 1 for a present optional value, 0 for a null or a required
// audit column.
func defLevel(name string, r jsonRow, byName map[string]column) int {
	c, ok := byName[name]
	if !ok {
		return 0
	}
	if _, present := r.fields[c.field]; present {
		return 1
	}
	return 0
}

// cellOf is the value of one column of one row.
func cellOf(name string, r jsonRow, byName map[string]column, ingest time.Time) parquet.Value {
	switch name {
	case "_kafka_partition":
		return parquet.ValueOf(r.part)
	case "_kafka_offset":
		return parquet.ValueOf(r.offset)
	case "_ingest_time":
		return parquet.ValueOf(ingest.UnixMicro())
	}
	c := byName[name]
	v, ok := r.fields[c.field]
	if !ok {
		return parquet.NullValue()
	}
	switch c.kind {
	case kindBool:
		return parquet.ValueOf(v.(bool))
	case kindInt:
		n, _ := v.(json.Number).Int64()
		return parquet.ValueOf(n)
	case kindFloat:
		f, _ := v.(json.Number).Float64()
		return parquet.ValueOf(f)
	}
	return parquet.ValueOf(textOf(v))
}

// textOf renders a value of a text column: strings as they are, anything
// else as its JSON text.
func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.RawMessage:
		return string(x)
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
