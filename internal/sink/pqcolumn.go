package sink

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// colEncoder encodes column chunks for a pqWriter, one goroutine each: its
// scratch is its own, and what it shares (the table's dictionaries, the
// list elements' ids) it only reads.
type colEncoder struct {
	strs  *strDict
	lists *listDict
	codec *zstd.Codec
	out   bytes.Buffer
	page  []byte // uncompressed values of the page being written
	comp  []byte // compressed values
	lvls  []byte // encoded levels
	hdr   []byte
	local []int32  // strDict id -> index in the chunk's dictionary, -1 if absent
	dict  []string // the chunk's dictionary
	ids   []uint32 // the strDict ids of dict
	idx   []int32
	i32   []int32
	rep   []uint8
	def   []uint8
}

// start readies w for a row group's columns.
func (w *colEncoder) start(strs *strDict, lists *listDict, codec *zstd.Codec) {
	w.strs, w.lists, w.codec = strs, lists, codec
	w.out.Reset()
}

// chunk writes one column chunk of n rows whose values g holds: its
// dictionary page if any, then one data page.
func (w *colEncoder) chunk(kind colKind, leaf format.ColumnMetaData, g *colValues, n int, part int32, ingestMicros int64) (format.ColumnChunk, error) {
	md := leaf
	md.Codec = format.Zstd
	md.NumValues = int64(n)
	var err error
	enc := format.Plain
	w.rep, w.def = w.rep[:0], w.def[:0]
	switch kind {
	case colDict, colList:
		enc = format.RLEDictionary
		if kind == colDict {
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
	md.Encoding = encodingsOf(kind, enc)
	md.DataPageOffset = int64(w.out.Len())
	if err := w.dataPage(&md, enc, n); err != nil {
		return format.ColumnChunk{}, err
	}
	return format.ColumnChunk{MetaData: md}, nil
}

// dictOf fills w.dict and w.idx from a string column: the chunk's
// dictionary in order of first appearance, and each row's index in it.
func (w *colEncoder) dictOf(ids []uint32) {
	w.resetDict()
	for _, id := range ids {
		w.idx = append(w.idx, w.localIndex(id))
	}
}

// listOf fills w.dict, w.idx and the levels from a list column: an empty
// list is one null entry (definition level 0), each element an entry of
// definition level 1, repetition level 1 after the list's first.
func (w *colEncoder) listOf(lists []uint32) {
	w.resetDict()
	for _, lid := range lists {
		l := w.lists.list(lid)
		if len(l) == 0 {
			w.rep, w.def = append(w.rep, 0), append(w.def, 0)
			continue
		}
		for j, id := range w.lists.elemIDs(lid) {
			w.rep, w.def = append(w.rep, uint8(min(j, 1))), append(w.def, 1)
			w.idx = append(w.idx, w.localIndex(id))
		}
	}
}

// resetDict empties the chunk's dictionary.
func (w *colEncoder) resetDict() {
	for _, id := range w.ids {
		w.local[id] = -1
	}
	w.dict, w.ids, w.idx = w.dict[:0], w.ids[:0], w.idx[:0]
}

// localIndex returns the chunk dictionary's index of strDict id, adding it.
func (w *colEncoder) localIndex(id uint32) int32 {
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
func (w *colEncoder) dictPage(md *format.ColumnMetaData) error {
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
func (w *colEncoder) dataPage(md *format.ColumnMetaData, enc format.Encoding, rows int) error {
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
func (w *colEncoder) writePage(md *format.ColumnMetaData, h *format.PageHeader, levels []byte) error {
	var err error
	if w.comp, err = w.codec.Encode(w.comp[:0], w.page); err != nil {
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
