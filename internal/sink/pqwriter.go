package sink

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/encoding/rle"
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

// leaf is one leaf column of a chunkTable's files, in schema order.
type leaf[V any] struct {
	kind colKind
	id   func(*V) uint32 // colDict, colList
	i64  func(*V) int64  // colDelta, colPlain
	f64  func(*V) float64
}

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
// with the column statistics readers prune by. It knows nothing parquet-go's
// generic writer would do differently that a reader could tell, but the
// page layout; the tests read its files back against parquet-go's.
type pqWriter[V any] struct {
	enc   *encoder
	tmpl  *fileTemplate
	strs  *strDict
	lists *listDict
	out   bytes.Buffer
	page  []byte // uncompressed values of the page being written
	comp  []byte // compressed values
	lvls  []byte // encoded levels
	hdr   []byte
	local []int32    // strDict id -> index in the chunk's dictionary, -1 if absent
	dict  []string   // the chunk's dictionary
	ids   []uint32   // the strDict ids of dict
	elems [][]uint32 // listDict id -> the strDict ids of its elements, made on first use
	idx   []int32
	cols  []colValues // the row group's values, column by column
	i32   []int32
	rep   []uint8
	def   []uint8
}

// colValues holds one column's values of a row group, in file order.
type colValues struct {
	ids []uint32 // colDict, colList
	i64 []int64  // colDelta, colPlain
	f64 []float64
}

// gather copies the row group's values into w.cols in one pass over the
// rows: they sit in sort order all over the chunks, and a pass per column
// would fetch each row from memory once per column.
func (w *pqWriter[V]) gather(cols []leaf[V], h *chunkHour[V], keys []rowKey) {
	if len(w.cols) < len(cols) {
		w.cols = make([]colValues, len(cols))
	}
	for j, c := range cols {
		g, n := &w.cols[j], len(keys)
		switch c.kind {
		case colDict, colList:
			g.ids = slices.Grow(g.ids[:0], n)
		case colDelta, colPlain, colIngest:
			g.i64 = slices.Grow(g.i64[:0], n)
		case colDouble:
			g.f64 = slices.Grow(g.f64[:0], n)
		}
	}
	for _, k := range keys {
		r := h.at(int(k.i))
		for j := range cols {
			c, g := &cols[j], &w.cols[j]
			switch c.kind {
			case colDict, colList:
				g.ids = append(g.ids, c.id(r))
			case colDelta, colPlain:
				g.i64 = append(g.i64, c.i64(r))
			case colDouble:
				g.f64 = append(g.f64, c.f64(r))
			}
		}
	}
}

