// Package crawler discovers the tables, schemas and partitions of a lake and
// keeps a catalog current with them, the way an AWS Glue crawler does.
//
// A full crawl lists the lake and reads only the files it has not registered
// yet: the footer of a Parquet file, a bounded sample of a JSON, JSON Lines or
// CSV file (plain, gzip or zstd). It widens table schemas as needed,
// registers the files, and applies the DeleteBehavior to files and tables
// that are gone. The event path (Register) does the same for a handful of
// keys a writer just published. The crawler reads the lake only through
// lake.Store (List, Stat, Open, ReadAt), so it works on any backend, and
// writes the catalog; it knows no writer and no query engine.
package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// Config configures a Crawler.
type Config struct {
	// Database is the catalog database tables are registered in.
	Database string
	// RootTable names the table of data files lying at the lake root.
	RootTable string
	// SampleBytes bounds how much of each new JSON or CSV file is read
	// (uncompressed) to infer its schema; Glue reads 1 to 10 MB.
	SampleBytes int64
	// DeleteBehavior says what a crawl does with files and tables that are
	// gone from the lake.
	DeleteBehavior DeleteBehavior
	// DryRun reads and reports, but writes nothing to the catalog.
	DryRun bool
}

// DeleteBehavior is the policy for catalogued data that is gone from the
// lake, after Glue's SchemaChangePolicy.DeleteBehavior.
type DeleteBehavior string

// The delete behaviors.
const (
	// DeleteLog reports missing files and tables and changes nothing.
	DeleteLog DeleteBehavior = "log"
	// DeleteRemove unregisters missing files, empty partitions and tables.
	DeleteRemove DeleteBehavior = "delete"
	// DeleteDeprecate unregisters missing files and empty partitions but
	// keeps a table whose data is all gone, marked with the parameter
	// "deprecated" (Glue's default, DEPRECATE_IN_DATABASE).
	DeleteDeprecate DeleteBehavior = "deprecate"
)

// DefaultConfig returns the default configuration.
func DefaultConfig() Config {
	return Config{Database: catalog.DefaultDatabase, RootTable: "root", SampleBytes: 1 << 20,
		DeleteBehavior: DeleteDeprecate}
}

// Validate checks the configuration, naming the field to fix.
func (c Config) Validate() error {
	if c.Database == "" {
		return errors.New("crawler: empty Database; set a catalog database name")
	}
	if c.RootTable == "" || lake.TableName(c.RootTable) != c.RootTable {
		return fmt.Errorf("crawler: RootTable %q is not a table name; use lower-case letters, digits and _", c.RootTable)
	}
	if c.SampleBytes < 1024 {
		return fmt.Errorf("crawler: SampleBytes %d is too small; sample at least 1024 bytes (default 1 MiB)", c.SampleBytes)
	}
	switch c.DeleteBehavior {
	case DeleteLog, DeleteRemove, DeleteDeprecate:
	default:
		return fmt.Errorf("crawler: DeleteBehavior %q is unknown; use log, delete or deprecate", c.DeleteBehavior)
	}
	return nil
}

// Crawler keeps a catalog current with a lake.
type Crawler struct {
	store lake.Store
	cat   catalog.Catalog
	mgr   catalog.Manager // cat, when it can remove files and keep a crawl history; else nil
	cfg   Config
	log   *slog.Logger
	m     *metrics

	mu    sync.Mutex            // serializes table updates between Crawl and Register
	bad   map[string]badObject  // objects that failed, not re-read until they change
	index map[string]*fileIndex // registered files per table, while current
}

// badObject remembers why an object of a given size could not be read.
type badObject struct {
	size int64
	err  string
}

