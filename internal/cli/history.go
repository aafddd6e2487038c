package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticklake/ticklake/internal/query"
)

func newHistoryCmd(e *env) *cobra.Command {
	var (
		loc    locationFlags
		limit  int
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the last queries with their status and statistics",
		Long: `history lists the queries run by ticklake query (and the HTTP API when
its engine records them), newest first, with Athena's statistics: time
planning, fetching and executing, rows returned, files and bytes scanned
and partitions pruned. They are kept in the catalog's SQLite file (table
query_history), or in <data-dir>/history.db for other catalogs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit <= 0 {
				return fmt.Errorf("invalid --limit %d: give a positive number of queries", limit)
			}
			h, err := query.OpenHistory(historyPath(&loc))
			if err != nil {
				return err
			}
			defer h.Close()
			entries, err := h.List(cmd.Context(), limit)
			if err != nil {
				return err
			}
			if asJSON {
				return writeHistoryJSON(e.stdout, entries)
			}
			return writeHistory(e.stdout, entries)
		},
	}
	loc.add(cmd.Flags(), false, true)
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "how many queries to list")
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON, one object per query")
	return cmd
}

func writeHistory(w io.Writer, entries []query.HistoryEntry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ID\tSTARTED\tENGINE\tSTATUS\tPLAN ms\tFETCH ms\tEXEC ms\tTOTAL ms\tROWS\tFILES\tBYTES\tPRUNED\t SQL")
	for _, h := range entries {
		s := h.Stats
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%s\t%d\t %s\n", h.ID,
			h.StartedAt.Local().Format(time.DateTime), engineOf(s), h.Status, s.PlanningMs, s.FetchMs, s.ExecutionMs, s.ElapsedMs,
			s.RowsReturned, s.FilesScanned, humanBytes(s.BytesScanned), s.PartitionsPruned, shortSQL(h.SQL, h.Error))
	}
	return tw.Flush()
}

func writeHistoryJSON(w io.Writer, entries []query.HistoryEntry) error {
	enc := json.NewEncoder(w)
	for _, h := range entries {
		if err := enc.Encode(h); err != nil {
			return fmt.Errorf("writing JSON: %w", err)
		}
	}
	return nil
}

// engineOf names the engine that answered: duckdb, or athena with the
// query's execution id, which the Athena console and API look it up by.
func engineOf(s query.Stats) string {
	switch {
	case s.Engine == "":
		return "duckdb"
	case s.QueryID != "":
		return s.Engine + ":" + s.QueryID
	}
	return s.Engine
}

// shortSQL is a statement on one line, cut to fit, with its error.
func shortSQL(sql, errText string) string {
	s := strings.Join(strings.Fields(sql), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	if errText != "" {
		e := errText
		if len(e) > 80 {
			e = e[:77] + "..."
		}
		s += "  [" + e + "]"
	}
	return s
}
