package query

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/query"
)

// benchQuery is one benchmarked question, as ticklake is asked it and as
// the DuckDB CLI is asked it over the same files.
type benchQuery struct {
	name, sql, peer string
}

func benchQueries(l benchLake) []benchQuery {
	day, _ := time.Parse(time.DateOnly, l.firstDt)
	next := day.AddDate(0, 0, 1).Format(time.DateOnly)
	movers := day.AddDate(0, 0, 1) // Tuesday: Monday's close is the previous one
	src := fmt.Sprintf("read_parquet('%s/trades/*/*/*.parquet', hive_partitioning = true, union_by_name = true)", l.lakeDir())
	bars := `SELECT symbol, CAST(date_trunc('minute', ts) AS TIMESTAMP) AS minute, arg_min(price, ts) AS open, max(price) AS high,
		min(price) AS low, arg_max(price, ts) AS close, sum(size) AS volume, sum(price * size) / sum(size) AS vwap, count(*) AS trades`
	return []benchQuery{
		{"count", "SELECT count(*) FROM trades", "SELECT count(*) FROM " + src},
		{"per_symbol", "SELECT symbol, count(*), sum(size), avg(price) FROM trades GROUP BY 1 ORDER BY 1",
			"SELECT symbol, count(*), sum(size), avg(price) FROM " + src + " GROUP BY 1 ORDER BY 1"},
		{"bars_1m_symbol_day", fmt.Sprintf("SELECT * FROM bars_1m WHERE symbol = 'AAPL' AND minute >= '%s' AND minute < '%s' ORDER BY minute", l.firstDt, next),
			fmt.Sprintf("%s FROM %s WHERE dt = '%s' AND symbol = 'AAPL' GROUP BY ALL ORDER BY minute", bars, src, l.firstDt)},
		{"top_movers_day", fmt.Sprintf(`SELECT symbol, close, "return" FROM daily WHERE day = '%s' ORDER BY abs("return") DESC LIMIT 10`, movers.Format(time.DateOnly)),
			fmt.Sprintf(`WITH d AS (SELECT symbol, CAST(timezone('America/New_York', CAST(ts AS TIMESTAMP) AT TIME ZONE 'UTC') AS DATE) AS day,
				arg_max(price, ts) AS close FROM %s WHERE dt BETWEEN '%s' AND '%s' GROUP BY ALL),
				r AS (SELECT symbol, day, close, close / lag(close) OVER (PARTITION BY symbol ORDER BY day) - 1 AS "return" FROM d)
				SELECT symbol, close, "return" FROM r WHERE day = '%s' ORDER BY abs("return") DESC LIMIT 10`,
				src, movers.AddDate(0, 0, -11).Format(time.DateOnly), movers.AddDate(0, 0, 1).Format(time.DateOnly), movers.Format(time.DateOnly))},
	}
}