// New returns a Crawler. A nil logger discards logs; a nil registerer
// registers no metrics.
func New(store lake.Store, cat catalog.Catalog, cfg Config, logger *slog.Logger, reg prometheus.Registerer) (*Crawler, error) {
	if store == nil || cat == nil {
		return nil, errors.New("crawler: a lake store and a catalog are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	mgr, _ := cat.(catalog.Manager)
	if mgr == nil && cfg.DeleteBehavior != DeleteLog {
		return nil, fmt.Errorf("crawler: DeleteBehavior %s needs a catalog that can remove files; use log", cfg.DeleteBehavior)
	}
	return &Crawler{store: store, cat: cat, mgr: mgr, cfg: cfg, log: logger, m: m,
		bad: map[string]badObject{}, index: map[string]*fileIndex{}}, nil
}

// Crawl lists the whole lake and registers every data file the catalog does
// not know yet, then applies the DeleteBehavior to what is gone. Objects that
// cannot be read are reported in Report.Errors and the crawl goes on; the
// error is for failures of the lake or the catalog.
func (c *Crawler) Crawl(ctx context.Context) (Report, error) {
	start := time.Now()
	rep := Report{DryRun: c.cfg.DryRun}
	tables, err := c.list(ctx, &rep)
	if err != nil {
		c.m.errors.Inc()
		return rep, fmt.Errorf("crawling %s: %w", c.store.URL(), err)
	}
	rep.Tables = len(tables)
	errs := c.syncTables(ctx, tables, &rep, true)
	if err := c.goneTables(ctx, tables, &rep); err != nil {
		errs = errors.Join(errs, err)
	}
	rep.Duration = time.Since(start)
	c.m.crawls.Inc()
	c.m.seconds.Observe(rep.Duration.Seconds())
	c.log.Info("crawled lake", "lake", c.store.URL(), "tables", rep.Tables, "seen", rep.FilesSeen,
		"new", rep.FilesNew, "schema_ids", rep.FilesSchemaIDs, "skipped", rep.FilesSkipped, "missing", rep.FilesMissing, "changes", len(rep.Changes),
		"errors", len(rep.Errors), "dry_run", rep.DryRun, "duration", rep.Duration)
	if err := c.record(ctx, start, rep); err != nil {
		errs = errors.Join(errs, err)
	}
	if errs != nil {
		c.m.errors.Inc()
		return rep, fmt.Errorf("crawling %s: %w", c.store.URL(), errs)
	}
	return rep, nil
}

// record appends the crawl to the catalog's history.
func (c *Crawler) record(ctx context.Context, start time.Time, rep Report) error {
	if c.mgr == nil || c.cfg.DryRun {
		return nil
	}
	cr := catalog.Crawl{Database: c.cfg.Database, Started: start.UTC(), Duration: rep.Duration, Tables: rep.Tables,
		FilesSeen: rep.FilesSeen, FilesNew: rep.FilesNew, FilesRemoved: rep.FilesRemoved, Errors: len(rep.Errors)}
	for _, ch := range rep.Changes {
		if !slices.Contains(cr.SchemaChange, ch.Table) {
			cr.SchemaChange = append(cr.SchemaChange, ch.Table)
		}
	}
	if err := c.mgr.RecordCrawl(ctx, cr); err != nil {
		return fmt.Errorf("recording the crawl: %w", err)
	}
	return nil
}

// Register registers the given keys, typically files a writer just
// published: it reads their footers and creates or widens their tables. Keys
// already registered at the same size are left alone; keys that are not data
// (markers, temporary files, dead letters) are ignored.
func (c *Crawler) Register(ctx context.Context, keys []string) error {
	var rep Report
	tables := map[string]*tableObjects{}
	for _, key := range keys {
		if !lake.IsData(key) {
			continue
		}
		o, err := c.store.Stat(ctx, key)
		if err != nil {
			c.m.errors.Inc()
			return fmt.Errorf("registering %s: %w", key, err)
		}
		c.add(tables, o, &rep)
	}
	if err := c.syncTables(ctx, tables, &rep, false); err != nil {
		c.m.errors.Inc()
		return fmt.Errorf("registering files: %w", err)
	}
	objErrs := make([]error, len(rep.Errors))
	for i, e := range rep.Errors {
		objErrs[i] = e
	}
	if err := errors.Join(objErrs...); err != nil {
		return fmt.Errorf("registering files: %w", err)
	}
	return nil
}

// Run crawls now and then every interval until ctx is done. Failed crawls are
// logged; the next one tries again.
func (c *Crawler) Run(ctx context.Context, every time.Duration) error {
	return c.RunReports(ctx, every, nil)
}

// RunReports is Run, handing each crawl's report to fn (when not nil), e.g.
// to print it.
func (c *Crawler) RunReports(ctx context.Context, every time.Duration, fn func(Report)) error {
	if every <= 0 {
		return fmt.Errorf("crawler: interval %v must be positive; set a crawl interval such as 1m", every)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rep, err := c.Crawl(ctx)
		if err != nil && ctx.Err() == nil {
			c.log.Error("crawl failed", "lake", c.store.URL(), "err", err)
		}
		if fn != nil && ctx.Err() == nil {
			fn(rep)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// tableObjects are the data objects found for one table.
type tableObjects struct {
	folder string // the table's folder in the lake; "" for the root table
	objs   []lake.Object
}

// list groups the lake's data objects by table.
func (c *Crawler) list(ctx context.Context, rep *Report) (map[string]*tableObjects, error) {
	tables := map[string]*tableObjects{}
	err := c.store.List(ctx, "", func(o lake.Object) error {
		if lake.IsData(o.Key) {
			c.add(tables, o, rep)
		}
		return nil
	})
	return tables, err
}

// add files a data object under its table. Folders whose names normalise to
// one table name cannot both be that table: the later one is reported.
func (c *Crawler) add(tables map[string]*tableObjects, o lake.Object, rep *Report) {
	rep.FilesSeen++
	folder := lake.TableOf(o.Key, c.cfg.RootTable)
	if !strings.Contains(o.Key, "/") {
		folder = ""
	}
	name := c.cfg.RootTable
	if folder != "" {
		name = lake.TableName(folder)
	}
	t := tables[name]
	if t == nil {
		t = &tableObjects{folder: folder}
		tables[name] = t
	}
	if t.folder != folder {
		rep.Errors = append(rep.Errors, ObjectError{Key: o.Key, Err: fmt.Sprintf(
			"folder %q maps to table %q, already taken by folder %q; rename the folder", folder, name, t.folder)})
		return
	}
	t.objs = append(t.objs, o)
}

// syncTables brings each table up to date, in name order.
func (c *Crawler) syncTables(ctx context.Context, tables map[string]*tableObjects, rep *Report, full bool) error {
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		if err := c.syncTable(ctx, name, tables[name], rep, full); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
