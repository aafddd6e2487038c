package query

import (
	"context"
	"database/sql"
	"errors"
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
	if !p.deferred || !strings.Contains(p.sql, "$"+bindParam) {
		t.Fatalf("planned statement does not defer binding: deferred=%v sql=%s", p.deferred, p.sql)
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
		_, err = st.QueryContext(ctx, bindArgs())
		if err == nil || !strings.Contains(err.Error(), "trades-0-") {
			t.Errorf("running without its file: err = %v, want one naming the file", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("prepare read a file: %v", err)
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
