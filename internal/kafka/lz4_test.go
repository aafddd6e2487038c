package kafka

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kgo"
)

// jsonLines returns about n bytes of records like the producer's values.
func jsonLines(n int) []byte {
	var b []byte
	for i := 0; len(b) < n; i++ {
		b = append(b, `{"symbol":"AAPL","ts":`...)
		b = strconv.AppendInt(b, 1763370000000000000+int64(i)*7919, 10)
		b = append(b, `,"price":`...)
		b = strconv.AppendInt(b, int64(100+i%37), 10)
		b = append(b, `,"size":100,"exchange":"Q","conditions":["@"],"side":"B","seq":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "}\n"...)
	}
	return b[:n]
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestLZ4FrameRoundTrip(t *testing.T) {
	mixed := append(jsonLines(100<<10), randomBytes(70<<10)...)
	tests := []struct {
		name string
		src  []byte
	}{
		{"one byte", []byte{'x'}},
		{"short record", jsonLines(150)},
		{"exactly one block", jsonLines(lz4BlockSize)},
		{"a megabyte of records", jsonLines(1 << 20)},
		{"incompressible", randomBytes(100 << 10)},
		{"records then noise", mixed},
	}
	c := newLZ4Compressor()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dst bytes.Buffer
			frame, codec := c.Compress(&dst, tt.src)
			if codec != kgo.CodecLz4 {
				t.Fatalf("codec %v, want lz4", codec)
			}
			if len(frame) > lz4FrameBound(len(tt.src)) {
				t.Fatalf("frame of %d bytes exceeds its bound %d", len(frame), lz4FrameBound(len(tt.src)))
			}
			// pierrec's reader checks the magic, the descriptor and its
			// header checksum, and every block size against BD.
			got, err := io.ReadAll(lz4.NewReader(bytes.NewReader(frame)))
			if err != nil {
				t.Fatalf("reading the frame back: %v", err)
			}
			if !bytes.Equal(got, tt.src) {
				t.Fatalf("frame decodes to %d bytes that differ from the %d written", len(got), len(tt.src))
			}
		})
	}
}

func TestLZ4FrameStoresIncompressibleBlocksRaw(t *testing.T) {
	src := randomBytes(lz4BlockSize + 10)
	frame := appendLZ4Frame(nil, src, new(lz4.Compressor))
	first := binary.LittleEndian.Uint32(frame[7:])
	if first != lz4BlockSize|lz4RawBlock {
		t.Fatalf("first block size word %#x, want %#x (raw, 64 KiB)", first, lz4BlockSize|lz4RawBlock)
	}
	if got := len(frame); got != 7+4+lz4BlockSize+4+10+4 {
		t.Fatalf("frame of %d bytes, want the raw bytes plus 19 bytes of framing", got)
	}
}

func TestLZ4FrameCompressesRecords(t *testing.T) {
	src := jsonLines(1 << 20)
	frame := appendLZ4Frame(nil, src, new(lz4.Compressor))
	if ratio := float64(len(src)) / float64(len(frame)); ratio < 3 {
		t.Fatalf("records compress %.2f times, want at least 3", ratio)
	}
}

func TestLZ4FrameHeaderChecksum(t *testing.T) {
	if got := byte(xxh32Short([]byte{lz4FLG, lz4BD}) >> 8); got != lz4HC {
		t.Fatalf("header checksum of FLG %#x BD %#x is %#x, lz4HC is %#x", lz4FLG, lz4BD, got, lz4HC)
	}
}

// xxh32Short is xxHash32 with seed 0 of fewer than 4 bytes.
func xxh32Short(b []byte) uint32 {
	const p1, p2, p3, p5 = 2654435761, 2246822519, 3266489917, 374761393
	h := uint32(p5) + uint32(len(b))
	for _, c := range b {
		h += uint32(c) * p5
		h = (h<<11 | h>>21) * p1
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	return h ^ h>>16
}

// TestProducerOptsLZ4BatchesReadBack produces through ProducerOpts' lz4
// compressor into the embedded broker and reads the records back with
// franz-go's own decompressor.
func TestProducerOptsLZ4BatchesReadBack(t *testing.T) {
	b := newTestBroker(t, "")
	adm := newTestAdmin(t, b.Addr())
	ensureTestTopic(t, adm, "trades", 3)
	ensureTestTopic(t, adm, "quotes", 3)
	opts, err := ProducerOpts("lz4")
	if err != nil {
		t.Fatal(err)
	}
	cl := newTestClient(t, b.Addr(), opts...)
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, 3000
	before := time.Now()
	if err := newTestProducer(t, cl, cfg, nil).Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	src := newTestSim(t)
	want := map[string]string{}
	for range 3000 {
		ev := src.Next()
		want[ev.Topic()+" "+ev.Key()+" "+strconv.FormatInt(seqOf(ev), 10)] = string(ev.AppendJSON(nil))
	}
	recs := consumeAll(t, b.Addr(), 3000, "trades", "quotes")
	for _, r := range recs {
		if c := r.Attrs.CompressionType(); c != 3 {
			t.Fatalf("record at %s/%d/%d has compression type %d, want 3 (lz4)", r.Topic, r.Partition, r.Offset, c)
		}
		checkRecord(t, r, want, before)
	}
}

// BenchmarkLZ4Compress compresses a 1 MiB batch of JSON records with
// franz-go's default lz4 compressor and with ticklake's.
func BenchmarkLZ4Compress(b *testing.B) {
	std, err := kgo.DefaultCompressor(kgo.Lz4Compression())
	if err != nil {
		b.Fatal(err)
	}
	src := jsonLines(1 << 20)
	for _, bc := range []struct {
		name string
		c    kgo.Compressor
	}{{"franz-go", std}, {"ticklake", newLZ4Compressor()}} {
		b.Run(bc.name, func(b *testing.B) {
			var dst bytes.Buffer
			b.SetBytes(int64(len(src)))
			var n int
			for b.Loop() {
				dst.Reset()
				out, _ := bc.c.Compress(&dst, src)
				n = len(out)
			}
			b.ReportMetric(float64(len(src))/float64(n), "ratio")
		})
	}
}

// TestLZ4BatchesOnRealKafka checks that Apache Kafka accepts the producer's
// lz4 frames (the broker decompresses every batch to validate it) and
// serves them back intact.
func TestLZ4BatchesOnRealKafka(t *testing.T) {
	c := newTestRealKafka(t)
	const n = 20_000
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, n
	cfg.TopicTrades, cfg.TopicQuotes = "lz4-trades", "lz4-quotes"
	for _, topic := range []string{cfg.TopicTrades, cfg.TopicQuotes} {
		ensureTestTopic(t, c.Admin(), topic, 3)
	}
	opts, err := ProducerOpts("lz4")
	if err != nil {
		t.Fatal(err)
	}
	addr := c.Brokers()[0]
	before := time.Now()
	if err := newTestProducer(t, newTestClient(t, addr, opts...), cfg, nil).Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatalf("Run against Kafka: %v", err)
	}
	src := newTestSim(t)
	want := map[string]string{}
	for range n {
		ev := src.Next()
		want[ev.Topic()+" "+ev.Key()+" "+strconv.FormatInt(seqOf(ev), 10)] = string(ev.AppendJSON(nil))
	}
	for _, r := range consumeAll(t, addr, n, cfg.TopicTrades, cfg.TopicQuotes) {
		if c := r.Attrs.CompressionType(); c != 3 {
			t.Fatalf("record at %s/%d/%d has compression type %d, want 3 (lz4)", r.Topic, r.Partition, r.Offset, c)
		}
		r.Topic = strings.TrimPrefix(r.Topic, "lz4-")
		checkRecord(t, r, want, before)
	}
}
