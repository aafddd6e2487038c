// Package query runs SQL over the catalog's tables with an embedded DuckDB,
// like Athena over a Glue catalog.
//
// Every catalog table answers to its name (and as database.table), and the
// market views bars_1m and daily to theirs. A statement is parsed with
// DuckDB's own parser; each table reference becomes a subquery over just
// the files its WHERE clause can need (partition pruning on dt, hr and ts,
// before DuckDB sees a file), cast to the catalog's types. A remote (S3)
// lake's files are first fetched into a local cache. Only reads run, DuckDB
// can touch no file outside the lake or cache, and every value comes back
// JSON-safe (see Result), with Athena-style statistics (see Stats) that a
// History can keep.
//
// Athena answers the same statements on Amazon Athena (over the Glue
// catalog) with the same Result; both are Runners, so a front end picks
// the engine.
//
// It owns no data: files come from the lake, their list and schema from the
// catalog. It knows no HTTP and no CLI.
package query

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// Config tunes the engine. Zero fields take the defaults of DefaultConfig.
type Config struct {
	// Database is the catalog database whose tables are queried; it is also
	// the DuckDB schema holding the views.
	Database string
	// Timeout bounds every query, planning and execution together.
	Timeout time.Duration
	// MemoryLimit caps DuckDB's memory, e.g. "2GB"; DuckDB spills or fails
	// a query beyond it.
	MemoryLimit string
	// Threads caps DuckDB's worker threads; 0 leaves DuckDB's default (all
	// cores).
	Threads int
	// MaxRows caps the rows a result holds; further rows are dropped and
	// Stats.Truncated is set.
	MaxRows int
	// DisablePruning makes every table reference read all of its files, to
	// compare answers and costs with pruning.
	DisablePruning bool
	// CacheDir holds local copies of a remote (S3) lake's files, which
	// DuckDB reads; required for a lake without local paths.
	CacheDir string
	// CacheSize caps CacheDir, e.g. "10GB"; the least recently used copies
	// go first.
	CacheSize string
}

// DefaultConfig returns the defaults: the default database, a 60 s timeout,
// a 4 GB memory limit and at most 100 000 rows per result.
func DefaultConfig() Config {
	return Config{
		Database:    catalog.DefaultDatabase,
		Timeout:     60 * time.Second,
		MemoryLimit: "4GB",
		MaxRows:     100_000,
		CacheSize:   "10GB",
	}
}

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Database == "" {
		c.Database = d.Database
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.MaxRows <= 0 {
		c.MaxRows = d.MaxRows
	}
	if c.MemoryLimit == "" {
		c.MemoryLimit = d.MemoryLimit
	}
	if c.CacheSize == "" {
		c.CacheSize = d.CacheSize
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Database != "" && !identRE.MatchString(c.Database) {
		return fmt.Errorf("query: database name %q must match [a-z_][a-z0-9_]*; pick a plain lower-case name", c.Database)
	}
	if c.Threads < 0 {
		return fmt.Errorf("query: threads %d is negative; use 0 for all cores", c.Threads)
	}
	if c.CacheSize != "" {
		if _, err := parseSize(c.CacheSize); err != nil {
			return fmt.Errorf("query: cache size: %w", err)
		}
	}
	return nil
}

// Engine runs SQL over the catalog's tables. It is safe for concurrent use.
type Engine struct {
	cat    catalog.Catalog
	store  lake.Store
	cfg    Config
	logger *slog.Logger
	db     *sql.DB

	mu       sync.Mutex // guards views and markets and serialises their refresh
	views    map[string]view
	markets  map[string]bool // market views defined in DuckDB
	schemas  setCache[map[string]fileColumn]
	uniform  setCache[bool]
	sigMu    sync.Mutex
	fileSigs map[string]string // Parquet schema signature by file path
	history  *History
	cache    *fileCache  // set for lakes without local paths
	stamps   *fileStamps // a local lake's files as DuckDB last read them
}

// Open starts an in-memory DuckDB over the catalog's tables. A local lake's
// files are read where they lie; a remote lake's (S3) are first fetched into
// Config.CacheDir.
func Open(cat catalog.Catalog, store lake.Store, cfg Config, logger *slog.Logger) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Engine{cat: cat, store: store, cfg: cfg, logger: logger, views: map[string]view{}, markets: map[string]bool{}, fileSigs: map[string]string{},
		stamps: newFileStamps()}
	root, ok := store.LocalPath("")
	if !ok {
		if cfg.CacheDir == "" {
			return nil, fmt.Errorf("query: %s has no local files; give a cache directory (--cache-dir) for the files fetched from it", store.URL())
		}
		size, _ := parseSize(cfg.CacheSize)
		c, err := newFileCache(cfg.CacheDir, size, store, logger)
		if err != nil {
			return nil, err
		}
		e.cache, root = c, c.dir
	}
	db, err := openDB(cfg)
	if err != nil {
		return nil, err
	}
	e.db = db
	if err := e.configure(root); err != nil {
		db.Close()
		return nil, err
	}
	return e, nil
}

