package kafka

import (
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Producer tuning, read by the batch writer from the client's options:
// batches up to 1 MiB, sealed 5 ms after their first record (later when
// two of the partition's batches are already waiting, so batches grow when
// the brokers are slow), and a record retried 30 times before it fails the
// run. The writer's own bound on memory is maxSealedBatches.
const (
	// DefaultLinger is how long a batch waits for more records; `produce
	// --linger` changes it (a longer linger makes bigger batches, which
	// spares a real broker's CPU at full speed).
	DefaultLinger      = 5 * time.Millisecond
	producerLinger     = DefaultLinger
	producerBatchBytes = 1 << 20
	DefaultCompression = "lz4"
	compressionChoices = "lz4, zstd, snappy, gzip or none"
	recordRetries      = 30
)

// ProducerOpts returns the kgo options of a ticklake producer client:
// acks=all (the batch writer is an idempotent producer), batches compressed
// with compression (lz4 by default), and a batch that fails 30 tries in a
// row (about two minutes of the client's backoff, 250 ms doubling to 5 s)
// failed and reported
// rather than retried forever.
func ProducerOpts(compression string) ([]kgo.Opt, error) {
	codec, err := compressionCodec(compression)
	if err != nil {
		return nil, err
	}
	opts := []kgo.Opt{
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(codec),
		kgo.ProducerLinger(producerLinger),
		kgo.ProducerBatchMaxBytes(producerBatchBytes),
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
