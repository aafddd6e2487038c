package kafka

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kgo"
)

// batch is one partition's record batch: filled record by record by the
// producer loop (the records section, uncompressed, in Kafka's v2 record
// format), then sealed and handed to the sender, which numbers it, compresses
// it and writes the batch header (wire) once, so a retry resends the very
// same bytes under the same sequence number and the broker can recognise a
// duplicate. See batchWriter for why ticklake writes batches itself.
type batch struct {
	part    *partition
	raw     []byte // the records, uncompressed
	n       int32  // records in raw
	firstTs int64  // the first record's timestamp, ms; the base of the deltas
	maxTs   int64
	opened  int64  // wall clock (ns, the loop's stamp) when the first record went in
	wire    []byte // the whole batch as sent: header and compressed records
}

// reset empties b for reuse, keeping its buffers.
func (b *batch) reset(part *partition) {
	b.part, b.raw, b.n, b.wire = part, b.raw[:0], 0, b.wire[:0]
}

// append adds one record: ts in ms, the key, the value and the record's
// headers already encoded by encodeHeaders. It mirrors the record layout of
// kmsg.Record (length, attributes, timestamp delta, offset delta, key, value,
// headers), written straight into the batch: no record struct, no second
// pass.
func (b *batch) append(ts, now int64, key string, value, headers []byte) {
	if b.n == 0 {
		b.firstTs, b.maxTs, b.opened = ts, ts, now
	}
	b.maxTs = max(b.maxTs, ts)
	delta := ts - b.firstTs
	body := 1 + kbin.VarlongLen(delta) + kbin.VarintLen(b.n) +
		kbin.VarintLen(int32(len(key))) + len(key) +
		kbin.VarintLen(int32(len(value))) + len(value) + len(headers)
	r := kbin.AppendVarint(b.raw, int32(body))
	r = append(r, 0) // attributes
	r = kbin.AppendVarlong(r, delta)
	r = kbin.AppendVarint(r, b.n)
	r = kbin.AppendVarint(r, int32(len(key)))
	r = append(r, key...)
	r = kbin.AppendVarint(r, int32(len(value)))
	r = append(r, value...)
	b.raw = append(r, headers...)
	b.n++
}

// encodeHeaders appends headers in the record format: their count, then
// each key and value with its length (-1 for a nil value: null).
func encodeHeaders(dst []byte, headers []kgo.RecordHeader) []byte {
	dst = kbin.AppendVarint(dst, int32(len(headers)))
	for _, h := range headers {
		dst = kbin.AppendVarintString(dst, h.Key)
		dst = kbin.AppendVarintBytes(dst, h.Value)
	}
	return dst
}

// The record batch header (magic 2), as kmsg.RecordBatch lays it out:
// the offsets of the fields the sender fills in.
const (
	batchHeaderLen = 61
	batchLengthAt  = 8  // int32: bytes after this field
	batchCRCAt     = 17 // uint32 CRC32C of everything after it
	batchCRCFrom   = 21
	batchMagic     = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// producerIdentity is the idempotent producer's id and epoch, stamped on
// every batch with the batch's first sequence number.
type producerIdentity struct {
	id    int64
	epoch int16
}

// seal writes b's wire form: the header for producer pid with first
// sequence seq, and the records compressed with comp (nil sends them
// uncompressed, as does a codec that would not shrink them). tmp is a
// reusable buffer for the compressor.
func (b *batch) seal(pid producerIdentity, seq int32, comp kgo.Compressor, tmp *bytes.Buffer) {
	records, codec := b.raw, kgo.CodecNone
	if comp != nil {
		tmp.Reset()
		if out, c := comp.Compress(tmp, b.raw); c != kgo.CodecNone && len(out) < len(b.raw) {
			records, codec = out, c
		}
	}
	w := b.wire[:0]
	w = binary.BigEndian.AppendUint64(w, 0) // first offset: the broker assigns it
	w = binary.BigEndian.AppendUint32(w, uint32(batchHeaderLen-12+len(records)))
	w = binary.BigEndian.AppendUint32(w, math.MaxUint32) // partition leader epoch -1: producers do not know it
	w = append(w, batchMagic)
	w = binary.BigEndian.AppendUint32(w, 0) // CRC, below
	w = binary.BigEndian.AppendUint16(w, uint16(codec))
	w = binary.BigEndian.AppendUint32(w, uint32(b.n-1)) // last offset delta
	w = binary.BigEndian.AppendUint64(w, uint64(b.firstTs))
	w = binary.BigEndian.AppendUint64(w, uint64(b.maxTs))
	w = binary.BigEndian.AppendUint64(w, uint64(pid.id))
	w = binary.BigEndian.AppendUint16(w, uint16(pid.epoch))
	w = binary.BigEndian.AppendUint32(w, uint32(seq))
	w = binary.BigEndian.AppendUint32(w, uint32(b.n))
	w = append(w, records...)
	binary.BigEndian.PutUint32(w[batchCRCAt:], crc32.Checksum(w[batchCRCFrom:], castagnoli))
	b.wire = w
}
