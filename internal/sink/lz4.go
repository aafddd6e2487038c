package sink

import (
	"encoding/binary"
	"errors"
	"slices"

	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kgo"
)

// lz4Decompressor is the sink's kgo.Decompressor. The lz4 frames Kafka
// producers write (franz-go, librdkafka and the Java client alike: one
// frame of independent blocks) are decoded block by block with
// lz4.UncompressBlock straight into a pooled buffer. franz-go's own path
// streams each frame through an lz4.Reader into a bytes.Buffer: one more
// copy of every byte, and an xxHash32 of the frame that the batch's CRC32C,
// which franz-go checks before decompressing, already covers. Any frame
// this path does not take (dependent blocks, a dictionary, a legacy or
// malformed frame) and every other codec go to franz-go's decompressor,
// which decides as it always has.
type lz4Decompressor struct {
	pool *recordPool
	std  kgo.Decompressor
}

func newLZ4Decompressor(pool *recordPool) *lz4Decompressor {
	return &lz4Decompressor{pool: pool, std: kgo.DefaultDecompressor(pool)}
}

// maxDecompressed bounds what one batch may decompress to, as franz-go's
// default MaxDecompressBatchBytes does.
const maxDecompressed = 1 << 30

// errNotFast says the frame is not one the fast path takes.
var errNotFast = errors.New("lz4 frame not taken by the fast path")

// Decompress decompresses one batch's records.
func (d *lz4Decompressor) Decompress(src []byte, codec kgo.CompressionCodecType) ([]byte, error) {
	if codec != kgo.CodecLz4 {
		return d.std.Decompress(src, codec)
	}
	out, err := decodeLZ4Frame(d.pool.GetDecompressBytes(src, codec)[:0], src)
	if err == nil {
		return out, nil
	}
	if out != nil {
		d.pool.PutDecompressBytes(out[:0])
	}
	if errors.Is(err, kgo.ErrMaxDecompress) {
		return nil, err
	}
	return d.std.Decompress(src, codec)
}

// decodeLZ4Frame decodes one lz4 frame of independent blocks into dst
// (from its start, growing it as needed) and returns it. errNotFast means
// the frame is another shape; the caller decodes it the general way.
func decodeLZ4Frame(dst, src []byte) ([]byte, error) {
	const magic = 0x184D2204
	if len(src) < 7 || binary.LittleEndian.Uint32(src) != magic {
		return dst, errNotFast
	}
	flg, bd := src[4], src[5]
	if flg>>6 != 1 || flg&0b0010_0011 != 0b0010_0000 || bd&0b1000_1111 != 0 {
		// Version 01, independent blocks, no reserved bit, no dictionary;
		// no reserved bits in BD.
		return dst, errNotFast
	}
	blockChecksum, contentSize, contentChecksum := flg&0b1_0000 != 0, flg&0b1000 != 0, flg&0b100 != 0
	maxBlock := 1 << (8 + 2*int(bd>>4)) // 4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB
	if bd>>4 < 4 {
		return dst, errNotFast
	}
	i := 6
	if contentSize {
		i += 8
	}
	i++ // the header checksum: the batch's CRC covers it
	for {
		if len(src)-i < 4 {
			return dst, errNotFast
		}
		size := binary.LittleEndian.Uint32(src[i:])
		i += 4
		if size == 0 {
			break // end mark
		}
		raw := size&(1<<31) != 0
		n := int(size &^ (1 << 31))
		if n > maxBlock || len(src)-i < n {
			return dst, errNotFast
		}
		block := src[i : i+n]
		i += n
		if blockChecksum {
			i += 4
		}
		if len(dst)+maxBlock > maxDecompressed {
			return dst, kgo.ErrMaxDecompress
		}
		if raw {
			dst = append(dst, block...)
			continue
		}
		// Room for a good ratio first: JSON records compress 3-6 times,
		// and a block's maximum (4 MiB from franz-go and librdkafka)
		// would make every pooled buffer that large.
		m, err := 0, errNotFast
		if guess := min(maxBlock, 12*n); guess < maxBlock {
			dst = slices.Grow(dst, guess)
			m, err = lz4.UncompressBlock(block, dst[len(dst):len(dst)+guess])
		}
		if err != nil {
			dst = slices.Grow(dst, maxBlock)
			if m, err = lz4.UncompressBlock(block, dst[len(dst):len(dst)+maxBlock]); err != nil {
				return dst, errNotFast
			}
		}
		dst = dst[:len(dst)+m]
	}
	if contentChecksum {
		i += 4
	}
	if i != len(src) {
		return dst, errNotFast // trailing bytes: another frame, or garbage
	}
	return dst, nil
}
