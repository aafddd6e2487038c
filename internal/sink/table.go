package sink

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
)

// rowGroupRows caps the rows of one Parquet row group: large enough for
// efficient scans, small enough to keep the writer's memory modest.
const rowGroupRows = 128 * 1024

// Metadata keys every data file carries in its Parquet footer.
const (
	MetaTopic       = "ticklake.topic"
	MetaPartition   = "ticklake.partition"
	MetaFirstOffset = "ticklake.first_offset"
	MetaLastOffset  = "ticklake.last_offset"
	MetaColumns     = "ticklake.columns"
	MetaClusterID   = "ticklake.kafka_cluster_id"
	MetaTopicID     = "ticklake.kafka_topic_id"
	MetaRangeFrom   = "ticklake.range_from"
	MetaRangeTo     = "ticklake.range_to"
)

// table buffers the decoded rows of one Kafka partition of one topic and
// encodes them into Parquet files, one per hourly partition. Each topic's
// schema is one implementation: typed tables for trades and quotes now, an
// inferred schema for other topics later.
type table interface {
	// add decodes a record into a row; an error means the record is malformed.
	add(r *kgo.Record) error
	// rows is the number of buffered rows.
	rows() int
	// encode builds one file per hourly partition from the buffered rows,
	// in partition order, without clearing them. Every row's _ingest_time is
	// ingest and every footer carries meta, so that encoding the same records
	// again yields the same bytes.
	encode(topic string, part int32, ingest time.Time, meta map[string]string) ([]encodedFile, error)
	// reset drops the buffered rows once their files are in the lake.
	reset()
}

// encodedFile is one Parquet file built in memory, ready to be stored.
type encodedFile struct {
	partition   lake.Partition
	firstOffset int64
	lastOffset  int64
	rows        int64
	data        []byte
}

// rowTable is a table of a Go struct type T described by parquet struct tags.
type rowTable[T any] struct {
	decode  func(r *kgo.Record) (T, error)
	stamp   func(row *T, ingestMicros int64)
	key     func(row *T) (symbol string, ts, offset int64) // the sort order
	sorting []parquet.SortingColumn
	columns string // the ticklake.columns metadata value
	enc     *encoder
	hours   map[lake.Partition]*hourRows[T]
	n       int
	// The hour of the last record and its rows: consecutive records mostly
	// share an hour, and naming a partition formats a date.
	lastHour int64
	last     *hourRows[T]
	ahead    ahead[T]
}

// hourRows holds the rows of one hourly partition and their offset range.
type hourRows[T any] struct {
	rows        []T
	first, last int64
}

func newRowTable[T any](enc *encoder, decode func(*kgo.Record) (T, error), stamp func(*T, int64), key func(*T) (string, int64, int64), sorting ...parquet.SortingColumn) *rowTable[T] {
	return &rowTable[T]{
		decode:  decode,
		stamp:   stamp,
		key:     key,
		sorting: sorting,
		columns: columnsJSON(parquet.SchemaOf(new(T))),
		enc:     enc,
		hours:   make(map[lake.Partition]*hourRows[T]),
	}
}

func (t *rowTable[T]) add(r *kgo.Record) error {
	row, err := t.take(r)
	if err != nil {
		return err
	}
	h := t.hour(r)
	h.rows = append(h.rows, row)
	h.last = r.Offset
	t.n++
	return nil
}

// hour returns the rows of r's hourly partition, making them on first use.
func (t *rowTable[T]) hour(r *kgo.Record) *hourRows[T] {
	hk := floorDiv(r.Timestamp.Unix(), 3600) // Unix time has no leap seconds: UTC hours
	if t.last != nil && hk == t.lastHour {
		return t.last
	}
	p := lake.PartitionOf(r.Timestamp)
	h := t.hours[p]
	if h == nil {
		// Not from the pools: a pooled slice may be far larger than this
		// partition needs, and held as long as the partition buffers.
		h = &hourRows[T]{first: r.Offset}
		t.hours[p] = h
	}
	t.lastHour, t.last = hk, h
	return h
}

func (t *rowTable[T]) rows() int { return t.n }

func (t *rowTable[T]) reset() {
	for _, h := range t.hours {
		putRows(t.enc, h.rows)
	}
	clear(t.hours)
	t.n, t.last = 0, nil
}

func (t *rowTable[T]) encode(topic string, part int32, ingest time.Time, extra map[string]string) ([]encodedFile, error) {
	parts := slices.SortedFunc(maps.Keys(t.hours), func(a, b lake.Partition) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Hour, b.Hour))
	})
	files := make([]encodedFile, 0, len(parts))
	for _, p := range parts {
		h := t.hours[p]
		sorted := t.sorted(h.rows, ingest.UnixMicro())
		meta := fileMeta(topic, part, h.first, h.last, t.columns)
		maps.Copy(meta, extra)
		data, err := encodeParquet(t.enc, sorted, meta, t.sorting)
		putRows(t.enc, sorted)
		if err != nil {
			return nil, fmt.Errorf("encoding %s partition %d offsets %d-%d: %w", topic, part, h.first, h.last, err)
		}
		files = append(files, encodedFile{partition: p, firstOffset: h.first, lastOffset: h.last, rows: int64(len(h.rows)), data: data})
	}
	return files, nil
}

