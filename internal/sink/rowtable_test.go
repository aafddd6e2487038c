package sink

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/tick"
)

// The generic row table the sink buffered trades and quotes in before
// chunkTable: rows of strings, sorted and handed to parquet-go's writer
// whole. Kept as the reference chunkTable's files must match row for row.

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

func (t *rowTable[T]) predecode(recs []*kgo.Record, maxBytes int) {
	t.ahead.fill(t.enc, recs, maxBytes, t.decode)
}

func (t *rowTable[T]) release() { t.ahead.drop(t.enc) }

func (t *rowTable[T]) peek(r *kgo.Record) (recAhead, bool) { return t.ahead.peek(r) }

// take returns r's row, decoded ahead when predecode saw r.
func (t *rowTable[T]) take(r *kgo.Record) (T, error) { return t.ahead.take(r, t.decode) }

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

func decodeQuoteRow(dec *tick.Decoder, r *kgo.Record) (quoteRow, error) {
	q, err := dec.Quote(r.Value)
	if err != nil {
		return quoteRow{}, err
	}
	return quoteRow{
		Symbol: q.Symbol, Ts: q.Ts, Bid: q.Bid, BidSize: q.BidSize, Ask: q.Ask, AskSize: q.AskSize,
		Exchange: q.Exchange, Seq: q.Seq,
		KafkaPartition: r.Partition, KafkaOffset: r.Offset,
	}, nil
}
