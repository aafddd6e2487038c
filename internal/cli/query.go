package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/query"
)

// queryFlags are the options of `ticklake query`.
type queryFlags struct {
	loc       locationFlags
	s3        s3Flags
	cfg       query.Config
	format    string
	output    string
	stats     bool
	noHistory bool
	engine    string
	athena    query.AthenaConfig
}

func newQueryCmd(e *env) *cobra.Command {
	qf := &queryFlags{cfg: query.DefaultConfig(), athena: query.DefaultAthenaConfig()}
	cmd := &cobra.Command{
		Use:   `query [flags] ["SQL"]`,
		Short: "Run SQL over the catalog's tables (an interactive shell without SQL)",
		Long: `query runs one SQL statement through embedded DuckDB over the tables in the
catalog (trades, quotes, ...; also as database.table) and the market views
bars_1m and daily. Only reads run, and only the lake's files can be read.
Filters on dt, hr or a ts range prune partitions before any file is read;
--stats shows what was read. Every query is kept in ` + "`ticklake history`" + `.
Without SQL and with a terminal it opens an interactive shell: statements
end with ';' and may span lines; the line history is kept in
<data-dir>/query_history.txt. It works while ticklake up is writing.

S3 lakes are read through a local cache (--cache-dir): the needed objects
are fetched in parallel, and repeated queries read them from there.

--engine athena submits the statement to Amazon Athena instead (over the
Glue catalog, e.g. one ticklake crawl --catalog glue://... keeps), waits
for it and prints its result the same way; --stats shows Athena's queueing,
planning and execution times and bytes scanned.`,
		Example: `  ticklake query "SELECT symbol, count(*), min(price), max(price) FROM trades GROUP BY 1 ORDER BY 1"
  ticklake query --stats "SELECT * FROM bars_1m WHERE symbol = 'AAPL' AND minute >= '2026-11-02 14:30' LIMIT 10"
  ticklake query --format parquet --output day.parquet "FROM trades WHERE dt = '2026-11-02'"
  ticklake query            # interactive shell
  ticklake query --engine athena --athena-region eu-west-1 --output-location s3://my-results/ticklake/ "SELECT count(*) FROM trades"`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := qf.validate(cmd.Flags()); err != nil {
				return err
			}
			sess, err := openQuerySession(cmd.Context(), e, qf)
			if err != nil {
				return err
			}
			defer sess.close()
			if len(args) == 0 {
				return runShell(cmd.Context(), e, qf, sess)
			}
			return sess.run(cmd.Context(), e, qf, args[0])
		},
	}
	qf.add(cmd.Flags())
	return cmd
}

func (qf *queryFlags) add(fs *pflag.FlagSet) {
	qf.loc.add(fs, true, true)
	qf.s3.add(fs)
	fs.StringVarP(&qf.format, "format", "f", "table", "output format: table, csv, json or parquet (parquet needs --output)")
	fs.StringVarP(&qf.output, "output", "o", "", "write the result to this file instead of stdout")
	fs.BoolVar(&qf.stats, "stats", false, "print the query's statistics (time planning, fetching, executing; files, bytes and partitions read) on stderr")
	fs.BoolVar(&qf.noHistory, "no-history", false, "do not record the query in the query history")
	fs.DurationVar(&qf.cfg.Timeout, "timeout", qf.cfg.Timeout, "cancel the query after this long")
	fs.StringVar(&qf.cfg.MemoryLimit, "memory-limit", qf.cfg.MemoryLimit, "DuckDB memory limit, e.g. 2GB")
	fs.IntVar(&qf.cfg.MaxRows, "max-rows", qf.cfg.MaxRows, "keep at most this many rows of a result")
	fs.StringVar(&qf.cfg.Database, "database", qf.cfg.Database, "catalog database whose tables the query sees")
	fs.StringVar(&qf.cfg.CacheDir, "cache-dir", "", "local cache of an S3 lake's files (default <data-dir>/cache)")
	fs.StringVar(&qf.cfg.CacheSize, "cache-size", qf.cfg.CacheSize, "largest size of the --cache-dir; least recently used files go first")
	fs.StringVar(&qf.engine, "engine", "duckdb", "where statements run: duckdb (embedded, over the lake) or athena (Amazon Athena, over the Glue catalog)")
	fs.StringVar(&qf.athena.Workgroup, "workgroup", qf.athena.Workgroup, "Athena workgroup (with --engine athena)")
	fs.StringVar(&qf.athena.OutputLocation, "output-location", "", "s3:// prefix Athena writes results to (with --engine athena; default the workgroup's)")
	fs.StringVar(&qf.athena.Region, "athena-region", "", "AWS region of Athena (with --engine athena; default AWS_REGION)")
	fs.StringVar(&qf.athena.Endpoint, "athena-endpoint", "", "Athena endpoint URL, e.g. a VPC endpoint (with --engine athena; default AWS's)")
}