// openEngine opens the engine over the benchmark lake as `ticklake query`
// does.
func openEngine(b *testing.B, l benchLake, cfg query.Config) (*query.Engine, func()) {
	b.Helper()
	cat, err := sqlite.OpenReadOnly(l.catalogPath())
	if err != nil {
		b.Fatal(err)
	}
	store, err := lake.OpenDir(l.lakeDir())
	if err != nil {
		b.Fatal(err)
	}
	def := query.DefaultConfig()
	cfg.Timeout, cfg.MemoryLimit = def.Timeout, def.MemoryLimit
	e, err := query.Open(cat, store, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	return e, func() { e.Close(); store.Close(); cat.Close() }
}

func runQuery(b *testing.B, e *query.Engine, sql string) *query.Result {
	b.Helper()
	res, err := e.Query(context.Background(), sql)
	if err != nil {
		b.Fatal(err)
	}
	if len(res.Rows) == 0 {
		b.Fatalf("%s: no rows", sql)
	}
	return res
}

// BenchmarkQuery times each query on ticklake, cold (the first query of a
// fresh engine) and warm (the same engine again), and on the DuckDB CLI
// reading the same files (first run of a fresh process, then again).
func BenchmarkQuery(b *testing.B) {
	l := getLake(b)
	for _, q := range benchQueries(l) {
		b.Run(q.name+"/ticklake-cold", func(b *testing.B) {
			var last *query.Result
			var cpu time.Duration
			for range b.N {
				b.StopTimer()
				e, done := openEngine(b, l, query.Config{})
				b.StartTimer()
				c0 := cpuTime()
				last = runQuery(b, e, q.sql)
				cpu += cpuTime() - c0
				b.StopTimer()
				done()
				b.StartTimer()
			}
			reportStats(b, last)
			reportCPU(b, cpu)
		})
		b.Run(q.name+"/ticklake-warm", func(b *testing.B) {
			e, done := openEngine(b, l, query.Config{})
			defer done()
			last := runQuery(b, e, q.sql)
			b.ResetTimer()
			c0 := cpuTime()
			for range b.N {
				last = runQuery(b, e, q.sql)
			}
			reportCPU(b, cpuTime()-c0)
			reportStats(b, last)
		})
		// The CLI as it starts, and with the footer cache ticklake sets
		// (parquet_metadata_cache, off by default).
		for _, peer := range []struct{ name, setup string }{{"duckdb-cli", ""}, {"duckdb-cli-mdcache", "SET parquet_metadata_cache = true;"}} {
			b.Run(q.name+"/"+peer.name, func(b *testing.B) {
				p := peerTimes(b, peer.setup, q.peer, max(b.N, 3))
				b.ReportMetric(p.cold, "cold-ms")
				b.ReportMetric(p.warm, "warm-ms")
				b.ReportMetric(p.coldCPU, "cold-cpu-ms")
				b.ReportMetric(p.warmCPU, "warm-cpu-ms")
			})
		}
	}
}

// BenchmarkPruning compares one symbol-day of bars with and without
// partition pruning.
func BenchmarkPruning(b *testing.B) {
	l := getLake(b)
	q := benchQueries(l)[2]
	for _, off := range []bool{false, true} {
		b.Run(fmt.Sprintf("disabled=%v", off), func(b *testing.B) {
			e, done := openEngine(b, l, query.Config{DisablePruning: off})
			defer done()
			last := runQuery(b, e, q.sql)
			b.ResetTimer()
			for range b.N {
				last = runQuery(b, e, q.sql)
			}
			reportStats(b, last)
		})
	}
}

func reportStats(b *testing.B, r *query.Result) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
	b.ReportMetric(float64(r.Stats.FilesScanned), "files")
	b.ReportMetric(float64(r.Stats.BytesScanned)/1e6, "MB-scanned")
	b.ReportMetric(float64(r.Stats.PartitionsPruned), "partitions-pruned")
	b.ReportMetric(r.Stats.PlanningMs, "planning-ms")
	b.ReportMetric(r.Stats.ExecutionMs, "execution-ms")
}

// reportCPU reports the process's CPU time (user and system, all threads)
// per query: on a shared machine it moves less with the load than the wall
// time.
func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/query")
}

// cpuTime is the CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var runTimeRE = regexp.MustCompile(`Run Time \(s\): real ([0-9.]+) user ([0-9.]+) sys ([0-9.]+)`)

// peerRun is what the DuckDB CLI took: the first run's wall and CPU time
// and the medians of the others', in ms.
type peerRun struct{ cold, warm, coldCPU, warmCPU float64 }

// peerTimes runs setup, then sql n times, in one DuckDB CLI process (all
// cores, like the engine) and returns the first run's times and the median of the others'
// (wall, and CPU as the CLI's timer reports it). The CLI comes from
// $TICKLAKE_BENCH_DUCKDB (`make bench` installs PyPI duckdb-cli of the
// same DuckDB version).
func peerTimes(b *testing.B, setup, sql string, n int) peerRun {
	bin := os.Getenv("TICKLAKE_BENCH_DUCKDB")
	if bin == "" {
		b.Skip("TICKLAKE_BENCH_DUCKDB is not set; `make bench` sets it (bench/query/duckdb-cli.sh installs the DuckDB CLI)")
	}
	script := ".timer on\n.mode trash\nSET TimeZone = 'UTC';\n" + setup + "\n" + strings.Repeat(strings.ReplaceAll(sql, "\n", " ")+";\n", n)
	cmd := exec.Command(bin, ":memory:")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("duckdb: %v: %s", err, out)
	}
	var ms, cpu []float64
	for _, m := range runTimeRE.FindAllStringSubmatch(string(out), -1) {
		real, _ := strconv.ParseFloat(m[1], 64)
		user, _ := strconv.ParseFloat(m[2], 64)
		sys, _ := strconv.ParseFloat(m[3], 64)
		ms, cpu = append(ms, real*1000), append(cpu, (user+sys)*1000)
	}
	if len(ms) < n+1 { // the SETs are timed too
		b.Fatalf("duckdb printed %d timings for %d runs: %s", len(ms), n, out)
	}
	ms, cpu = ms[len(ms)-n:], cpu[len(cpu)-n:]
	return peerRun{cold: ms[0], warm: median(ms[1:]), coldCPU: cpu[0], warmCPU: median(cpu[1:])}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// lakeFiles lists the lake's data files, for the S3 benchmark.
func lakeFiles(b *testing.B, root, prefix string) []string {
	var out []string
	filepath.WalkDir(filepath.Join(root, prefix), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}
