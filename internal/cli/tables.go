package cli

import (
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
