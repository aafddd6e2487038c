package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
)

// TestQueryDeferredBindingPreparesNoFile proves that a planned statement's
// prepare binds no file (the files are bound once, as it runs): with its
// file gone, the statement still prepares as a SELECT and fails only when
// run.
func TestQueryDeferredBindingPreparesNoFile(t *testing.T) {
	te := newTradesEngine(t)
	ctx := context.Background()
	if err := te.refresh(ctx); err != nil {
		t.Fatal(err)
	}
	conn := newTestConn(t, te.Engine)
	p, err := te.plan(ctx, conn, "SELECT count(*) FROM trades WHERE dt = '2026-11-02'")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.args) != 1 || !strings.Contains(p.sql, "$"+p.args[0].Name) {
		t.Fatalf("planned statement does not bind its files as a parameter: args=%v sql=%s", p.args, p.sql)
	}
	if err := os.Remove(filepath.Join(te.store.Root(), filepath.FromSlash(tradesKey1))); err != nil {
		t.Fatal(err)
	}
	err = conn.Raw(func(dc any) error {
		st, err := prepareRead(dc.(*duckdb.Conn), p.sql)
		if err != nil {
			return err
		}
		defer st.Close()
		if typ, _ := st.StatementType(); typ != duckdb.STATEMENT_TYPE_SELECT {
			t.Errorf("statement type %v, want SELECT", typ)
		}
		_, err = st.QueryContext(ctx, p.args)
		if err == nil || !strings.Contains(err.Error(), "trades-0-") {
			t.Errorf("running without its file: err = %v, want one naming the file", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("prepare read a file: %v", err)
	}
}

// TestQueryFileListIsOneParameter proves that a planned statement hands
// DuckDB each reference's files as one list parameter: its text names no
// file and is as long for eight files as for one, while the answers and
// pruning are those of the files the parameters list.
func TestQueryFileListIsOneParameter(t *testing.T) {
	te, _ := newPrunedEngines(t)
	mustQuery(t, te.Engine, "SELECT 1") // refresh the views
	conn := newTestConn(t, te.Engine)
	planned := func(sql string) *plan {
		t.Helper()
		p, err := te.plan(t.Context(), conn, sql)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	const q = "SELECT count(*) FROM trades AS t WHERE %s"
	one := planned(fmt.Sprintf(q, "dt = '2026-11-02' AND hr = 13"))
	all := planned(fmt.Sprintf(q, "dt = dt AND hr = hr"))
	for _, p := range []*plan{one, all} {
		if strings.Contains(p.sql, ".parquet") || strings.Contains(p.sql, te.store.Root()) {
			t.Fatalf("the statement names files: %s", p.sql)
		}
	}
	if n1, n8 := len(one.args[0].Value.([]string)), len(all.args[0].Value.([]string)); n1 != 1 || n8 != 8 {
		t.Fatalf("the parameters list %d and %d files, want 1 and 8", n1, n8)
	}
	// The two differ only in their filters and their parameters' names.
	strip := func(p *plan) string {
		s := strings.ReplaceAll(p.sql, p.args[0].Name, "files")
		return s[:strings.LastIndex(s, "WHERE")]
	}
	if strip(one) != strip(all) {
		t.Fatalf("the statement grows with its files:\n%s\n%s", one.sql, all.sql)
	}
	// The names are the same at every run: DuckDB names an unaliased
	// scalar subquery's column after its text.
	two := planned("SELECT count(*) FROM trades a JOIN trades b USING (symbol, ts) WHERE a.dt = '2026-11-02' AND b.dt = '2026-11-03'")
	if len(two.args) != 2 || two.args[0].Name != "ticklake_files_0" || two.args[1].Name != "ticklake_files_1" {
		t.Fatalf("two references: args %v, want ticklake_files_0 and _1", two.args)
	}
	if res := mustQuery(t, te.Engine, fmt.Sprintf(q, "dt = '2026-11-02' AND hr = 13")); res.Rows[0][0] != int64(2) || res.Stats.FilesScanned != 1 {
		t.Fatalf("rows %v, %d files scanned, want 2 trades from 1 file", res.Rows, res.Stats.FilesScanned)
	}
}

// TestQueryDeferredBindErrors checks what a statement that binds as it runs
// answers when it does not bind: a rewrite DuckDB cannot bind (a column
// named by its table's full name) runs unpruned, as before, and a genuine
// mistake is one line with its position.
func TestQueryDeferredBindErrors(t *testing.T) {
	te, _ := newPrunedEngines(t)
	res := mustQuery(t, te.Engine, "SELECT count(ticklake.trades.price) FROM ticklake.trades WHERE dt = '2026-11-02'")
	if res.Rows[0][0] != int64(8) {
		t.Fatalf("rows = %v, want the 8 trades of 2026-11-02", res.Rows)
	}
	if res.Stats.FilesScanned != 8 {
		t.Fatalf("%d files scanned, want all 8: the statement DuckDB cannot bind pruned must run unpruned", res.Stats.FilesScanned)
	}
	_, err := te.Query(context.Background(), "SELECT nosuchcolumn FROM trades WHERE dt = '2026-11-02'")
	if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), "nosuchcolumn") || !strings.Contains(err.Error(), "position") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line naming the column and its position", err)
	}
}

func newTestConn(t *testing.T, e *Engine) *sql.Conn {
	t.Helper()
	conn, err := e.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