// athenaFlags are the flags that only --engine athena reads.
var athenaFlags = []string{"workgroup", "output-location", "athena-region", "athena-endpoint"}

func (qf *queryFlags) validate(fs *pflag.FlagSet) error {
	if _, err := resultWriter(qf.format); err != nil {
		return err
	}
	switch qf.engine {
	case "athena":
		return qf.validateAthena()
	case "duckdb":
		for _, name := range athenaFlags {
			if fs.Changed(name) {
				return fmt.Errorf("--%s is for --engine athena; add --engine athena or drop it", name)
			}
		}
	default:
		return fmt.Errorf("invalid --engine %q: use duckdb or athena", qf.engine)
	}
	if qf.format == "parquet" && qf.output == "" {
		return fmt.Errorf("--format parquet needs --output FILE: Parquet is not written to a terminal")
	}
	if qf.cfg.CacheDir == "" {
		qf.cfg.CacheDir = filepath.Join(qf.loc.dataDir, "cache")
	}
	return qf.cfg.Validate()
}

// validateAthena fills the Athena configuration from the shared flags.
func (qf *queryFlags) validateAthena() error {
	if qf.athena.Region == "" {
		qf.athena.Region = os.Getenv("AWS_REGION")
	}
	qf.athena.Database, qf.athena.Timeout, qf.athena.MaxRows = qf.cfg.Database, qf.cfg.Timeout, qf.cfg.MaxRows
	return qf.athena.Validate()
}

// querySession is an open runner and history, and for the embedded engine
// the catalog and lake it reads.
type querySession struct {
	cat     catalog.Catalog
	store   lake.Store
	eng     query.Runner
	history *query.History
}

func openQuerySession(ctx context.Context, e *env, qf *queryFlags) (*querySession, error) {
	s := &querySession{}
	if qf.engine == "athena" {
		eng, err := query.OpenAthena(ctx, qf.athena, e.logger)
		if err != nil {
			return nil, err
		}
		s.eng = eng
		s.openHistory(e, qf)
		return s, nil
	}
	cat, err := openCatalog(&qf.loc, true)
	if err != nil {
		return nil, err
	}
	s.cat = cat
	if s.store, err = openQueryLake(ctx, qf, cat); err != nil {
		s.close()
		return nil, err
	}
	if s.eng, err = query.Open(cat, s.store, qf.cfg, e.logger); err != nil {
		s.close()
		return nil, err
	}
	s.openHistory(e, qf)
	return s, nil
}

// openHistory records the session's queries unless --no-history. A
// read-only catalog must not stop queries: they just go unrecorded.
func (s *querySession) openHistory(e *env, qf *queryFlags) {
	if qf.noHistory {
		return
	}
	h, err := query.OpenHistory(historyPath(&qf.loc))
	if err != nil {
		e.logger.Warn("queries are not recorded in the history; pass --no-history to silence this", "err", err)
		return
	}
	s.history = h
	s.eng.SetHistory(h)
}

