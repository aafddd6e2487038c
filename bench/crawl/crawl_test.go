// Package crawl benchmarks the crawler on a lake of 100k small Parquet
// objects in 1,000 hourly partitions with the embedded SQLite catalog: a full
// crawl, a re-crawl of the unchanged lake, an incremental crawl with 1k new
// files, and the event path (Register) that `ticklake up` takes for each
// file the sink writes. docs/benchmarks.md records the figures.
package crawl

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/crawler"
	"github.com/ticklake/ticklake/internal/lake"
)

const (
	lakeObjects = 100_000
	perHour     = 100 // files per hr= partition: 1,000 partitions
	newObjects  = 1_000
)

type trade struct {
	Symbol string    `parquet:"symbol"`
	Price  float64   `parquet:"price"`
	Size   int32     `parquet:"size"`
	Seq    int64     `parquet:"seq"`
	TS     time.Time `parquet:"ts,timestamp(nanosecond)"`
}

// smallParquet is one ~1 KB Parquet file of a few trades.
func smallParquet(b *testing.B) []byte {
	b.Helper()
	var buf bytes.Buffer
	ts := time.Date(2026, 1, 1, 14, 30, 0, 0, time.UTC)
	rows := []trade{{"ACME", 10.5, 100, 1, ts}, {"BETA", 20.25, 200, 2, ts}, {"GAMA", 1.01, 300, 3, ts}}
	if err := parquet.Write(&buf, rows); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// keyOf is the i-th object's key: trades/dt=.../hr=../trades-0-<i>.parquet.
func keyOf(i int) string {
	hour := i / perHour
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(hour) * time.Hour)
	return fmt.Sprintf("trades/dt=%s/hr=%02d/trades-0-%020d.parquet", day.Format(time.DateOnly), day.Hour(), i)
}