// openDB opens the in-memory database; every connection creates the
// database's schema and puts it first on the search path, so both "trades"
// and "ticklake.trades" resolve.
func openDB(cfg Config) (*sql.DB, error) {
	initSQL := fmt.Sprintf(`CREATE SCHEMA IF NOT EXISTS %s; SET search_path = '%s,main'`, cfg.Database, cfg.Database)
	connector, err := duckdb.NewConnector("", func(ex driver.ExecerContext) error {
		_, err := ex.ExecContext(context.Background(), initSQL, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("query: starting DuckDB: %w", err)
	}
	return sql.OpenDB(connector), nil
}

// configure applies the global settings. External access is switched off
// last, leaving only the lake root readable, and the configuration is then
// locked: user SQL cannot read or write files elsewhere nor undo a setting,
// even if a statement slipped past the read-only check.
func (e *Engine) configure(root string) error {
	stmts := []string{
		`SET GLOBAL TimeZone = 'UTC'`,
		`SET GLOBAL autoinstall_known_extensions = false`,
		`SET GLOBAL autoload_known_extensions = false`,
		// Lake files never change once written: keep their footers in
		// memory across queries (binding a table reads every footer), and
		// do not have DuckDB check them on every query, which cost more
		// than count(*) of 1,932 files; fileStamps checks local files for
		// less, and no remote file is reachable.
		`SET GLOBAL parquet_metadata_cache = true`,
		`SET GLOBAL validate_external_file_cache = 'VALIDATE_REMOTE'`,
	}
	if e.cfg.MemoryLimit != "" {
		stmts = append(stmts, fmt.Sprintf(`SET GLOBAL memory_limit = %s`, quoteLiteral(e.cfg.MemoryLimit)))
	}
	if e.cfg.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf(`SET GLOBAL threads = %d`, e.cfg.Threads))
	}
	stmts = append(stmts,
		fmt.Sprintf(`SET GLOBAL allowed_directories = [%s]`, quoteLiteral(root)),
		`SET GLOBAL enable_external_access = false`,
		`SET GLOBAL lock_configuration = true`)
	for _, s := range stmts {
		if _, err := e.db.Exec(s); err != nil {
			return fmt.Errorf("query: configuring DuckDB (%s): %s", s, oneLine(err.Error(), ""))
		}
	}
	return nil
}

// Close releases the database.
func (e *Engine) Close() error {
	if err := e.db.Close(); err != nil {
		return fmt.Errorf("query: closing DuckDB: %w", err)
	}
	return nil
}

// Query refreshes the views from the catalog, checks that sql is a single
// read statement and runs it within the configured timeout.
//
// Errors wrap ErrBadQuery when the statement is at fault (syntax, unknown
// names, refused statements) and ErrTimeout when it ran out of time; their
// text is one line.
func (e *Engine) Query(ctx context.Context, sql string) (*Result, error) {
	start := time.Now()
	res, err := e.query(ctx, sql, start)
	e.record(start, sql, res, err)
	return res, err
}

