package kafka

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sync"

	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kgo"
)

// lz4Compressor is the producer's kgo.Compressor for lz4 (the default
// codec): it writes each batch as one lz4 frame of independent 64 KiB blocks
// with no block or content checksum, the frame Kafka's own Java producer
// writes without its optional checksums, straight from
// lz4.Compressor.CompressBlock into kgo's pooled buffer.
//
// franz-go's default streams each batch through an lz4.Writer: a copy of
// every byte into the writer's block buffer, an xxHash32 of the whole batch
// for the content checksum, and a fresh hash table per block. The checksum is
// optional in the lz4 frame format and redundant in Kafka, whose batch CRC32C
// covers the compressed bytes; Kafka brokers and clients (Java, librdkafka,
// franz-go, ticklake's sink) read frames without it. Other codecs go to
// franz-go's compressor (ProducerOpts uses this one for lz4 only).
type lz4Compressor struct {
	comps sync.Pool // *lz4.Compressor, reused across batches
}

// lz4 frame constants (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md).
const (
	lz4Magic = 0x184D2204
	// lz4FLG: version 01, independent blocks, no block checksum, no content
	// size, no content checksum, no dictionary.
	lz4FLG = 0b0110_0000
	// lz4BD: maximum block size 64 KiB (code 4).
	lz4BD = 4 << 4
	// lz4HC is the header checksum: the second byte of xxHash32(FLG BD)
	// with seed 0 (TestLZ4FrameHeaderChecksum recomputes it).
	lz4HC        = 0x82
	lz4BlockSize = 64 << 10
	lz4RawBlock  = 1 << 31 // block size flag: the block is stored uncompressed
)

// newLZ4Compressor returns the producer's lz4 compressor.
func newLZ4Compressor() *lz4Compressor {
	c := new(lz4Compressor)
	c.comps.New = func() any { return new(lz4.Compressor) }
	return c
}

// Compress implements kgo.Compressor: it writes src's frame into dst's
// memory (grown once to the frame's bound, so a pooled buffer stops
// growing). kgo sends the batch uncompressed when the frame is not shorter.
func (c *lz4Compressor) Compress(dst *bytes.Buffer, src []byte, _ ...kgo.CompressFlag) ([]byte, kgo.CompressionCodecType) {
	comp := c.comps.Get().(*lz4.Compressor)
	defer c.comps.Put(comp)
	dst.Grow(lz4FrameBound(len(src)))
	return appendLZ4Frame(dst.AvailableBuffer(), src, comp), kgo.CodecLz4
}

// lz4FrameBound is the most bytes the frame of n bytes can take.
func lz4FrameBound(n int) int {
	blocks := (n + lz4BlockSize - 1) / lz4BlockSize
	return 7 + blocks*4 + lz4.CompressBlockBound(n) + blocks*16 + 4
}

// appendLZ4Frame appends src as one lz4 frame of independent blocks to dst.
func appendLZ4Frame(dst, src []byte, comp *lz4.Compressor) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, lz4Magic)
	dst = append(dst, lz4FLG, lz4BD, lz4HC)
	for len(src) > 0 {
		block := src[:min(len(src), lz4BlockSize)]
		src = src[len(block):]
		dst = appendLZ4Block(dst, block, comp)
	}
	return binary.LittleEndian.AppendUint32(dst, 0) // end mark
}

// appendLZ4Block appends one block: its size, then the compressed bytes, or
// the raw bytes with the size's high bit set when they do not shrink.
func appendLZ4Block(dst, block []byte, comp *lz4.Compressor) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	room := lz4.CompressBlockBound(len(block))
	dst = slices.Grow(dst, room)
	n, err := comp.CompressBlock(block, dst[len(dst):len(dst)+room])
	if err != nil || n == 0 || n >= len(block) {
		binary.LittleEndian.PutUint32(dst[start:], uint32(len(block))|lz4RawBlock)
		return append(dst, block...)
	}
	binary.LittleEndian.PutUint32(dst[start:], uint32(n))
	return dst[:len(dst)+n]
}