// rowKey is a row's place in the sort order: symbols ranked, ties broken by
// ts then by Kafka offset, a total order, so the files of a range are the
// same bytes whoever encodes them.
type rowKey struct {
	rank uint32
	i    int32
	ts   int64
	off  int64
}

// sorted returns a copy of rows in (symbol, ts, offset) order, stamped with
// the ingest time; rows themselves are left as they are.
func (t *rowTable[T]) sorted(rows []T, ingestMicros int64) []T {
	ids := make(map[string]uint32) // symbol -> index in syms
	var syms []string
	keys := make([]rowKey, len(rows))
	for i := range rows {
		sym, ts, off := t.key(&rows[i])
		id, ok := ids[sym]
		if !ok {
			id = uint32(len(syms))
			ids[sym] = id
			syms = append(syms, sym)
		}
		keys[i] = rowKey{rank: id, i: int32(i), ts: ts, off: off}
	}
	order := make([]uint32, len(syms)) // sorted position -> id
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(syms[a], syms[b]) })
	rank := make([]uint32, len(syms)) // id -> rank
	for r, id := range order {
		rank[id] = uint32(r)
	}
	keys = byRank(keys, rank)
	out := getRows[T](t.enc)
	if cap(out) < len(rows) {
		out = make([]T, 0, len(rows))
	}
	for _, k := range keys {
		out = append(out, rows[k.i])
		t.stamp(&out[len(out)-1], ingestMicros)
	}
	return out
}

// byRank orders keys by (rank, ts, off), given keys in offset order whose
// rank field holds a symbol id: a counting sort on the rank, which keeps
// the offset order, then a sort of each symbol's run by ts only where the
// run is not in ts order already (a partition's trades mostly arrive in
// time order).
func byRank(keys []rowKey, rank []uint32) []rowKey {
	starts := make([]int, len(rank)+1)
	for i := range keys {
		keys[i].rank = rank[keys[i].rank]
		starts[keys[i].rank+1]++
	}
	for r := 1; r < len(starts); r++ {
		starts[r] += starts[r-1]
	}
	out := make([]rowKey, len(keys))
	pos := slices.Clone(starts[:len(rank)])
	for _, k := range keys {
		out[pos[k.rank]] = k
		pos[k.rank]++
	}
	byTs := func(a, b rowKey) int { return cmp.Or(cmp.Compare(a.ts, b.ts), cmp.Compare(a.off, b.off)) }
	for r := range rank {
		run := out[starts[r]:starts[r+1]]
		if !slices.IsSortedFunc(run, byTs) {
			slices.SortFunc(run, byTs)
		}
	}
	return out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// encodeParquet writes rows as one zstd-compressed Parquet file.
func encodeParquet[T any](enc *encoder, rows []T, meta map[string]string, sorting []parquet.SortingColumn) ([]byte, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, writerOptions(enc, meta, sorting)...)
	if _, err := w.Write(rows); err != nil {
		return nil, fmt.Errorf("writing rows: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("closing writer: %w", err)
	}
	return buf.Bytes(), nil
}

// writerOptions configures the Parquet writer of one data file: zstd, row
// groups of rowGroupRows, the sort order and the footer metadata in key
// order.
func writerOptions(enc *encoder, meta map[string]string, sorting []parquet.SortingColumn) []parquet.WriterOption {
	opts := []parquet.WriterOption{
		parquet.Compression(enc.codec),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.CreatedBy("ticklake", "", ""),
	}
	if len(sorting) > 0 {
		opts = append(opts, parquet.SortingWriterConfig(parquet.SortingColumns(sorting...)))
	}
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		opts = append(opts, parquet.KeyValueMetadata(k, meta[k]))
	}
	return opts
}

// fileMeta is the footer metadata of one data file.
func fileMeta(topic string, part int32, first, last int64, columns string) map[string]string {
	return map[string]string{
		MetaTopic:       topic,
		MetaPartition:   strconv.Itoa(int(part)),
		MetaFirstOffset: strconv.FormatInt(first, 10),
		MetaLastOffset:  strconv.FormatInt(last, 10),
		MetaColumns:     columns,
	}
}

// columnsJSON maps each column's normalised name to the field it came from.
func columnsJSON(schema *parquet.Schema) string {
	cols := make(map[string]string, len(schema.Fields()))
	for _, f := range schema.Fields() {
		cols[lake.ColumnName(f.Name())] = f.Name()
	}
	b, _ := json.Marshal(cols) // a map of strings always marshals
	return string(b)
}