// openQueryLake opens --lake when given, else the lake the catalog's tables
// live in, else <data-dir>/lake.
func openQueryLake(ctx context.Context, qf *queryFlags, cat catalog.Catalog) (lake.Store, error) {
	if qf.loc.lake != "" {
		return lake.OpenWith(qf.loc.lake, qf.s3.options())
	}
	if tables, err := cat.Tables(ctx, qf.cfg.Database); err == nil && len(tables) > 0 {
		t := tables[0]
		if root := t.Parameters[catalog.ParamLake]; root != "" {
			return lake.OpenWith(root, qf.s3.options())
		}
		// Tables crawled before the crawler recorded the lake root.
		if root, ok := strings.CutSuffix(t.Location, "/"+t.Name); ok {
			return lake.OpenWith(root, qf.s3.options())
		}
	}
	return lake.OpenWith(qf.loc.lakeURL(), qf.s3.options())
}

// historyPath is where queries are recorded: in the catalog's own SQLite
// file when the catalog is SQLite, else in <data-dir>/history.db.
func historyPath(loc *locationFlags) string {
	if p, err := sqlite.URLPath(loc.catalogURL()); err == nil {
		return p
	}
	return filepath.Join(loc.dataDir, "history.db")
}

func (s *querySession) close() {
	if s.eng != nil {
		s.eng.Close()
	}
	if s.history != nil {
		s.history.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
	if s.cat != nil {
		s.cat.Close()
	}
}

// run answers one statement: the result on stdout (or --output), the
// statistics on stderr.
func (s *querySession) run(ctx context.Context, e *env, qf *queryFlags, sql string) error {
	write, err := resultWriter(qf.format)
	if err != nil {
		return err
	}
	res, err := s.eng.Query(ctx, sql)
	if err != nil {
		return err
	}
	if err := writeOutput(e.stdout, qf.output, func(w io.Writer) error { return write(res, w) }); err != nil {
		return err
	}
	if qf.stats {
		writeStats(e.stderr, res.Stats)
	}
	return nil
}

// writeStats prints a result's statistics in two lines.
func writeStats(w io.Writer, s query.Stats) {
	if s.Engine == "athena" {
		writeAthenaStats(w, s)
		return
	}
	fmt.Fprintf(w, "planning %.1f ms · fetch %.1f ms · execution %.1f ms · total %.1f ms\n",
		s.PlanningMs, s.FetchMs, s.ExecutionMs, s.ElapsedMs)
	total := 0
	for _, t := range s.Tables {
		total += t.FilesTotal
	}
	fmt.Fprintf(w, "scanned %d of %d files, %s · %d partitions read, %d pruned · %d rows returned",
		s.FilesScanned, total, humanBytes(s.BytesScanned), s.PartitionsRead, s.PartitionsPruned, s.RowsReturned)
	if s.CacheHits+s.CacheMisses > 0 {
		fmt.Fprintf(w, " · cache %d hits, %d misses (%s fetched)", s.CacheHits, s.CacheMisses, humanBytes(s.BytesFetched))
	}
	if s.Truncated {
		fmt.Fprint(w, " · truncated (raise --max-rows)")
	}
	fmt.Fprintln(w)
}

// writeAthenaStats prints what Athena reports of a query.
func writeAthenaStats(w io.Writer, s query.Stats) {
	fmt.Fprintf(w, "athena %s · queue %.0f ms · planning %.0f ms · execution %.0f ms · total %.1f ms\n",
		s.QueryID, s.QueueMs, s.PlanningMs, s.ExecutionMs, s.ElapsedMs)
	fmt.Fprintf(w, "scanned %s · %d rows returned", humanBytes(s.BytesScanned), s.RowsReturned)
	if s.Truncated {
		fmt.Fprint(w, " · truncated (raise --max-rows)")
	}
	fmt.Fprintln(w)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func resultWriter(format string) (func(*query.Result, io.Writer) error, error) {
	switch format {
	case "table":
		return (*query.Result).WriteTable, nil
	case "csv":
		return (*query.Result).WriteCSV, nil
	case "json":
		return (*query.Result).WriteJSON, nil
	case "parquet":
		return (*query.Result).WriteParquet, nil
	}
	return nil, fmt.Errorf("invalid --format %q: use table, csv, json or parquet", format)
}

func writeOutput(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" {
		return write(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating --output: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
