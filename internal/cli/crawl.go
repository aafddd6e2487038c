package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticklake/ticklake/internal/crawler"
	"github.com/ticklake/ticklake/internal/lake"
)

func newCrawlCmd(e *env) *cobra.Command {
	var (
		loc      locationFlags
		s3       s3Flags
		every    time.Duration
		deleteBh string
	)
	cfg := crawler.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "crawl",
		Short: "Discover tables, schemas and partitions in the lake into the catalog",
		Long: `crawl lists the lake and registers its tables, partitions and files in the
catalog (embedded SQLite, or AWS Glue with --catalog glue://?region=R).
Each folder under the lake root is a table (files at the root form the
--root-table table); k=v folders are partitions; paths starting with _ or .
are skipped. It reads only files it has not seen: Parquet footers, and a
bounded sample (--sample-bytes) of JSON, JSON Lines and CSV files, plain or
.gz/.zst. New columns are added, types widen (int -> bigint -> double), and
incompatible types are reported and stored as string in a new table version.
Files and tables gone from the lake are handled by --delete-behavior. With
--dry-run nothing is written; with --every it crawls until Ctrl-C.`,
		Example: `  ticklake crawl --lake ./lake --dry-run
  ticklake crawl --lake s3://bucket/lake --catalog 'glue://?region=eu-west-1' --every 30s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.DeleteBehavior = crawler.DeleteBehavior(deleteBh)
			if err := cfg.Validate(); err != nil {
				return err
			}
			store, err := lake.OpenWith(loc.lakeURL(), s3.options())
			if err != nil {
				return err
			}
			defer store.Close()
			cat, err := openCatalog(&loc, false)
			if err != nil {
				return err
			}
			defer cat.Close()
			c, err := crawler.New(store, cat, cfg, e.logger, nil)
			if err != nil {
				return err
			}
			if every > 0 {
				return c.RunReports(cmd.Context(), every, func(r crawler.Report) { printReport(e.stdout, r) })
			}
			rep, err := c.Crawl(cmd.Context())
			printReport(e.stdout, rep)
			return err
		},
	}
	fs := cmd.Flags()
	loc.add(fs, true, true)
	s3.add(fs)
	fs.StringVar(&cfg.Database, "database", cfg.Database, "catalog database to register tables in")
	fs.StringVar(&cfg.RootTable, "root-table", cfg.RootTable, "table name for files lying at the lake root")
	fs.DurationVar(&every, "every", 0, "crawl periodically at this interval (0 = once)")
	fs.BoolVar(&cfg.DryRun, "dry-run", false, "read and report what a crawl would change, but write nothing to the catalog")
	fs.StringVar(&deleteBh, "delete-behavior", string(cfg.DeleteBehavior),
		"what to do with files and tables gone from the lake: log (report only), delete (unregister them), deprecate (unregister files, keep empty tables marked deprecated)")
	fs.Int64Var(&cfg.SampleBytes, "sample-bytes", cfg.SampleBytes, "bytes of each new JSON or CSV file read (uncompressed) to infer its schema")
	return cmd
}

func printReport(w io.Writer, r crawler.Report) {
	verb := "crawled"
	if r.DryRun {
		verb = "dry run: would crawl"
	}
	fmt.Fprintf(w, "%s %d tables: %d files seen, %d new, %d skipped, %d missing, %d removed, %d errors in %s\n",
		verb, r.Tables, r.FilesSeen, r.FilesNew, r.FilesSkipped, r.FilesMissing, r.FilesRemoved, len(r.Errors),
		r.Duration.Round(time.Millisecond))
	if r.FilesSchemaIDs > 0 {
		fmt.Fprintf(w, "  schema ids: %d files registered by an older ticklake read once more to record their schema\n", r.FilesSchemaIDs)
	}
	for _, ch := range r.Changes {
		fmt.Fprintf(w, "  schema: %s\n", ch)
	}
	for _, t := range r.TablesGone {
		fmt.Fprintf(w, "  gone: table %s has no data left in the lake\n", t)
	}
	for _, oe := range r.Errors {
		fmt.Fprintf(w, "  skipped %s: %s\n", oe.Key, oe.Err)
	}
}
