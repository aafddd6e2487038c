package sink

import (
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"
)

// recordPool lends franz-go the memory of fetched records (kgo.WithPools):
// the Record structs of each batch and the buffer each batch is
// decompressed into, whose bytes the records' keys, values and header
// values point into. The loop recycles each record as soon as it has
// consumed it (consumePartition: when it takes the next), so nothing the
// sink keeps may point into a record past its consumption: rows hold
// copies (the decoders copy every string they keep), bad records copy
// their value (newBadRecord), the de-duplication state copies the keys it
// stores, and produce times are parsed into integers. Records read ahead
// (predecode) are only compared by address after they are recycled.
type recordPool struct {
	recs  sync.Pool // *[]kgo.Record
	bytes sync.Pool // *[]byte
	// returned counts the record slices and buffers given back, for the
	// tests to see that recycling happens.
	returned atomic.Int64
}

var (
	_ kgo.PoolRecords         = (*recordPool)(nil)
	_ kgo.PoolDecompressBytes = (*recordPool)(nil)
)

// GetRecords returns a pooled slice of records; franz-go grows it when it
// is shorter than n, and the grown slice comes back to the pool.
func (p *recordPool) GetRecords(n int) []kgo.Record {
	if s, ok := p.recs.Get().(*[]kgo.Record); ok {
		return *s
	}
	return make([]kgo.Record, 0, n)
}

// PutRecords takes back a slice franz-go has cleared.
func (p *recordPool) PutRecords(s []kgo.Record) {
	p.returned.Add(1)
	p.recs.Put(&s)
}

// GetDecompressBytes returns a pooled buffer; only its capacity is used.
func (p *recordPool) GetDecompressBytes(_ []byte, _ kgo.CompressionCodecType) []byte {
	if b, ok := p.bytes.Get().(*[]byte); ok {
		return *b
	}
	return nil
}

// PutDecompressBytes takes back a buffer franz-go has zeroed.
func (p *recordPool) PutDecompressBytes(b []byte) {
	p.returned.Add(1)
	p.bytes.Put(&b)
}

// recycle gives consumed records back to the pool. The caller must hold
// nothing that points into them.
func recycle(recs []*kgo.Record) {
	for _, r := range recs {
		r.Recycle()
	}
}
