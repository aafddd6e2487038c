package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticklake/ticklake/internal/catalog"
)

func newTablesCmd(e *env) *cobra.Command {
	var (
		loc      locationFlags
		database string
	)
	cmd := &cobra.Command{
		Use:   "tables",
		Short: "List the catalog's tables",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := openCatalog(&loc, true)
			if err != nil {
				return err
			}
			defer cat.Close()
			tables, err := cat.Tables(cmd.Context(), database)
			if err != nil {
				return err
			}
			listTables(e.stdout, tables)
			return nil
		},
	}
	loc.add(cmd.Flags(), false, true)
	cmd.Flags().StringVar(&database, "database", catalog.DefaultDatabase, "catalog database")
	return cmd
}

func listTables(w io.Writer, tables []catalog.Table) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tFORMAT\tCOLUMNS\tPARTITION KEYS\tROWS\tFILES\tBYTES\tVERSION\tLAST CRAWL\tLOCATION")
	for _, t := range tables {
		name := t.Name
		if t.Parameters[catalog.ParamDeprecated] != "" {
			name += " (deprecated)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", name, t.Classification, len(t.Columns),
			names(t.PartitionKeys), param(t, catalog.ParamRecordCount), param(t, catalog.ParamObjectCount),
			param(t, catalog.ParamSizeBytes), t.Version, param(t, catalog.ParamLastCrawl), t.Location)
	}
	tw.Flush()
}

func newDescribeCmd(e *env) *cobra.Command {
	var (
		loc      locationFlags
		database string
	)
	cmd := &cobra.Command{
		Use:   "describe TABLE",
		Short: "Show a table's columns, partitions, files, size, versions and last crawl",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := openCatalog(&loc, true)
			if err != nil {
				return err
			}
			defer cat.Close()
			db, name := database, args[0]
			if d, n, ok := strings.Cut(name, "."); ok {
				db, name = d, n
			}
			d, err := loadDescription(cmd.Context(), cat, db, name)
			if err != nil {
				return err
			}
			d.write(e.stdout)
			return nil
		},
	}
	loc.add(cmd.Flags(), false, true)
	cmd.Flags().StringVar(&database, "database", catalog.DefaultDatabase, "catalog database")
	return cmd
}

// description is everything describe shows about one table.
type description struct {
	table    catalog.Table
	parts    []catalog.Partition
	files    []catalog.File
	versions []catalog.Table
	crawls   []catalog.Crawl
}

func loadDescription(ctx context.Context, cat catalog.Manager, db, name string) (description, error) {
	var d description
	var err error
	if d.table, err = cat.Table(ctx, db, name); err != nil {
		return d, fmt.Errorf("table %s.%s: %w (list tables with `ticklake tables`)", db, name, err)
	}
	if d.parts, err = cat.Partitions(ctx, db, name); err != nil {
		return d, err
	}
	if d.files, err = cat.Files(ctx, db, name); err != nil {
		return d, err
	}
	if d.versions, err = cat.Versions(ctx, db, name); err != nil {
		return d, err
	}
	d.crawls, err = cat.Crawls(ctx, db, 1)
	return d, err
}

func (d description) write(w io.Writer) {
	t := d.table
	fmt.Fprintf(w, "table       %s.%s (version %d)\nlocation    %s\nformat      %s%s\n", t.Database, t.Name, t.Version,
		t.Location, t.Classification, suffix(", ", t.Parameters["compressionType"]))
	fmt.Fprintf(w, "created     %s\nupdated     %s\n", stamp(t.CreatedAt), stamp(t.UpdatedAt))
	if dep := t.Parameters[catalog.ParamDeprecated]; dep != "" {
		fmt.Fprintf(w, "deprecated  %s (its data is gone from the lake)\n", dep)
	}
	if len(d.crawls) > 0 {
		c := d.crawls[0]
		fmt.Fprintf(w, "last crawl  %s: %d files seen, %d new, %d removed, %d errors in %s\n", stamp(c.Started),
			c.FilesSeen, c.FilesNew, c.FilesRemoved, c.Errors, c.Duration.Round(time.Millisecond))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tKIND\tNAME IN FILES")
	for _, c := range t.Columns {
		fmt.Fprintf(tw, "%s\t%s\t\t%s\n", c.Name, c.Type, c.Parameters[catalog.ParamOriginalName])
	}
	for _, c := range t.PartitionKeys {
		fmt.Fprintf(tw, "%s\t%s\tpartition key\t\n", c.Name, c.Type)
	}
	tw.Flush()
	var rows, bytes int64
	for _, f := range d.files {
		rows, bytes = rows+f.Rows, bytes+f.Bytes
	}
	fmt.Fprintf(w, "\n%d partitions, %d files, %d rows, %d bytes\n", len(d.parts), len(d.files), rows, bytes)
	for _, v := range d.versions {
		fmt.Fprintf(w, "version %d: %d columns, %d partition keys (archived %s)\n", v.Version, len(v.Columns),
			len(v.PartitionKeys), stamp(v.UpdatedAt))
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func suffix(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func names(cols []catalog.Column) string {
	s := make([]string, len(cols))
	for i, c := range cols {
		s[i] = c.Name
	}
	return strings.Join(s, ",")
}

func param(t catalog.Table, k string) string {
	if v, ok := t.Parameters[k]; ok {
		return v
	}
	return "-"
}
