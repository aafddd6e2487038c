// Package query benchmarks the query engine on a large simulated lake, next
// to the DuckDB CLI reading the same files directly.
//
// The lake is made once by writing the simulator's trades as the sink
// would (zstd Parquet sorted by symbol and ts, one file per hour and Kafka
// partition, sink file names, dt/hr folders) and registering the files in
// a SQLite catalog; it is reused across runs from
// $TICKLAKE_BENCH_DIR (default ~/.cache/ticklake/bench-query-<trades>).
// Quotes are not written: they would multiply the build time and the
// benchmarked queries read trades.
package query

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/crawler"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/sim"
)

// tradeRow is the sink's trades row.
type tradeRow struct {
	Symbol         string   `parquet:"symbol,dict"`
	Ts             int64    `parquet:"ts,timestamp(nanosecond:local)"`
	Price          float64  `parquet:"price"`
	Size           int64    `parquet:"size"`
	Exchange       string   `parquet:"exchange,dict"`
	Conditions     []string `parquet:"conditions,list" parquet-element:",dict"`
	Side           string   `parquet:"side,dict"`
	Seq            int64    `parquet:"seq"`
	KafkaPartition int32    `parquet:"_kafka_partition"`
	KafkaOffset    int64    `parquet:"_kafka_offset"`
	IngestTime     int64    `parquet:"_ingest_time,timestamp(microsecond)"`
}

const (
	kafkaPartitions = 4
	rowGroupRows    = 128 * 1024
)

// benchStart is a Monday before the open; the lake covers the following
// trading days.
var benchStart = time.Date(2026, 11, 2, 13, 0, 0, 0, time.UTC)

// benchLake is a built lake.
type benchLake struct {
	dir     string // holds lake/ and catalog.db
	trades  int64
	firstDt string // the first UTC date with trades
}

func (l benchLake) lakeDir() string     { return filepath.Join(l.dir, "lake") }
func (l benchLake) catalogPath() string { return filepath.Join(l.dir, "catalog.db") }

var (
	lakeOnce sync.Once
	lakeVal  benchLake
	lakeErr  error
)

// getLake returns the benchmark lake, building it on first use, and
// crawled: the crawler records each file's schema id, as it does for the
// sink's files in `ticklake up` (a lake built before the catalog kept them
// gets them filled in once, as a user's catalog does on upgrade).
func getLake(tb testing.TB) benchLake {
	tb.Helper()
	lakeOnce.Do(func() {
		lakeVal, lakeErr = buildLake(benchTrades())
		if lakeErr == nil {
			lakeErr = crawlLake(lakeVal)
		}
	})
	if lakeErr != nil {
		tb.Fatal(lakeErr)
	}
	return lakeVal
}

// crawlLake crawls the lake into its catalog, which reads only the files
// the catalog has no schema id for.
func crawlLake(l benchLake) error {
	store, err := lake.OpenDir(l.lakeDir())
	if err != nil {
		return err
	}
	defer store.Close()
	cat, err := sqlite.Open(l.catalogPath())
	if err != nil {
		return err
	}
	defer cat.Close()
	c, err := crawler.New(store, cat, crawler.DefaultConfig(), nil, nil)
	if err != nil {
		return err
	}
	rep, err := c.Crawl(context.Background())
	if err != nil {
		return err
	}
	if rep.FilesNew > 0 || rep.FilesSchemaIDs > 0 || len(rep.Changes) > 0 {
		fmt.Fprintf(os.Stderr, "crawled the lake in %s: %d files new, %d schema ids filled in, %d schema changes\n",
			rep.Duration.Round(time.Millisecond), rep.FilesNew, rep.FilesSchemaIDs, len(rep.Changes))
	}
	return nil
}

func benchTrades() int64 {
	if v, err := strconv.ParseInt(os.Getenv("TICKLAKE_BENCH_QUERY_TRADES"), 10, 64); err == nil && v > 0 {
		return v
	}
	return 50_000_000
}

func buildLake(trades int64) (benchLake, error) {
	dir := os.Getenv("TICKLAKE_BENCH_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "ticklake", fmt.Sprintf("bench-query-%d", trades))
	}
	l := benchLake{dir: dir, trades: trades}
	done := filepath.Join(dir, "DONE")
	if b, err := os.ReadFile(done); err == nil {
		l.firstDt = strings.TrimSpace(string(b))
		return l, nil
	}
	os.RemoveAll(dir)
	start := time.Now()
	first, err := writeLake(l, trades)
	if err != nil {
		return l, err
	}
	l.firstDt = first
	fmt.Fprintf(os.Stderr, "built a lake of %d trades in %s at %s\n", trades, time.Since(start).Round(time.Second), dir)
	return l, os.WriteFile(done, []byte(first+"\n"), 0o644)
}

// hourFile is one file to write.
type hourFile struct {
	part  lake.Partition
	kpart int32
	first int64
	rows  []tradeRow
}

// writeLake runs the simulator until it made trades trades, writing each
// closed hour's files on a second goroutine.
func writeLake(l benchLake, trades int64) (string, error) {
	store, err := lake.OpenDir(l.lakeDir())
	if err != nil {
		return "", err
	}
	cat, err := sqlite.Open(l.catalogPath())
	if err != nil {
		return "", err
	}
	defer cat.Close()
	if err := cat.PutTable(context.Background(), tradesTable(store)); err != nil {
		return "", err
	}
	files := make(chan hourFile, 2)
	errc := make(chan error, 1)
	go func() { errc <- writeFiles(store, cat, files) }()
	first, err := simulate(trades, files)
	close(files)
	if werr := <-errc; err == nil {
		err = werr
	}
	return first, err
}