// writeObjects lays objects [from, to) into dir directly, as a bulk copy
// would; the crawler then sees them through lake.Dir.
func writeObjects(b *testing.B, dir string, from, to int, data []byte) {
	b.Helper()
	for i := from; i < to; i++ {
		p := filepath.Join(dir, filepath.FromSlash(keyOf(i)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// countingStore counts the objects the crawler reads.
type countingStore struct {
	lake.Store
	reads atomic.Int64
}

func (s *countingStore) ReadAt(ctx context.Context, key string) (lake.ReaderAt, error) {
	s.reads.Add(1)
	return s.Store.ReadAt(ctx, key)
}

// env is one lake of lakeObjects objects (and the new objects benchmarks add
// to it), built once per process: writing 100k files costs more than any
// crawl measured here.
type env struct {
	root    string // temporary directory removed by TestMain
	dir     string
	store   *countingStore
	cat     *sqlite.Catalog  // crawled once, shared by the warm benchmarks
	warm    *crawler.Crawler // a long-running crawler (crawl --every, up)
	objects int
	data    []byte
}

var (
	shared     *env
	sharedRoot string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedRoot != "" {
		os.RemoveAll(sharedRoot)
	}
	os.Exit(code)
}

// sharedEnv builds the lake and crawls it once; the benchmark timer is
// stopped meanwhile.
func sharedEnv(b *testing.B) *env {
	b.Helper()
	if shared != nil {
		return shared
	}
	b.StopTimer()
	defer b.StartTimer()
	root, err := os.MkdirTemp("", "ticklake-bench-crawl-")
	if err != nil {
		b.Fatal(err)
	}
	sharedRoot = root
	e := &env{root: root, dir: filepath.Join(root, "lake"), objects: lakeObjects, data: smallParquet(b)}
	writeObjects(b, e.dir, 0, lakeObjects, e.data)
	store, err := lake.OpenDir(e.dir)
	if err != nil {
		b.Fatal(err)
	}
	e.store = &countingStore{Store: store}
	e.cat = e.openCatalog(b)
	e.warm = e.crawler(b, e.cat)
	crawl(b, e.warm)
	shared = e
	return e
}

// add writes n new objects.
func (e *env) add(b *testing.B, n int) {
	b.Helper()
	writeObjects(b, e.dir, e.objects, e.objects+n, e.data)
	e.objects += n
}

var catalogs atomic.Int64

func (e *env) openCatalog(b *testing.B) *sqlite.Catalog {
	b.Helper()
	cat, err := sqlite.Open(filepath.Join(e.root, fmt.Sprintf("catalog-%d.db", catalogs.Add(1))))
	if err != nil {
		b.Fatal(err)
	}
	return cat
}

func (e *env) crawler(b *testing.B, cat *sqlite.Catalog) *crawler.Crawler {
	b.Helper()
	c, err := crawler.New(e.store, cat, crawler.DefaultConfig(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func crawl(b *testing.B, c *crawler.Crawler) crawler.Report {
	b.Helper()
	rep, err := c.Crawl(context.Background())
	if err != nil || len(rep.Errors) > 0 {
		b.Fatalf("crawl: %v %v", err, rep.Errors)
	}
	return rep
}

// BenchmarkFullCrawl crawls the whole lake (100k objects, or more once other
// benchmarks added some) into an empty catalog.
func BenchmarkFullCrawl(b *testing.B) {
	e := sharedEnv(b)
	for range b.N {
		b.StopTimer()
		cat := e.openCatalog(b)
		c := e.crawler(b, cat)
		b.StartTimer()
		if rep := crawl(b, c); rep.FilesNew != e.objects {
			b.Fatalf("registered %d files; want %d", rep.FilesNew, e.objects)
		}
		cat.Close()
	}
	b.ReportMetric(float64(e.objects*b.N)/b.Elapsed().Seconds(), "objects/s")
}

// crawlers are the two ways a crawl meets the catalog: "warm" is a
// long-running crawler (crawl --every, up) that keeps its file index; "cold"
// a new process that loads it from the catalog.
func crawlers(e *env, b *testing.B) []struct {
	name string
	c    func() *crawler.Crawler
} {
	return []struct {
		name string
		c    func() *crawler.Crawler
	}{{"warm", func() *crawler.Crawler { return e.warm }}, {"cold", func() *crawler.Crawler { return e.crawler(b, e.cat) }}}
}

// BenchmarkUnchangedCrawl re-crawls the unchanged lake: it lists, and must
// read no object.
func BenchmarkUnchangedCrawl(b *testing.B) {
	e := sharedEnv(b)
	for _, tc := range crawlers(e, b) {
		b.Run(tc.name, func(b *testing.B) {
			reads := e.store.reads.Load()
			for range b.N {
				b.StopTimer()
				c := tc.c()
				b.StartTimer()
				if rep := crawl(b, c); rep.FilesNew != 0 || rep.FilesSeen != e.objects {
					b.Fatalf("report %+v", rep)
				}
			}
			if got := e.store.reads.Load() - reads; got != 0 {
				b.Fatalf("re-crawls read %d objects; want 0", got)
			}
		})
	}
}

// BenchmarkIncrementalCrawl adds 1k new objects to the lake before each
// crawl.
func BenchmarkIncrementalCrawl(b *testing.B) {
	e := sharedEnv(b)
	for _, tc := range crawlers(e, b) {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				e.add(b, newObjects)
				c := tc.c()
				b.StartTimer()
				if rep := crawl(b, c); rep.FilesNew != newObjects {
					b.Fatalf("registered %d files; want %d", rep.FilesNew, newObjects)
				}
			}
		})
	}
}

// BenchmarkRegister is the event path: one Register call per new file in a
// table of 100k files, as the sink publishes them.
func BenchmarkRegister(b *testing.B) {
	e := sharedEnv(b)
	b.StopTimer()
	first := e.objects
	e.add(b, b.N)
	b.StartTimer()
	for i := range b.N {
		if err := e.warm.Register(context.Background(), []string{keyOf(first + i)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/file")
}
