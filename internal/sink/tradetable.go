package sink

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/tick"
)

// tradeVals is one buffered trade without pointers: its strings are ids in
// the table's dictionaries. Rows without pointers are not scanned by the
// garbage collector and are copied without write barriers, which is most
// of what buffering rows of strings cost.
type tradeVals struct {
	ts, size, seq, off int64
	price              float64
	sym, exch, side    uint32 // strDict ids
	conds              uint32 // listDict id
}

// chunkRows is the number of rows in one chunk of a partition's buffer:
// chunks are pooled, so a buffer grows without copying what it holds.
const chunkRows = 2048

// tradeChunk is one fixed block of buffered rows.
type tradeChunk [chunkRows]tradeVals

// maxDictLen bounds a table's dictionaries: past it they start afresh
// once nothing refers to their ids.
const maxDictLen = 1 << 16

// writeBatch is how many rows the writer is handed at a time, gathered in
// sort order from the chunks into a small reused slice.
const writeBatch = 1024

// tradeTable is the table of the trades topic: rows held as tradeVals in
// pooled chunks, one chunked buffer per hourly partition.
type tradeTable struct {
	dec     *tick.Decoder
	enc     *encoder
	strs    *strDict
	lists   *listDict
	columns string // the ticklake.columns metadata value
	sorting []parquet.SortingColumn
	hours   map[lake.Partition]*tradeHour
	n       int
	// The hour of the last record and its rows: consecutive records mostly
	// share an hour, and naming a partition formats a date.
	lastHour int64
	last     *tradeHour
	ahead    ahead[tradeVals]
}

// tradeHour holds the rows of one hourly partition and their offset range.
type tradeHour struct {
	chunks      []*tradeChunk
	n           int
	first, last int64
}

func newTradeTable(enc *encoder) *tradeTable {
	return &tradeTable{
		dec: tick.NewDecoder(), enc: enc, strs: newStrDict(), lists: newListDict(),
		columns: columnsJSON(parquet.SchemaOf(new(tradeRow))), sorting: bySymbolTs(),
		hours: make(map[lake.Partition]*tradeHour),
	}
}

// decode turns a record into its row; an error means it is malformed.
func (t *tradeTable) decode(r *kgo.Record) (tradeVals, error) {
	tr, err := t.dec.Trade(r.Value)
	if err != nil {
		return tradeVals{}, err
	}
	return tradeVals{
		ts: tr.Ts, size: tr.Size, seq: tr.Seq, off: r.Offset, price: tr.Price,
		sym: t.strs.id(tr.Symbol), exch: t.strs.id(tr.Exchange), side: t.strs.id(tr.Side),
		conds: t.lists.id(tr.Conditions),
	}, nil
}

func (t *tradeTable) predecode(recs []*kgo.Record, maxBytes int) {
	t.ahead.fill(t.enc, recs, maxBytes, t.decode)
}

func (t *tradeTable) release() { t.ahead.drop(t.enc) }

func (t *tradeTable) add(r *kgo.Record) error {
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
func (t *tradeTable) hour(r *kgo.Record) *tradeHour {
	hk := floorDiv(r.Timestamp.Unix(), 3600) // Unix time has no leap seconds: UTC hours
	if t.last != nil && hk == t.lastHour {
		return t.last
	}
	p := lake.PartitionOf(r.Timestamp)
	h := t.hours[p]
	if h == nil {
		h = &tradeHour{first: r.Offset}
		t.hours[p] = h
	}
	t.lastHour, t.last = hk, h
	return h
}

func (t *tradeTable) rows() int { return t.n }

func (t *tradeTable) reset() {
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

func (t *tradeTable) encode(topic string, part int32, ingest time.Time, extra map[string]string) ([]encodedFile, error) {
	parts := slices.SortedFunc(maps.Keys(t.hours), func(a, b lake.Partition) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Hour, b.Hour))
	})
	rank := t.strs.ranks()
	files := make([]encodedFile, 0, len(parts))
	for _, p := range parts {
		h := t.hours[p]
		meta := fileMeta(topic, part, h.first, h.last, t.columns)
		maps.Copy(meta, extra)
		data, err := t.write(h, byRank(h.keys(), rank), part, ingest.UnixMicro(), meta)
		if err != nil {
			return nil, fmt.Errorf("encoding %s partition %d offsets %d-%d: %w", topic, part, h.first, h.last, err)
		}
		files = append(files, encodedFile{partition: p, firstOffset: h.first, lastOffset: h.last, rows: int64(h.n), data: data})
	}
	return files, nil
}

// write encodes h's rows in the order of keys as one Parquet file, handing
// the writer a small batch of rows at a time.
func (t *tradeTable) write(h *tradeHour, keys []rowKey, part int32, ingestMicros int64, meta map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[tradeRow](&buf, writerOptions(t.enc, meta, t.sorting)...)
	batch := make([]tradeRow, 0, writeBatch)
	for i, k := range keys {
		v := h.at(int(k.i))
		batch = append(batch, tradeRow{
			Symbol: t.strs.str(v.sym), Ts: v.ts, Price: v.price, Size: v.size, Exchange: t.strs.str(v.exch),
			Conditions: t.lists.list(v.conds), Side: t.strs.str(v.side), Seq: v.seq,
			KafkaPartition: part, KafkaOffset: v.off, IngestTime: ingestMicros,
		})
		if len(batch) < cap(batch) && i < len(keys)-1 {
			continue
		}
		if _, err := w.Write(batch); err != nil {
			return nil, fmt.Errorf("writing rows: %w", err)
		}
		batch = batch[:0]
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("closing writer: %w", err)
	}
	return buf.Bytes(), nil
}

// push appends v, taking a chunk from the pool when the last one is full.
func (h *tradeHour) push(enc *encoder, v tradeVals) {
	if h.n == len(h.chunks)*chunkRows {
		h.chunks = append(h.chunks, enc.tradeChunk())
	}
	h.chunks[h.n/chunkRows][h.n%chunkRows] = v
	h.n++
}

// at returns row i.
func (h *tradeHour) at(i int) *tradeVals { return &h.chunks[i/chunkRows][i%chunkRows] }

// keys returns the sort keys of h's rows in offset order, their rank field
// holding the symbol's id (byRank turns it into the rank).
func (h *tradeHour) keys() []rowKey {
	keys := make([]rowKey, 0, h.n)
	for c, ch := range h.chunks {
		for j := range min(chunkRows, h.n-c*chunkRows) {
			v := &ch[j]
			keys = append(keys, rowKey{rank: v.sym, i: int32(c*chunkRows + j), ts: v.ts, off: v.off})
		}
	}
	return keys
}

// free gives h's chunks back to the pool.
func (h *tradeHour) free(enc *encoder) {
	for _, c := range h.chunks {
		enc.putTradeChunk(c)
	}
	h.chunks, h.n = nil, 0
}