func simulate(trades int64, out chan<- hourFile) (string, error) {
	s, err := sim.New(sim.Config{Seed: 1, Start: benchStart})
	if err != nil {
		return "", err
	}
	var cur lake.Partition
	var bufs [kafkaPartitions][]tradeRow
	var offsets [kafkaPartitions]int64
	firstDt := ""
	flush := func() {
		for p := range bufs {
			if len(bufs[p]) > 0 {
				out <- hourFile{part: cur, kpart: int32(p), first: offsets[p], rows: bufs[p]}
				offsets[p] += int64(len(bufs[p]))
				bufs[p] = nil
			}
		}
	}
	for n := int64(0); n < trades; {
		ev := s.Next()
		if ev.Trade == nil {
			continue
		}
		t := ev.Trade
		p := lake.PartitionOf(time.Unix(0, t.Ts).Truncate(time.Millisecond))
		if p != cur {
			flush()
			cur = p
			if firstDt == "" {
				firstDt = p.Date
			}
		}
		kp := partitionOf(t.Symbol)
		bufs[kp] = append(bufs[kp], tradeRow{Symbol: t.Symbol, Ts: t.Ts, Price: t.Price, Size: t.Size, Exchange: t.Exchange,
			Conditions: t.Conditions, Side: t.Side, Seq: t.Seq, KafkaPartition: kp,
			KafkaOffset: offsets[kp] + int64(len(bufs[kp])), IngestTime: t.Ts / 1000})
		n++
	}
	flush()
	return firstDt, nil
}

func partitionOf(symbol string) int32 {
	h := fnv.New32a()
	h.Write([]byte(symbol))
	return int32(h.Sum32() % kafkaPartitions)
}

// writeFiles encodes and stores files as the sink does, and registers them.
func writeFiles(store *lake.Dir, cat catalog.Catalog, files <-chan hourFile) error {
	var err error
	for f := range files {
		if err != nil {
			continue // drain
		}
		err = writeFile(store, cat, f)
	}
	return err
}

func writeFile(store *lake.Dir, cat catalog.Catalog, f hourFile) error {
	slices.SortFunc(f.rows, func(a, b tradeRow) int {
		return cmp.Or(strings.Compare(a.Symbol, b.Symbol), cmp.Compare(a.Ts, b.Ts))
	})
	df := lake.DataFile{Table: "trades", Partition: f.part, Topic: "trades", KafkaPart: f.kpart,
		FirstOffset: f.first, LastOffset: f.first + int64(len(f.rows)) - 1}
	data, err := encode(f.rows)
	if err != nil {
		return err
	}
	ctx := context.Background()
	if err := store.Create(ctx, df.Key(), data); err != nil {
		return err
	}
	return cat.AddFiles(ctx, catalog.DefaultDatabase, "trades", []catalog.File{{Key: df.Key(),
		Partition: []string{f.part.Date, fmt.Sprintf("%02d", f.part.Hour)}, Rows: int64(len(f.rows)),
		Bytes: int64(len(data)), ModTime: time.Now()}})
}

func encode(rows []tradeRow) ([]byte, error) {
	var buf bytesBuffer
	w := parquet.NewGenericWriter[tradeRow](&buf, parquet.Compression(&parquet.Zstd),
		parquet.MaxRowsPerRowGroup(rowGroupRows), parquet.CreatedBy("ticklake", "", ""),
		parquet.SortingWriterConfig(parquet.SortingColumns(parquet.Ascending("symbol"), parquet.Ascending("ts"))))
	if _, err := w.Write(rows); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.b, nil
}

type bytesBuffer struct{ b []byte }

func (b *bytesBuffer) Write(p []byte) (int, error) {
	b.b = append(b.b, p...)
	return len(p), nil
}

// tradesTable is the table the crawler would make of the sink's files.
func tradesTable(store lake.Store) catalog.Table {
	col := func(n, t string) catalog.Column { return catalog.Column{Name: n, Type: t} }
	return catalog.Table{
		Database: catalog.DefaultDatabase, Name: "trades", Location: store.URL() + "/trades", Classification: "parquet",
		Columns: []catalog.Column{col("symbol", "string"), col("ts", "timestamp"), col("price", "double"),
			col("size", "bigint"), col("exchange", "string"), col("conditions", "array<string>"), col("side", "string"),
			col("seq", "bigint"), col("_kafka_partition", "int"), col("_kafka_offset", "bigint"), col("_ingest_time", "timestamp")},
		PartitionKeys: []catalog.Column{col("dt", "date"), col("hr", "int")},
	}
}

// TestBuildLake only builds (or finds) the lake: `go test -run BuildLake
// ./bench/query` before timing anything.
func TestBuildLake(t *testing.T) {
	if os.Getenv("TICKLAKE_BENCH_BUILD") == "" {
		t.Skip("set TICKLAKE_BENCH_BUILD=1 to build the benchmark lake (minutes); `make bench` builds it on first use")
	}
	l := getLake(t)
	t.Logf("lake of %d trades at %s, first day %s", l.trades, l.dir, l.firstDt)
}