// write encodes h's rows in the order of keys as one file with footer
// meta.
func (w *pqWriter[V]) write(cols []leaf[V], h *chunkHour[V], keys []rowKey, part int32, ingestMicros int64, meta map[string]string) ([]byte, error) {
	w.out.Reset()
	w.out.WriteString("PAR1")
	clear(w.elems)
	w.elems = w.elems[:0]
	md := w.tmpl.meta
	md.NumRows = int64(len(keys))
	for i := 0; i < len(keys); i += rowGroupRows {
		rg, err := w.rowGroup(cols, h, keys[i:min(i+rowGroupRows, len(keys))], part, ingestMicros)
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

// rowGroup writes one row group's column chunks.
func (w *pqWriter[V]) rowGroup(cols []leaf[V], h *chunkHour[V], keys []rowKey, part int32, ingestMicros int64) (format.RowGroup, error) {
	rg := format.RowGroup{NumRows: int64(len(keys)), SortingColumns: w.tmpl.sorting, FileOffset: int64(w.out.Len())}
	w.gather(cols, h, keys)
	for i, c := range cols {
		cc, err := w.chunk(c, w.tmpl.leaves[i], &w.cols[i], len(keys), part, ingestMicros)
		if err != nil {
			return rg, fmt.Errorf("writing column %v: %w", w.tmpl.leaves[i].PathInSchema, err)
		}
		rg.TotalByteSize += cc.MetaData.TotalUncompressedSize
		rg.TotalCompressedSize += cc.MetaData.TotalCompressedSize
		rg.Columns = append(rg.Columns, cc)
	}
	return rg, nil
}

// chunk writes one column chunk of n rows whose values g holds: its
// dictionary page if any, then one data page.
func (w *pqWriter[V]) chunk(c leaf[V], leaf format.ColumnMetaData, g *colValues, n int, part int32, ingestMicros int64) (format.ColumnChunk, error) {
	md := leaf
	md.Codec = format.Zstd
	md.NumValues = int64(n)
	var err error
	enc := format.Plain
	w.rep, w.def = w.rep[:0], w.def[:0]
	switch c.kind {
	case colDict, colList:
		enc = format.RLEDictionary
		if c.kind == colDict {
			w.dictOf(g.ids)
		} else {
			w.listOf(g.ids)
			md.NumValues = int64(len(w.def))
		}
		md.Statistics = stringStats(w.dict)
		md.DictionaryPageOffset = int64(w.out.Len())
		if err := w.dictPage(&md); err != nil {
			return format.ColumnChunk{}, err
		}
		w.page, err = new(rle.DictionaryEncoding).EncodeInt32(w.page[:0], w.idx)
	case colDelta:
		enc = format.DeltaBinaryPacked
		md.Statistics = int64Stats(g.i64)
		w.page, err = new(delta.BinaryPackedEncoding).EncodeInt64(w.page[:0], g.i64)
	case colIngest:
		enc = format.DeltaBinaryPacked
		g.i64 = g.i64[:0]
		for range n {
			g.i64 = append(g.i64, ingestMicros)
		}
		md.Statistics = int64Stats(g.i64)
		w.page, err = new(delta.BinaryPackedEncoding).EncodeInt64(w.page[:0], g.i64)
	case colPartition:
		enc = format.DeltaBinaryPacked
		w.i32 = w.i32[:0]
		for range n {
			w.i32 = append(w.i32, part)
		}
		md.Statistics = format.Statistics{MinValue: le32(part), MaxValue: le32(part)}
		w.page, err = new(delta.BinaryPackedEncoding).EncodeInt32(w.page[:0], w.i32)
	case colPlain:
		w.page = w.page[:0]
		for _, v := range g.i64 {
			w.page = binary.LittleEndian.AppendUint64(w.page, uint64(v))
		}
		md.Statistics = int64Stats(g.i64)
	case colDouble:
		w.page = w.page[:0]
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range g.f64 {
			lo, hi = min(lo, v), max(hi, v)
			w.page = binary.LittleEndian.AppendUint64(w.page, math.Float64bits(v))
		}
		md.Statistics = doubleStats(lo, hi)
	}
	if err != nil {
		return format.ColumnChunk{}, fmt.Errorf("encoding values: %w", err)
	}
	md.Encoding = encodingsOf(c.kind, enc)
	md.DataPageOffset = int64(w.out.Len())
	if err := w.dataPage(&md, enc, n); err != nil {
		return format.ColumnChunk{}, err
	}
	return format.ColumnChunk{MetaData: md}, nil
}

// dictOf fills w.dict and w.idx from a string column: the chunk's
// dictionary in order of first appearance, and each row's index in it.
func (w *pqWriter[V]) dictOf(ids []uint32) {
	w.resetDict()
	for _, id := range ids {
		w.idx = append(w.idx, w.localIndex(id))
	}
}

// listOf fills w.dict, w.idx and the levels from a list column: an empty
// list is one null entry (definition level 0), each element an entry of
// definition level 1, repetition level 1 after the list's first.
func (w *pqWriter[V]) listOf(lists []uint32) {
	w.resetDict()
	for _, lid := range lists {
		l := w.lists.list(lid)
		if len(l) == 0 {
			w.rep, w.def = append(w.rep, 0), append(w.def, 0)
			continue
		}
		for j, id := range w.elemIDs(lid, l) {
			w.rep, w.def = append(w.rep, uint8(min(j, 1))), append(w.def, 1)
			w.idx = append(w.idx, w.localIndex(id))
		}
	}
}

// elemIDs returns the strDict ids of list id's elements l.
func (w *pqWriter[V]) elemIDs(id uint32, l []string) []uint32 {
	for int(id) >= len(w.elems) {
		w.elems = append(w.elems, nil)
	}
	if w.elems[id] == nil {
		ids := make([]uint32, len(l))
		for j, s := range l {
			ids[j] = w.strs.id(s)
		}
		w.elems[id] = ids
	}
	return w.elems[id]
}

// resetDict empties the chunk's dictionary.
func (w *pqWriter[V]) resetDict() {
	for _, id := range w.ids {
		w.local[id] = -1
	}
	w.dict, w.ids, w.idx = w.dict[:0], w.ids[:0], w.idx[:0]
}

// localIndex returns the chunk dictionary's index of strDict id, adding it.
func (w *pqWriter[V]) localIndex(id uint32) int32 {
	for int(id) >= len(w.local) {
		w.local = append(w.local, -1)
	}
	if i := w.local[id]; i >= 0 {
		return i
	}
	i := int32(len(w.dict))
	w.local[id] = i
	w.dict, w.ids = append(w.dict, w.strs.str(id)), append(w.ids, id)
	return i
}

// dictPage writes the chunk's dictionary as a PLAIN dictionary page.
func (w *pqWriter[V]) dictPage(md *format.ColumnMetaData) error {
	w.page = w.page[:0]
	for _, s := range w.dict {
		w.page = binary.LittleEndian.AppendUint32(w.page, uint32(len(s)))
		w.page = append(w.page, s...)
	}
	var h format.PageHeader
	h.Type = format.DictionaryPage
	h.DictionaryPageHeader.Set(format.DictionaryPageHeader{NumValues: int32(len(w.dict)), Encoding: format.Plain})
	md.EncodingStats = append(md.EncodingStats, format.PageEncodingStats{PageType: format.DictionaryPage, Encoding: format.Plain, Count: 1})
	return w.writePage(md, &h, nil)
}

// dataPage writes w.page, with the levels of a list column, as one data
// page (v2) of rows rows.
func (w *pqWriter[V]) dataPage(md *format.ColumnMetaData, enc format.Encoding, rows int) error {
	var h format.PageHeader
	h.Type = format.DataPageV2
	v2 := format.DataPageHeaderV2{NumValues: int32(rows), NumRows: int32(rows), Encoding: enc}
	w.lvls = w.lvls[:0]
	if len(w.def) > 0 {
		var err error
		if w.lvls, err = (&rle.Encoding{BitWidth: 1}).EncodeLevels(w.lvls, w.rep); err != nil {
			return fmt.Errorf("encoding repetition levels: %w", err)
		}
		v2.RepetitionLevelsByteLength = int32(len(w.lvls))
		defs, err := (&rle.Encoding{BitWidth: 1}).EncodeLevels(nil, w.def)
		if err != nil {
			return fmt.Errorf("encoding definition levels: %w", err)
		}
		w.lvls = append(w.lvls, defs...)
		v2.DefinitionLevelsByteLength = int32(len(defs))
		v2.NumValues = int32(len(w.def))
		v2.NumNulls = int32(len(w.def) - len(w.idx))
		md.Statistics.NullCount = int64(v2.NumNulls)
	}
	h.DataPageHeaderV2.Set(v2)
	md.EncodingStats = append(md.EncodingStats, format.PageEncodingStats{PageType: format.DataPageV2, Encoding: enc, Count: 1})
	return w.writePage(md, &h, w.lvls)
}

// writePage compresses w.page and writes it after its header and levels,
// counting its sizes in md.
func (w *pqWriter[V]) writePage(md *format.ColumnMetaData, h *format.PageHeader, levels []byte) error {
	var err error
	if w.comp, err = w.enc.codec.Encode(w.comp[:0], w.page); err != nil {
		return fmt.Errorf("compressing a page: %w", err)
	}
	h.UncompressedPageSize = int32(len(levels) + len(w.page))
	h.CompressedPageSize = int32(len(levels) + len(w.comp))
	if w.hdr, err = thrift.Marshal(new(thrift.CompactProtocol), h); err != nil {
		return fmt.Errorf("encoding a page header: %w", err)
	}
	w.out.Write(w.hdr)
	w.out.Write(levels)
	w.out.Write(w.comp)
	md.TotalUncompressedSize += int64(len(w.hdr)) + int64(h.UncompressedPageSize)
	md.TotalCompressedSize += int64(len(w.hdr)) + int64(h.CompressedPageSize)
	return nil
}

// encodingsOf lists the encodings a column chunk uses, as parquet-go does.
func encodingsOf(k colKind, data format.Encoding) []format.Encoding {
	switch k {
	case colDict:
		return []format.Encoding{format.Plain, format.RLEDictionary}
	case colList:
		return []format.Encoding{format.Plain, format.RLE, format.RLEDictionary}
	}
	return []format.Encoding{data}
}

// stringStats is the min and max of a chunk's strings, in byte order.
func stringStats(dict []string) format.Statistics {
	if len(dict) == 0 {
		return format.Statistics{}
	}
	lo, hi := slices.Min(dict), slices.Max(dict)
	return format.Statistics{MinValue: []byte(lo), MaxValue: []byte(hi)}
}

func int64Stats(vs []int64) format.Statistics {
	if len(vs) == 0 {
		return format.Statistics{}
	}
	return format.Statistics{MinValue: le64(uint64(slices.Min(vs))), MaxValue: le64(uint64(slices.Max(vs)))}
}

// doubleStats is the min and max of a double column.
func doubleStats(lo, hi float64) format.Statistics {
	if lo > hi {
		return format.Statistics{}
	}
	return format.Statistics{MinValue: le64(math.Float64bits(lo)), MaxValue: le64(math.Float64bits(hi))}
}

func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
func le32(v int32) []byte  { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
