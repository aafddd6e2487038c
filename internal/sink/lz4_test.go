package sink

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kgo"
)

// lz4Frame compresses data into one lz4 frame with opts.
func lz4Frame(t *testing.T, data []byte, opts ...lz4.Option) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	if err := w.Apply(opts...); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// records makes n JSON-like lines, compressible as trades are, with some
// random bytes so that a few blocks do not compress.
func records(rng *rand.Rand, n int, noise bool) []byte {
	var b []byte
	for i := range n {
		b = append(b, `{"symbol":"AAPL","ts":1762092000000000001,"price":187.25,"size":`...)
		b = append(b, byte('0'+i%10), '}', '\n')
		if noise && i%50 == 0 {
			for range 300 {
				b = append(b, byte(rng.Uint32()))
			}
		}
	}
	return b
}

func TestLZ4DecompressorMatchesTheReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pool := &recordPool{}
	d := newLZ4Decompressor(pool)
	// franz-go's own compressor: the frames producers send.
	comp, err := kgo.DefaultCompressor(kgo.Lz4Compression())
	if err != nil {
		t.Fatal(err)
	}
	kgoFrame := func(data []byte) []byte {
		var buf bytes.Buffer
		out, codec := comp.Compress(&buf, data)
		if codec != kgo.CodecLz4 {
			t.Fatalf("compressed with codec %v", codec)
		}
		return bytes.Clone(out)
	}
	tests := []struct {
		name  string
		frame func(data []byte) []byte
		fast  bool // whether the fast path takes the frame
	}{
		{"franz-go's compressor", kgoFrame, true},
		{"64 KiB blocks, block checksums", func(data []byte) []byte {
			return lz4Frame(t, data, lz4.BlockSizeOption(lz4.Block64Kb), lz4.BlockChecksumOption(true))
		}, true},
		{"256 KiB blocks, no content checksum, content size", func(data []byte) []byte {
			return lz4Frame(t, data, lz4.BlockSizeOption(lz4.Block256Kb), lz4.ChecksumOption(false), lz4.SizeOption(uint64(len(data))))
		}, true},
		{"two frames back to back", func(data []byte) []byte {
			half := len(data) / 2
			return append(lz4Frame(t, data[:half]), lz4Frame(t, data[half:])...)
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range []int{0, 1, 1000, 60_000} {
				data := records(rng, n, n > 1000)
				frame := tc.frame(data)
				want, err := io.ReadAll(lz4.NewReader(bytes.NewReader(frame)))
				if err != nil {
					t.Fatal(err)
				}
				_, fastErr := decodeLZ4Frame(nil, frame)
				if (fastErr == nil) != tc.fast {
					t.Errorf("%d records: fast path error %v, want taken %v", n, fastErr, tc.fast)
				}
				got, err := d.Decompress(frame, kgo.CodecLz4)
				if err != nil {
					t.Fatalf("%d records: %v", n, err)
				}
				if !bytes.Equal(got, want) || !bytes.Equal(want, data) {
					t.Fatalf("%d records: decompressed %d bytes, the reader %d, the input %d", n, len(got), len(want), len(data))
				}
				pool.PutDecompressBytes(got[:0])
			}
		})
	}
}

func TestLZ4DecompressorRefusesCorruptFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	d := newLZ4Decompressor(&recordPool{})
	frame := lz4Frame(t, records(rng, 5000, false))
	tests := []struct {
		name  string
		frame []byte
	}{
		{"truncated", frame[:len(frame)/2]},
		{"no end mark", frame[:len(frame)-8]},
		{"block size past the frame", func() []byte {
			f := bytes.Clone(frame)
			f[7], f[8], f[9] = 0xff, 0xff, 0x0f
			return f
		}()},
		{"garbage block", func() []byte {
			f := bytes.Clone(frame)
			for i := 11; i < 200; i++ {
				f[i] = 0xff
			}
			return f
		}()},
		{"not lz4", []byte("hello, world")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := d.Decompress(tc.frame, kgo.CodecLz4); err == nil {
				t.Error("decompressed a corrupt frame without an error")
			}
		})
	}
	// Other codecs go to franz-go's decompressor.
	if got, err := d.Decompress([]byte("plain"), kgo.CodecNone); err != nil || string(got) != "plain" {
		t.Errorf("uncompressed batch: %q, %v", got, err)
	}
	if _, err := d.Decompress(frame, kgo.CodecZstd); err == nil || errors.Is(err, errNotFast) {
		t.Errorf("an lz4 frame read as zstd: %v, want zstd's error", err)
	}
}