func (e *Engine) query(ctx context.Context, sql string, start time.Time) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	if strings.TrimSpace(sql) == "" {
		return nil, fmt.Errorf("query: empty statement; send one SELECT: %w", ErrBadQuery)
	}
	if err := e.refresh(ctx); err != nil {
		return nil, e.wrapCtx(ctx, err)
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, e.wrapCtx(ctx, fmt.Errorf("query: getting a connection: %w", err))
	}
	defer conn.Close()
	planStart := time.Now()
	p, err := e.plan(ctx, conn, sql)
	if err != nil {
		return nil, e.wrapCtx(ctx, err)
	}
	res, err := e.run(ctx, conn, p, sql, planStart)
	if err != nil {
		return nil, e.wrapCtx(ctx, err)
	}
	res.Stats.FetchMs = ms(p.fetch.took)
	res.Stats.CacheHits, res.Stats.CacheMisses, res.Stats.BytesFetched = p.fetch.hits, p.fetch.misses, p.fetch.bytes
	res.Stats.ElapsedMs = ms(time.Since(start))
	return res, nil
}

// run checks and runs the planned statement. When the pruned statement
// does not bind but the user's does, the user's runs unpruned: pruning must
// never change an answer or refuse a query.
func (e *Engine) run(ctx context.Context, conn *sql.Conn, p *plan, query string, planStart time.Time) (*Result, error) {
	res, prepErr, err := e.execute(ctx, conn, p.sql, p.args, p.fetch.took, planStart)
	if prepErr == nil || p.sql == query {
		if err == nil {
			if !p.parsed {
				p.scans = e.fullScans(referencedTables(ctx, conn, query, e.cfg.Database))
			}
			res.Stats.addScans(p.scans)
		}
		return res, err
	}
	if err := checkReadOnly(conn, query); err != nil {
		return nil, err
	}
	if e.cache != nil {
		return nil, &queryError{msg: "query: this statement cannot be rewritten to read the fetched copies of the lake's files; name columns as column or alias.column, not schema.table.column"}
	}
	e.logger.Warn("the pruned statement did not bind; running it unpruned", "sql", query, "err", prepErr)
	if err := e.ensureFullViews(ctx); err != nil {
		return nil, err
	}
	res, _, err = e.execute(ctx, conn, query, nil, 0, planStart)
	if err == nil {
		res.Stats.addScans(e.fullScans(referencedTables(ctx, conn, query, e.cfg.Database)))
	}
	return res, err
}

// execute prepares the statement, refusing anything but a read, runs it and
// converts its rows, on one prepared statement. prepErr is set when the
// statement was refused or did not bind (err then is the same). A
// statement with file-list parameters (args, see fileArg) binds as it
// starts running.
func (e *Engine) execute(ctx context.Context, conn *sql.Conn, query string, args []driver.NamedValue, fetch time.Duration, planStart time.Time) (res *Result, prepErr, err error) {
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("query: unexpected driver connection %T", dc)
		}
		st, perr := prepareRead(c, query)
		if perr != nil {
			prepErr = perr
			return perr
		}
		defer st.Close()
		planned := time.Now()
		rows, qerr := st.QueryContext(ctx, args)
		if qerr != nil {
			if len(args) > 0 && isBindError(qerr) {
				prepErr = badQuery(qerr, query)
				return prepErr
			}
			return badQuery(qerr, query)
		}
		defer rows.Close()
		if res, qerr = collect(rows, e.cfg.MaxRows); qerr != nil {
			return badQuery(qerr, query)
		}
		res.Stats.PlanningMs = ms(planned.Sub(planStart) - fetch)
		res.Stats.ExecutionMs = ms(time.Since(planned))
		return nil
	})
	return res, prepErr, err
}

// fullScans describes reading every file of the named tables.
func (e *Engine) fullScans(tables []string) []scan {
	views := e.snapshot()
	out := make([]scan, 0, len(tables))
	for _, t := range tables {
		if v, ok := views[t]; ok {
			out = append(out, v.scanOf(t, v.files))
		}
	}
	return out
}

// wrapCtx turns an error caused by the deadline into ErrTimeout.
func (e *Engine) wrapCtx(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("query: timed out after %s; narrow the query (filter on dt/hr, add LIMIT) or raise the query timeout: %w", e.cfg.Timeout, ErrTimeout)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("query: %w", ctx.Err())
	}
	return err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// quoteLiteral quotes s as a SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// quoteIdent quotes s as a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
