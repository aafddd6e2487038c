package sink

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// colKind is how a column of a chunkTable's files is encoded.
type colKind int

const (
	colDict      colKind = iota // a string: RLE_DICTIONARY of a strDict id
	colList                     // a list of strings: RLE_DICTIONARY of a listDict id's elements
	colDelta                    // an int64: DELTA_BINARY_PACKED
	colPlain                    // an int64: PLAIN
	colDouble                   // a float64: PLAIN
	colPartition                // the Kafka partition, an int32: DELTA_BINARY_PACKED
	colIngest                   // the ingest time, an int64: DELTA_BINARY_PACKED
)

// fileTemplate is what every file of one row type shares: the footer
// parquet-go writes for that type (schema, column orders, created-by, the
// declared sort order) and each leaf column's type and path.
type fileTemplate struct {
	meta    format.FileMetaData
	sorting []format.SortingColumn
	leaves  []format.ColumnMetaData
}

// getWriter returns a writer of V rows for files of tmpl, from the pool.
func getWriter[V any](enc *encoder, tmpl *fileTemplate, strs *strDict, lists *listDict) *pqWriter[V] {
	var zero *V
	p, _ := enc.writers.LoadOrStore(zero, &sync.Pool{})
	w, ok := p.(*sync.Pool).Get().(*pqWriter[V])
	if !ok {
		w = &pqWriter[V]{enc: enc}
	}
	w.tmpl, w.strs, w.lists = tmpl, strs, lists
	return w
}

// putWriter gives w back to the pool, without the table it wrote for.
func putWriter[V any](enc *encoder, w *pqWriter[V]) {
	w.tmpl, w.strs, w.lists = nil, nil, nil
	var zero *V
	p, _ := enc.writers.Load(zero)
	p.(*sync.Pool).Put(w)
}

// templateOf returns the file template of R rows, made once per encoder.
func templateOf[R any](enc *encoder, sorting []parquet.SortingColumn) (*fileTemplate, error) {
	var zero *R
	if t, ok := enc.templates.Load(zero); ok {
		return t.(*fileTemplate), nil
	}
	t, err := newFileTemplate[R](enc, sorting)
	if err != nil {
		return nil, err
	}
	actual, _ := enc.templates.LoadOrStore(zero, t)
	return actual.(*fileTemplate), nil
}

// newFileTemplate has parquet-go write a one-row file of R and keeps its
// footer, so that the files written by pqWriter declare the very schema
// parquet-go would.
func newFileTemplate[R any](enc *encoder, sorting []parquet.SortingColumn) (*fileTemplate, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[R](&buf, writerOptions(enc, nil, sorting)...)
	if _, err := w.Write(make([]R, 1)); err != nil {
		return nil, fmt.Errorf("writing the template file: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("closing the template file: %w", err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return nil, fmt.Errorf("reading the template file: %w", err)
	}
	md := *f.Metadata()
	rg := md.RowGroups[0]
	t := &fileTemplate{meta: md, sorting: slices.Clone(rg.SortingColumns)}
	for _, c := range rg.Columns {
		t.leaves = append(t.leaves, format.ColumnMetaData{Type: c.MetaData.Type, PathInSchema: slices.Clone(c.MetaData.PathInSchema)})
	}
	t.meta.RowGroups, t.meta.KeyValueMetadata, t.meta.NumRows = nil, nil, 0
	return t, nil
}

// pqWriter writes one Parquet file column by column from the rows of a
// chunkTable: dictionary pages and RLE indexes, delta-packed integers and
// plain doubles, each column chunk one zstd data page (v2) per row group,
// with the column statistics readers prune by. A reader sees what
// parquet-go's generic writer would have written but for the page layout
// and the page index; the tests read its files back against parquet-go's.
// Large row groups have their columns encoded on every core.
type pqWriter[V any] struct {
	enc   *encoder
	tmpl  *fileTemplate
	strs  *strDict
	lists *listDict
	out   bytes.Buffer
	cols  []colValues   // the row group's values, column by column
	encs  []*colEncoder // one per goroutine encoding columns
	spans []colSpan     // where each column chunk of the row group was encoded
	// touched keeps gather's early reads from being optimised away.
	touched uint8
}

// colSpan is where a column chunk was encoded: by encs[enc], at
// [start, end) of its output.
type colSpan struct{ enc, start, end int }

// parallelRows is the size of a row group from which its columns are
// encoded on every core: a single range's flush then uses them all.
const parallelRows = 16 << 10

// colValues holds one column's values of a row group, in file order.
type colValues struct {
	ids []uint32 // colDict, colList
	i64 []int64  // colDelta, colPlain
	f64 []float64
}

// gather copies the row group's values into w.cols in one pass over the
// rows, with the table's gather: the rows sit in sort order all over the
// chunks, and a pass per column would fetch each row from memory once per
// column.
func (w *pqWriter[V]) gather(kinds []colKind, gather func(*V, []colValues), h *chunkHour[V], keys []rowKey) {
	if len(w.cols) < len(kinds) {
		w.cols = make([]colValues, len(kinds))
	}
	for j, k := range kinds {
		g, n := &w.cols[j], len(keys)
		switch k {
		case colDict, colList:
			g.ids = slices.Grow(g.ids[:0], n)
		case colDelta, colPlain, colIngest:
			g.i64 = slices.Grow(g.i64[:0], n)
		case colDouble:
			g.f64 = slices.Grow(g.f64[:0], n)
		}
	}
	cols := w.cols[:len(kinds)]
	// The rows are read in sort order, which is all over the chunks: each
	// row is a cache miss. A tight loop first reads one byte of each row of
	// a block, so that the CPU waits for the block's misses at once, not
	// one after the other; gather then finds the rows in cache.
	var touched uint8
	for b := 0; b < len(keys); b += gatherBlock {
		block := keys[b:min(b+gatherBlock, len(keys))]
		for _, k := range block {
			v := unsafe.Pointer(h.at(int(k.i)))
			// both ends: a row may straddle two cache lines
			touched |= *(*uint8)(v) | *(*uint8)(unsafe.Add(v, unsafe.Sizeof(*new(V))-1))
		}
		for _, k := range block {
			gather(h.at(int(k.i)), cols)
		}
	}
	w.touched = touched
}

// gatherBlock is how many rows gather brings into cache at once.
const gatherBlock = 32

// write encodes h's rows in the order of keys as one file with footer
// meta.
func (w *pqWriter[V]) write(kinds []colKind, gather func(*V, []colValues), h *chunkHour[V], keys []rowKey, part int32, ingestMicros int64, meta map[string]string) ([]byte, error) {
	w.out.Reset()
	w.out.WriteString("PAR1")
	md := w.tmpl.meta
	md.NumRows = int64(len(keys))
	for i := 0; i < len(keys); i += rowGroupRows {
		rg, err := w.rowGroup(kinds, gather, h, keys[i:min(i+rowGroupRows, len(keys))], part, ingestMicros)
		if err != nil {
			return nil, err
		}
		rg.Ordinal = int16(len(md.RowGroups))
		md.RowGroups = append(md.RowGroups, rg)
	}
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		md.KeyValueMetadata = append(md.KeyValueMetadata, format.KeyValue{Key: k, Value: meta[k]})
	}
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		return nil, fmt.Errorf("encoding the footer: %w", err)
	}
	w.out.Write(footer)
	w.out.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(footer))))
	w.out.WriteString("PAR1")
	return bytes.Clone(w.out.Bytes()), nil
}

