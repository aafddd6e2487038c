package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/query"
)

func newQueryCmd(e *env) *cobra.Command {
	var (
		loc    locationFlags
		format string
		output string
	)
	cfg := query.DefaultConfig()
	cmd := &cobra.Command{
		Use:   `query [flags] "SQL"`,
		Short: "Run SQL over the catalog's tables",
		Long: `query runs one SQL statement through embedded DuckDB over the tables in the
catalog (trades, quotes, ...; also as database.table). Only reads run.
It works while ticklake up is writing.`,
		Example: `  ticklake query "SELECT symbol, count(*), min(price), max(price) FROM trades GROUP BY 1 ORDER BY 1"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, err := resultWriter(format)
			if err != nil {
				return err
			}
			cat, err := openCatalog(&loc, true)
			if err != nil {
				return err
			}
			defer cat.Close()
			store, err := openLakeFor(cmd.Context(), &loc, cat, cfg.Database)
			if err != nil {
				return err
			}
			defer store.Close()
			eng, err := query.Open(cat, store, cfg, e.logger)
			if err != nil {
				return err
			}
			defer eng.Close()
			res, err := eng.Query(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return writeOutput(e.stdout, output, func(w io.Writer) error { return write(res, w) })
		},
	}
	fs := cmd.Flags()
	loc.add(fs, true, true)
	fs.StringVarP(&format, "format", "f", "table", "output format: table, csv or json")
	fs.StringVarP(&output, "output", "o", "", "write the result to this file instead of stdout")
	fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "cancel the query after this long")
	fs.StringVar(&cfg.Database, "database", cfg.Database, "catalog database whose tables the query sees")
	return cmd
}

func resultWriter(format string) (func(*query.Result, io.Writer) error, error) {
	switch format {
	case "table":
		return (*query.Result).WriteTable, nil
	case "csv":
		return (*query.Result).WriteCSV, nil
	case "json":
		return (*query.Result).WriteJSON, nil
	}
	return nil, fmt.Errorf("invalid --format %q: use table, csv or json", format)
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
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TABLE\tCOLUMNS\tPARTITION KEYS\tROWS\tFILES\tLOCATION")
			for _, t := range tables {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", t.Name, len(t.Columns), names(t.PartitionKeys),
					param(t, "record_count"), param(t, "object_count"), t.Location)
			}
			return tw.Flush()
		},
	}
	loc.add(cmd.Flags(), false, true)
	cmd.Flags().StringVar(&database, "database", catalog.DefaultDatabase, "catalog database")
	return cmd
}

func newDescribeCmd(e *env) *cobra.Command {
	var (
		loc      locationFlags
		database string
	)
	cmd := &cobra.Command{
		Use:   "describe TABLE",
		Short: "Show a table's columns, partitions, files and size",
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
			t, err := cat.Table(cmd.Context(), db, name)
			if err != nil {
				return fmt.Errorf("table %s.%s: %w (list tables with `ticklake tables`)", db, name, err)
			}
			parts, err := cat.Partitions(cmd.Context(), db, name)
			if err != nil {
				return err
			}
			describe(e.stdout, t, parts)
			return nil
		},
	}
	loc.add(cmd.Flags(), false, true)
	cmd.Flags().StringVar(&database, "database", catalog.DefaultDatabase, "catalog database")
	return cmd
}

func describe(w io.Writer, t catalog.Table, parts []catalog.Partition) {
	fmt.Fprintf(w, "table     %s.%s (version %d)\nlocation  %s\nformat    %s\nupdated   %s\n\n",
		t.Database, t.Name, t.Version, t.Location, t.Classification, t.UpdatedAt.Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tKIND")
	for _, c := range t.Columns {
		fmt.Fprintf(tw, "%s\t%s\t\n", c.Name, c.Type)
	}
	for _, c := range t.PartitionKeys {
		fmt.Fprintf(tw, "%s\t%s\tpartition key\n", c.Name, c.Type)
	}
	tw.Flush()
	var files, rows, bytes int64
	for _, p := range parts {
		files, rows, bytes = files+p.Files, rows+p.Rows, bytes+p.Bytes
	}
	fmt.Fprintf(w, "\n%d partitions, %d files, %d rows, %d bytes\n", len(parts), files, rows, bytes)
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
