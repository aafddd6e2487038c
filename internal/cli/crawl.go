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
		loc   locationFlags
		s3    s3Flags
		every time.Duration
	)
	cfg := crawler.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "crawl",
		Short: "Discover tables, schemas and partitions in the lake into the catalog",
		Long: `crawl lists the lake, reads the schema of each new file (Parquet footers
only) and registers tables, partitions and files in the catalog. Files it has
seen before are not read again. With --every it crawls periodically until
Ctrl-C.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
				return c.Run(cmd.Context(), every)
			}
			rep, err := c.Crawl(cmd.Context())
			if err != nil {
				return err
			}
			printReport(e.stdout, rep)
			return nil
		},
	}
	fs := cmd.Flags()
	loc.add(fs, true, true)
	s3.add(fs)
	fs.StringVar(&cfg.Database, "database", cfg.Database, "catalog database to register tables in")
	fs.StringVar(&cfg.RootTable, "root-table", cfg.RootTable, "table name for files lying at the lake root")
	fs.DurationVar(&every, "every", 0, "crawl periodically at this interval (0 = once)")
	return cmd
}

func printReport(w io.Writer, r crawler.Report) {
	fmt.Fprintf(w, "crawled %d tables: %d files seen, %d new, %d skipped, %d errors in %s\n",
		r.Tables, r.FilesSeen, r.FilesNew, r.FilesSkipped, len(r.Errors), r.Duration.Round(time.Millisecond))
	for _, oe := range r.Errors {
		fmt.Fprintf(w, "  skipped %s: %s\n", oe.Key, oe.Err)
	}
}
