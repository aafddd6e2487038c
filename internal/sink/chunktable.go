package sink

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
)

// chunkRows is the number of rows in one chunk of a partition's buffer:
// chunks are pooled, so a buffer grows without copying what it holds.
const chunkRows = 2048

// chunk is one fixed block of buffered rows.
type chunk[V any] [chunkRows]V

// maxDictLen bounds a table's dictionaries: past it they start afresh
// once nothing refers to their ids.
const maxDictLen = 1 << 16

// chunkTable is the table of one of ticklake's topics: each record held as
// a V, a struct without pointers whose strings are ids in the table's
// dictionaries, in pooled chunks, one chunked buffer per hourly partition.
// Rows without pointers are not scanned by the garbage collector and are
// copied without write barriers, which was most of what buffering rows of
// strings cost. Encoding writes them column by column (pqWriter) in
// (symbol, ts, offset) order, as files of the Parquet schema of R.
type chunkTable[V, R any] struct {
	enc     *encoder
	strs    *strDict
	lists   *listDict
	columns string // the ticklake.columns metadata value
	sorting []parquet.SortingColumn
	// decode turns a record into its row; an error means it is malformed.
	decode func(r *kgo.Record) (V, error)
	// key is the row's place in the sort order: its symbol's id, ts, offset.
	key func(v *V) (sym uint32, ts, off int64)
	// cols are how the file's leaf columns are encoded, in the order of R's
	// schema, and gather appends a row's values to them.
	cols   []colKind
	gather func(v *V, cols []colValues)
	hours  map[lake.Partition]*chunkHour[V]
	n      int
	// The hour of the last record and its rows: consecutive records mostly
	// share an hour, and naming a partition formats a date.
	lastHour int64
	last     *chunkHour[V]
	ahead    ahead[V]
}

// chunkHour holds the rows of one hourly partition and their offset range.
type chunkHour[V any] struct {
	chunks      []*chunk[V]
	n           int
	first, last int64
}

// newChunkTable returns a table of R rows with fresh dictionaries; the
// caller sets decode, key, cols and gather.
func newChunkTable[V, R any](enc *encoder) *chunkTable[V, R] {
	strs := newStrDict()
	return &chunkTable[V, R]{
		enc: enc, strs: strs, lists: newListDict(strs),
		columns: columnsJSON(parquet.SchemaOf(new(R))), sorting: bySymbolTs(),
		hours: make(map[lake.Partition]*chunkHour[V]),
	}
}

func (t *chunkTable[V, R]) predecode(recs []*kgo.Record, maxBytes int) {
	t.ahead.fill(t.enc, recs, maxBytes, t.decode)
}

func (t *chunkTable[V, R]) release() { t.ahead.drop(t.enc) }

func (t *chunkTable[V, R]) peek(r *kgo.Record) (recAhead, bool) { return t.ahead.peek(r) }

func (t *chunkTable[V, R]) add(r *kgo.Record) error {
	v, err := t.ahead.take(r, t.decode)
	if err != nil {
		return err
	}
	h := t.hour(r)
	h.push(t.enc, v)
	h.last = r.Offset
	t.n++
	return nil
}

// hour returns the rows of r's hourly partition, making them on first use.
func (t *chunkTable[V, R]) hour(r *kgo.Record) *chunkHour[V] {
	hk := floorDiv(r.Timestamp.Unix(), 3600) // Unix time has no leap seconds: UTC hours
	if t.last != nil && hk == t.lastHour {
		return t.last
	}
	p := lake.PartitionOf(r.Timestamp)
	h := t.hours[p]
	if h == nil {
		h = &chunkHour[V]{first: r.Offset}
		t.hours[p] = h
	}
	t.lastHour, t.last = hk, h
	return h
}

func (t *chunkTable[V, R]) rows() int { return t.n }

func (t *chunkTable[V, R]) reset() {
	for _, h := range t.hours {
		h.free(t.enc)
	}
	clear(t.hours)
	t.n, t.last = 0, nil
	// Rows decoded ahead of their adds hold ids too: the dictionaries start
	// afresh only when none wait.
	if !t.ahead.live() && (t.strs.len() > maxDictLen || t.lists.len() > maxDictLen) {
		t.strs.clear()
		t.lists.clear()
	}
}

func (t *chunkTable[V, R]) encode(topic string, part int32, ingest time.Time, extra map[string]string) ([]encodedFile, error) {
	parts := slices.SortedFunc(maps.Keys(t.hours), func(a, b lake.Partition) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Hour, b.Hour))
	})
	rank := t.strs.ranks()
	files := make([]encodedFile, 0, len(parts))
	for _, p := range parts {
		h := t.hours[p]
		meta := fileMeta(topic, part, h.first, h.last, t.columns)
		maps.Copy(meta, extra)
		data, err := t.write(h, byRank(t.keys(h), rank), part, ingest.UnixMicro(), meta)
		if err != nil {
			return nil, fmt.Errorf("encoding %s partition %d offsets %d-%d: %w", topic, part, h.first, h.last, err)
		}
		files = append(files, encodedFile{partition: p, firstOffset: h.first, lastOffset: h.last, rows: int64(h.n), data: data})
	}
	return files, nil
}

// keys returns the sort keys of h's rows in offset order, their rank field
// holding the symbol's id (byRank turns it into the rank).
func (t *chunkTable[V, R]) keys(h *chunkHour[V]) []rowKey {
	keys := make([]rowKey, 0, h.n)
	for c, ch := range h.chunks {
		for j := range min(chunkRows, h.n-c*chunkRows) {
			sym, ts, off := t.key(&ch[j])
			keys = append(keys, rowKey{rank: sym, i: int32(c*chunkRows + j), ts: ts, off: off})
		}
	}
	return keys
}

// write encodes h's rows in the order of keys as one Parquet file.
func (t *chunkTable[V, R]) write(h *chunkHour[V], keys []rowKey, part int32, ingestMicros int64, meta map[string]string) ([]byte, error) {
	tmpl, err := templateOf[R](t.enc, t.sorting)
	if err != nil {
		return nil, err
	}
	w := getWriter[V](t.enc, tmpl, t.strs, t.lists)
	defer putWriter(t.enc, w)
	return w.write(t.cols, t.gather, h, keys, part, ingestMicros, meta)
}

// push appends v, taking a chunk from the pool when the last one is full.
func (h *chunkHour[V]) push(enc *encoder, v V) {
	if h.n == len(h.chunks)*chunkRows {
		h.chunks = append(h.chunks, getChunk[V](enc))
	}
	h.chunks[h.n/chunkRows][h.n%chunkRows] = v
	h.n++
}

// at returns row i.
func (h *chunkHour[V]) at(i int) *V { return &h.chunks[i/chunkRows][i%chunkRows] }

// free gives h's chunks back to the pool.
func (h *chunkHour[V]) free(enc *encoder) {
	for _, c := range h.chunks {
		putChunk(enc, c)
	}
	h.chunks, h.n = nil, 0
}

// detach hands over the buffered rows as a table of their own, with frozen
// views of the dictionaries, and leaves t empty with its dictionaries and
// the rows decoded ahead: the range can be encoded on another goroutine
// while t buffers the next one. The detached table only encodes and
// resets; it never adds.
func (t *chunkTable[V, R]) detach() table {
	strs := t.strs.frozen()
	d := *t
	d.strs, d.lists = strs, t.lists.frozen(strs)
	d.ahead = ahead[V]{}
	d.decode = nil
	t.hours = make(map[lake.Partition]*chunkHour[V])
	t.n, t.last = 0, nil
	return &d
}
