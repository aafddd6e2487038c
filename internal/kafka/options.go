package kafka

import (
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Producer tuning: batches large enough to amortise a request per partition,
// a short linger so real-time runs stay fresh, and a bounded buffer so a slow
// broker slows the loop down (Produce blocks) instead of growing memory.
//
// The buffer is bounded well below kgo's default: every record is touched
// again when its batch is encoded and when it is acknowledged, and with
// 200,000 records in flight (about 90 MB) each touch missed the cache. But
// too small a buffer starves the pipeline on an idle machine: at 5,000 the
// producer made 390-420k records/s there, at 20,000 555-640k, at 200,000
// 500-570k (docs/benchmarks.md, "Producer and simulator").
const (
	// DefaultLinger is how long a batch waits for more records; `produce
	// --linger` changes it (a longer linger makes bigger batches, which
	// spares a real broker's CPU at full speed).
	DefaultLinger      = 5 * time.Millisecond
	producerLinger     = DefaultLinger
	producerBatchBytes = 1 << 20
	maxBufferedRecords = 20_000
	maxBufferedBytes   = 128 << 20
	DefaultCompression = "lz4"
	compressionChoices = "lz4, zstd, snappy, gzip or none"
	recordRetries      = 30
)

// ProducerOpts returns the kgo options of a ticklake producer client:
// idempotent with acks=all, keys partitioned with murmur2 exactly as the Java
// client does, batches compressed with compression (lz4 by default), and a
// record that fails 30 tries in a row (about half a minute of backoff)
// failed and reported rather than retried forever. (kgo's delivery timeout
// would measure from the record timestamp, which is the event time.)
func ProducerOpts(compression string) ([]kgo.Opt, error) {
	codec, err := compressionCodec(compression)
	if err != nil {
		return nil, err
	}
	opts := []kgo.Opt{
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.ProducerBatchCompression(codec),
		kgo.ProducerLinger(producerLinger),
		kgo.ProducerBatchMaxBytes(producerBatchBytes),
		kgo.MaxBufferedRecords(maxBufferedRecords),
		kgo.MaxBufferedBytes(maxBufferedBytes),
		kgo.RecordRetries(recordRetries),
	}
	if codec == kgo.Lz4Compression() {
		opts = append(opts, kgo.WithCompressor(newLZ4Compressor())) // see lz4Compressor
	}
	return opts, nil
}

func compressionCodec(name string) (kgo.CompressionCodec, error) {
	switch strings.ToLower(name) {
	case "", "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "none":
		return kgo.NoCompression(), nil
	}
	return kgo.NoCompression(), fmt.Errorf("kafka: unknown compression %q; use %s", name, compressionChoices)
}
