package kafka

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testRecord is one record appended to a batch in a test.
type testRecord struct {
	ts         int64
	key, value string
	headers    []kgo.RecordHeader
}

// readBatch parses wire with franz-go's decoder, checks its CRC and
// returns its header and records, decompressed.
func readBatch(t *testing.T, wire []byte) (kmsg.RecordBatch, []kmsg.Record) {
	t.Helper()
	var rb kmsg.RecordBatch
	if err := rb.ReadFrom(wire); err != nil {
		t.Fatalf("kmsg cannot read the batch: %v", err)
	}
	if int(rb.Length) != len(wire)-12 {
		t.Fatalf("batch length %d, want %d", rb.Length, len(wire)-12)
	}
	if crc := crc32.Checksum(wire[batchCRCFrom:], castagnoli); uint32(rb.CRC) != crc {
		t.Fatalf("batch CRC %08x, want %08x", uint32(rb.CRC), crc)
	}
	raw := rb.Records
	if codec := byte(rb.Attributes & 7); codec != 0 {
		d := kgo.DefaultDecompressor()
		var err error
		if raw, err = d.Decompress(rb.Records, kgo.CompressionCodecType(codec)); err != nil {
			t.Fatalf("decompressing codec %d: %v", codec, err)
		}
	}
	recs := make([]kmsg.Record, rb.NumRecords)
	for i := range recs {
		length, n := binary.Varint(raw)
		if n <= 0 || int(length)+n > len(raw) {
			t.Fatalf("record %d: bad length prefix", i)
		}
		if err := recs[i].ReadFrom(raw[:n+int(length)]); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		raw = raw[n+int(length):]
	}
	if len(raw) != 0 {
		t.Fatalf("%d bytes after %d records", len(raw), rb.NumRecords)
	}
	return rb, recs
}

// TestBatchMatchesKafkaFormat writes batches with every codec and reads them
// back with franz-go's decoder: header fields, CRC, and every record's
// timestamp, offset, key, value and headers.
func TestBatchMatchesKafkaFormat(t *testing.T) {
	h := []kgo.RecordHeader{{Key: "schema", Value: []byte("1")}, {Key: "empty", Value: nil}}
	recs := []testRecord{
		{ts: 1_700_000_000_000, key: "AAPL", value: `{"p":1}`, headers: h},
		{ts: 1_700_000_000_005, key: "", value: "", headers: nil},
		{ts: 1_699_999_999_990, key: "BRK.B", value: strings.Repeat("v", 70_000), headers: h}, // earlier, and past a varint byte
		{ts: 1_700_000_000_001, key: "MSFT", value: `{"q":2}`, headers: h[:1]},
	}
	lz4 := newLZ4Compressor()
	for _, codec := range []string{"none", "lz4", "zstd", "snappy", "gzip"} {
		t.Run(codec, func(t *testing.T) {
			var comp kgo.Compressor = lz4
			if codec != "lz4" {
				c, err := compressionCodec(codec)
				if err != nil {
					t.Fatal(err)
				}
				if comp, err = kgo.DefaultCompressor(c); err != nil {
					t.Fatal(err)
				}
			}
			var b batch
			b.reset(&partition{topic: "trades"})
			for _, r := range recs {
				b.append(r.ts, 99, r.key, []byte(r.value), encodeHeaders(nil, r.headers))
			}
			var tmp bytes.Buffer
			b.seal(producerIdentity{id: 4242, epoch: 3}, 2_147_483_000, comp, &tmp)
			rb, got := readBatch(t, b.wire)
			if rb.Magic != 2 || rb.ProducerID != 4242 || rb.ProducerEpoch != 3 || rb.FirstSequence != 2_147_483_000 ||
				rb.NumRecords != 4 || rb.LastOffsetDelta != 3 || rb.FirstTimestamp != recs[0].ts || rb.MaxTimestamp != 1_700_000_000_005 ||
				rb.PartitionLeaderEpoch != -1 || rb.FirstOffset != 0 {
				t.Fatalf("header %+v", rb)
			}
			if codec != "none" && rb.Attributes&7 == 0 {
				t.Errorf("codec %s left the records uncompressed", codec)
			}
			for i, r := range got {
				want := recs[i]
				if int(r.OffsetDelta) != i || rb.FirstTimestamp+r.TimestampDelta64 != want.ts ||
					string(r.Key) != want.key || string(r.Value) != want.value || !sameHeaders(headersOf(r), want.headers) {
					t.Fatalf("record %d: offset %d ts %d key %q value %.20q headers %v; want %+v",
						i, r.OffsetDelta, rb.FirstTimestamp+r.TimestampDelta64, r.Key, r.Value, headersOf(r), want)
				}
			}
		})
	}
}

// sameHeaders reports whether a and b hold the same keys and values, a nil
// (null) value matching only a nil one.
func sameHeaders(a, b []kgo.RecordHeader) bool {
	return slices.EqualFunc(a, b, func(x, y kgo.RecordHeader) bool {
		return x.Key == y.Key && bytes.Equal(x.Value, y.Value) && (x.Value == nil) == (y.Value == nil)
	})
}

// headersOf returns r's headers as kgo headers, nil when it has none.
func headersOf(r kmsg.Record) []kgo.RecordHeader {
	var out []kgo.RecordHeader
	for _, h := range r.Headers {
		out = append(out, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	return out
}

// TestBatchReuseStartsClean seals a batch, reuses it for another partition
// and checks that nothing of the first survives.
func TestBatchReuseStartsClean(t *testing.T) {
	var b batch
	var tmp bytes.Buffer
	b.reset(&partition{topic: "a"})
	b.append(10, 1, "K1", []byte("first"), encodeHeaders(nil, nil))
	b.append(20, 1, "K2", []byte("second"), encodeHeaders(nil, nil))
	b.seal(producerIdentity{id: 1}, 0, nil, &tmp)
	p := &partition{topic: "b"}
	b.reset(p)
	b.append(30, 2, "K3", []byte("third"), encodeHeaders(nil, nil))
	b.seal(producerIdentity{id: 1}, 2, nil, &tmp)
	rb, got := readBatch(t, b.wire)
	if b.part != p || b.opened != 2 || rb.NumRecords != 1 || rb.FirstTimestamp != 30 || rb.FirstSequence != 2 ||
		len(got) != 1 || string(got[0].Value) != "third" || got[0].OffsetDelta != 0 {
		t.Fatalf("reused batch: header %+v, records %+v", rb, got)
	}
}

func TestNextSeqWraps(t *testing.T) {
	tests := []struct {
		name   string
		seq, n int32
		want   int32
	}{
		{"start", 0, 10, 10},
		{"to the top", 2_147_483_637, 10, 2_147_483_647},
		{"past the top", 2_147_483_640, 10, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextSeq(tt.seq, tt.n); got != tt.want {
				t.Fatalf("nextSeq(%d, %d) = %d, want %d", tt.seq, tt.n, got, tt.want)
			}
		})
	}
}
