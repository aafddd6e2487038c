package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

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

