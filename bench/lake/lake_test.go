// Package lake benchmarks the lake backends side by side: Create (the
// no-replace write every data file and commit marker takes) and whole-object
// reads, on a local directory and on S3 served by versitygw on loopback,
// sequential and with 8 writers. The S3 half runs when
// TICKLAKE_TEST_VERSITYGW is set (scripts/test-deps.sh prints it).
// docs/benchmarks.md records the figures.
package lake

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/lake/laketest"
	"github.com/ticklake/ticklake/internal/lake/s3test"
)

var sizes = []struct {
	name string
	n    int
}{
	{"marker-200B", 200},
	{"file-1MiB", 1 << 20},
	{"file-16MiB", 16 << 20},
}

func backends(b *testing.B) []struct {
	name string
	open func(b *testing.B) lake.Store
} {
	return []struct {
		name string
		open func(b *testing.B) lake.Store
	}{
		{"dir", func(b *testing.B) lake.Store {
			d, err := lake.OpenDir(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			return d
		}},
		{"s3-versitygw", func(b *testing.B) lake.Store {
			return s3test.Start(b).Store(b, "bench")
		}},
	}
}

func BenchmarkCreate(b *testing.B) {
	for _, be := range backends(b) {
		for _, sz := range sizes {
			for _, writers := range []int{1, 8} {
				b.Run(fmt.Sprintf("%s/%s/writers-%d", be.name, sz.name, writers), func(b *testing.B) {
					st := be.open(b)
					data := laketest.Payload(1, sz.n)
					var seq atomic.Int64
					b.SetBytes(int64(sz.n))
					b.SetParallelism(writers)
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							key := fmt.Sprintf("t/dt=2026-11-02/hr=14/%012d", seq.Add(1))
							if err := st.Create(context.Background(), key, data); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		}
	}
}

func BenchmarkOpenRead(b *testing.B) {
	for _, be := range backends(b) {
		for _, sz := range sizes[1:] {
			b.Run(be.name+"/"+sz.name, func(b *testing.B) {
				st := be.open(b)
				if err := st.Create(context.Background(), "obj", laketest.Payload(2, sz.n)); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(sz.n))
				b.ResetTimer()
				for range b.N {
					r, err := st.Open(context.Background(), "obj")
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.Copy(io.Discard, r); err != nil {
						b.Fatal(err)
					}
					r.Close()
				}
			})
		}
	}
}
