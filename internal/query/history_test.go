package query

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

func newTestHistory(t *testing.T, path string) *History {
	t.Helper()
	h, err := OpenHistory(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestHistoryRecordsQueries(t *testing.T) {
	te, _ := newPrunedEngines(t)
	h := newTestHistory(t, filepath.Join(t.TempDir(), "catalog.db"))
	te.SetHistory(h)
	mustQuery(t, te.Engine, "SELECT count(*) FROM trades WHERE dt = '2026-11-02'")
	te.Query(context.Background(), "SELECT nosuch FROM trades")
	got, err := h.List(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("entries = %+v", got)
	}
	bad, ok := got[0], got[1]
	if bad.Status != "failed" || bad.Error == "" || bad.SQL != "SELECT nosuch FROM trades" || bad.ID <= ok.ID {
		t.Errorf("failed entry = %+v", bad)
	}
	if ok.Status != "ok" || ok.Stats.RowsReturned != 1 || ok.Stats.FilesScanned != 4 || ok.Stats.PartitionsPruned != 4 ||
		ok.Stats.BytesScanned <= 0 || ok.Stats.ElapsedMs <= 0 || time.Since(ok.StartedAt) > time.Minute {
		t.Errorf("ok entry = %+v", ok)
	}
}

// TestHistoryBesideAWriter shares the file with another writer holding a
// write transaction: recording waits for it instead of failing.
func TestHistoryBesideAWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	h := newTestHistory(t, path)
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("CREATE TABLE catalog_thing (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- h.Record(context.Background(), HistoryEntry{StartedAt: time.Now(), SQL: "SELECT 1", Status: "ok"})
	}()
	select {
	case err := <-done:
		t.Fatalf("recorded while another writer held the lock: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, err := h.List(context.Background(), 5)
	if err != nil || len(got) != 1 || got[0].SQL != "SELECT 1" {
		t.Fatalf("entries = %+v, %v", got, err)
	}
}

// TestHistoryOlderSchema opens a history made before the engine, query_id
// and queue_ms columns, and records an Athena query in it.
func TestHistoryOlderSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(historySchema); err != nil { // the first schema, without the added columns
		t.Fatal(err)
	}
	if _, err := old.Exec(`INSERT INTO query_history (started_at, sql, status) VALUES ('2026-11-02T00:00:00Z', 'SELECT 0', 'ok')`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	h := newTestHistory(t, path)
	r := newAthena(&scriptedAthena{states: []types.QueryExecutionStatus{state(types.QueryExecutionStateSucceeded, "", 0)},
		pages: []*types.ResultSet{page("x", "1")}}, AthenaConfig{PollInterval: time.Millisecond}, nil)
	r.SetHistory(h)
	if _, err := r.Query(context.Background(), "SELECT x FROM t"); err != nil {
		t.Fatal(err)
	}
	got, err := h.List(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Stats.Engine != "athena" || got[0].Stats.QueryID != "q1" || got[0].Stats.QueueMs != 30 || got[1].SQL != "SELECT 0" {
		t.Fatalf("history = %+v", got)
	}
}
