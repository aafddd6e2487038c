package sink

import (
	"sync"

	"github.com/parquet-go/parquet-go/compress/zstd"
)

// encoder is what the tables of one sink share to encode files: the zstd
// codec (its pooled encoders) and pools of row slices for the buffers that
// live for one poll or one encode (rows decoded ahead, rows in sort order),
// fed by the rows of finished ranges. Buffers that live as long as a range
// never come from the pools: a pooled slice may be far larger than the
// partition needs. The garbage collector empties the pools, which keeps the
// memory they hold bounded.
type encoder struct {
	codec     *zstd.Codec
	rows      sync.Map // one *sync.Pool of *[]T per row type T, keyed by a nil *T
	chunks    sync.Map // one *sync.Pool of *chunk[V] per row type V, keyed by a nil *V
	templates sync.Map // one *fileTemplate per file row type R, keyed by a nil *R
	writers   sync.Map // one *sync.Pool of *pqWriter[V] per row type V, keyed by a nil *V
}

// zstdLevel is the sink's compression level: the fastest, which costs a
// few percent in file size and saves most of the compression CPU.
const zstdLevel = zstd.SpeedFastest

func newEncoder() *encoder {
	return &encoder{codec: &zstd.Codec{Level: zstdLevel}}
}

// pool returns the pool of []T slices.
func pool[T any](e *encoder) *sync.Pool {
	var zero *T
	if p, ok := e.rows.Load(zero); ok {
		return p.(*sync.Pool)
	}
	p, _ := e.rows.LoadOrStore(zero, &sync.Pool{})
	return p.(*sync.Pool)
}

// getRows returns an empty slice of rows, with capacity when one was put
// back.
func getRows[T any](e *encoder) []T {
	if s, ok := pool[T](e).Get().(*[]T); ok {
		return (*s)[:0]
	}
	return nil
}

// putRows gives rows back for reuse; the caller no longer holds them.
func putRows[T any](e *encoder, rows []T) {
	if cap(rows) == 0 {
		return
	}
	clear(rows) // drop the strings they point to
	rows = rows[:0]
	pool[T](e).Put(&rows)
}

// getChunk returns a chunk of V rows, its contents undefined.
func getChunk[V any](e *encoder) *chunk[V] {
	if c, ok := chunkPool[V](e).Get().(*chunk[V]); ok {
		return c
	}
	return new(chunk[V])
}

// putChunk gives a chunk back for reuse; the caller no longer holds it.
func putChunk[V any](e *encoder, c *chunk[V]) { chunkPool[V](e).Put(c) }

// chunkPool returns the pool of chunks of V rows.
func chunkPool[V any](e *encoder) *sync.Pool {
	var zero *V
	if p, ok := e.chunks.Load(zero); ok {
		return p.(*sync.Pool)
	}
	p, _ := e.chunks.LoadOrStore(zero, &sync.Pool{})
	return p.(*sync.Pool)
}