// rowGroup writes one row group's column chunks, encoded on every core
// when the row group is large, then laid out in schema order.
func (w *pqWriter[V]) rowGroup(kinds []colKind, gather func(*V, []colValues), h *chunkHour[V], keys []rowKey, part int32, ingestMicros int64) (format.RowGroup, error) {
	rg := format.RowGroup{NumRows: int64(len(keys)), SortingColumns: w.tmpl.sorting, FileOffset: int64(w.out.Len())}
	w.gather(kinds, gather, h, keys)
	workers := 1
	if len(keys) >= parallelRows {
		workers = min(runtime.GOMAXPROCS(0), len(kinds))
	}
	for len(w.encs) < workers {
		w.encs = append(w.encs, &colEncoder{})
	}
	w.spans = slices.Grow(w.spans[:0], len(kinds))[:len(kinds)]
	chunks := make([]format.ColumnChunk, len(kinds))
	errs := make([]error, len(kinds))
	var next atomic.Int64
	work := func(k int) {
		e := w.encs[k]
		e.start(w.strs, w.lists, w.enc.codec)
		for j := int(next.Add(1) - 1); j < len(kinds); j = int(next.Add(1) - 1) {
			start := e.out.Len()
			chunks[j], errs[j] = e.chunk(kinds[j], w.tmpl.leaves[j], &w.cols[j], len(keys), part, ingestMicros)
			w.spans[j] = colSpan{enc: k, start: start, end: e.out.Len()}
		}
	}
	if workers == 1 {
		work(0)
	} else {
		var wg sync.WaitGroup
		for k := range workers {
			wg.Go(func() { work(k) })
		}
		wg.Wait()
	}
	for j, cc := range chunks {
		if errs[j] != nil {
			return rg, fmt.Errorf("writing column %v: %w", w.tmpl.leaves[j].PathInSchema, errs[j])
		}
		sp := w.spans[j]
		shift := int64(w.out.Len() - sp.start)
		w.out.Write(w.encs[sp.enc].out.Bytes()[sp.start:sp.end])
		cc.MetaData.DataPageOffset += shift
		if k := kinds[j]; k == colDict || k == colList {
			cc.MetaData.DictionaryPageOffset += shift
		}
		rg.TotalByteSize += cc.MetaData.TotalUncompressedSize
		rg.TotalCompressedSize += cc.MetaData.TotalCompressedSize
		rg.Columns = append(rg.Columns, cc)
	}
	return rg, nil
}
