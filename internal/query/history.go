package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// historyBusyTimeout is how long a history write waits for another writer
// of the same SQLite file (the crawler of a running `ticklake up`).
const historyBusyTimeout = 10 * time.Second

// History keeps a record of every query, like Athena's query history: the
// statement, its outcome and its statistics. It lives in a SQLite file —
// the catalog's own file when the catalog is SQLite (a table of its own,
// reached through a separate handle) — in WAL mode, so recording never
// blocks the catalog's writer for long nor fails when it holds the lock.
type History struct {
	db *sql.DB
}

// HistoryEntry is one recorded query.
type HistoryEntry struct {
	ID        int64     `json:"id"`
	StartedAt time.Time `json:"started_at"`
	SQL       string    `json:"sql"`
	// Status is "ok", "failed" or "timeout"; Error holds the error's line.
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	Stats  Stats  `json:"stats"`
}

const historySchema = `CREATE TABLE IF NOT EXISTS query_history (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	started_at   TEXT    NOT NULL,
	sql          TEXT    NOT NULL,
	status       TEXT    NOT NULL,
	error        TEXT    NOT NULL DEFAULT '',
	planning_ms  REAL    NOT NULL DEFAULT 0,
	fetch_ms     REAL    NOT NULL DEFAULT 0,
	execution_ms REAL    NOT NULL DEFAULT 0,
	elapsed_ms   REAL    NOT NULL DEFAULT 0,
	rows         INTEGER NOT NULL DEFAULT 0,
	files        INTEGER NOT NULL DEFAULT 0,
	bytes        INTEGER NOT NULL DEFAULT 0,
	partitions_pruned INTEGER NOT NULL DEFAULT 0
)`

// OpenHistory opens (creating as needed) the query history in the SQLite
// file at path.
func OpenHistory(path string) (*History, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening query history %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("opening query history %s: %w", abs, err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", historyBusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	db, err := sql.Open("sqlite", "file:"+r.Replace(filepath.ToSlash(abs))+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening query history %s: %w", abs, err)
	}
	if _, err := db.Exec(historySchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening query history %s: %w; choose a writable --catalog or --data-dir", abs, err)
	}
	if err := addHistoryColumns(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening query history %s: %w", abs, err)
	}
	return &History{db: db}, nil
}

// historyColumns were added after the first schema: which engine answered
// (empty for the embedded one) and Athena's query id and queueing time.
var historyColumns = []struct{ name, def string }{
	{"engine", "TEXT NOT NULL DEFAULT ''"},
	{"query_id", "TEXT NOT NULL DEFAULT ''"},
	{"queue_ms", "REAL NOT NULL DEFAULT 0"},
}

// addHistoryColumns brings a history made by an older ticklake up to date.
// Another process may add a column at the same time: a failed ALTER is
// an error only if the column is still missing.
func addHistoryColumns(db *sql.DB) error {
	for _, c := range historyColumns {
		if ok, err := hasHistoryColumn(db, c.name); err != nil || ok {
			if err != nil {
				return err
			}
			continue
		}
		if _, err := db.Exec("ALTER TABLE query_history ADD COLUMN " + c.name + " " + c.def); err != nil {
			if ok, _ := hasHistoryColumn(db, c.name); !ok {
				return fmt.Errorf("adding column %s: %w", c.name, err)
			}
		}
	}
	return nil
}

func hasHistoryColumn(db *sql.DB, name string) (bool, error) {
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pragma_table_info('query_history') WHERE name = ?`, name).Scan(&n); err != nil {
		return false, fmt.Errorf("reading the history's columns: %w", err)
	}
	return n > 0, nil
}

// Record stores one query's outcome.
func (h *History) Record(ctx context.Context, e HistoryEntry) error {
	s := e.Stats
	_, err := h.db.ExecContext(ctx, `INSERT INTO query_history (started_at, sql, status, error, planning_ms, fetch_ms,
		execution_ms, elapsed_ms, rows, files, bytes, partitions_pruned, engine, query_id, queue_ms)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		e.StartedAt.UTC().Format(time.RFC3339Nano), e.SQL, e.Status, e.Error, s.PlanningMs, s.FetchMs,
		s.ExecutionMs, s.ElapsedMs, s.RowsReturned, s.FilesScanned, s.BytesScanned, s.PartitionsPruned,
		s.Engine, s.QueryID, s.QueueMs)
	if err != nil {
		return fmt.Errorf("recording the query in the history: %w", err)
	}
	return nil
}

// List returns the last limit queries, newest first.
func (h *History) List(ctx context.Context, limit int) ([]HistoryEntry, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT id, started_at, sql, status, error, planning_ms, fetch_ms,
		execution_ms, elapsed_ms, rows, files, bytes, partitions_pruned, engine, query_id, queue_ms
		FROM query_history ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the query history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var e HistoryEntry
		var started string
		s := &e.Stats
		if err := rows.Scan(&e.ID, &started, &e.SQL, &e.Status, &e.Error, &s.PlanningMs, &s.FetchMs,
			&s.ExecutionMs, &s.ElapsedMs, &s.RowsReturned, &s.FilesScanned, &s.BytesScanned, &s.PartitionsPruned,
			&s.Engine, &s.QueryID, &s.QueueMs); err != nil {
			return nil, fmt.Errorf("reading the query history: %w", err)
		}
		e.StartedAt, _ = time.Parse(time.RFC3339Nano, started)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Close releases the handle.
func (h *History) Close() error { return h.db.Close() }

// SetHistory makes the engine record every query it answers or refuses in
// h; nil stops recording. A failure to record is logged, never returned.
func (e *Engine) SetHistory(h *History) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.history = h
}

// record stores the outcome of one Query call.
func (e *Engine) record(start time.Time, query string, res *Result, err error) {
	e.mu.Lock()
	h := e.history
	e.mu.Unlock()
	recordQuery(h, e.logger, "", start, query, res, err)
}

// recordQuery stores the outcome of one query answered by engine in h,
// when set.
func recordQuery(h *History, logger *slog.Logger, engine string, start time.Time, query string, res *Result, err error) {
	if h == nil {
		return
	}
	entry := HistoryEntry{StartedAt: start, SQL: query, Status: "ok"}
	switch {
	case errors.Is(err, ErrTimeout):
		entry.Status, entry.Error = "timeout", err.Error()
	case err != nil:
		entry.Status, entry.Error = "failed", err.Error()
	default:
		entry.Stats = res.Stats
	}
	if err != nil {
		entry.Stats.ElapsedMs = ms(time.Since(start))
		entry.Stats.Engine = engine
	}
	ctx, cancel := context.WithTimeout(context.Background(), historyBusyTimeout)
	defer cancel()
	if rerr := h.Record(ctx, entry); rerr != nil {
		logger.Warn("not recorded in the query history", "err", rerr)
	}
}
