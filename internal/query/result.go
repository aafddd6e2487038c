package query

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
)

// Result is a query's answer. Its rows are JSON-safe, so that it marshals
// without error and a JavaScript client reads every value exactly:
//
//   - TIMESTAMP, TIMESTAMP_NS and TIMESTAMPTZ: RFC 3339 strings in UTC with
//     up to nine fractional digits ("2026-11-02T14:30:00.123456789Z");
//   - DATE: "YYYY-MM-DD"; TIME: "15:04:05.999999999";
//   - DOUBLE/FLOAT NaN and ±Inf: null;
//   - integers (of any width, HUGEINT and UBIGINT included) beyond ±2^53:
//     decimal strings, smaller ones numbers;
//   - DECIMAL: a JSON number (json.Number) up to 15 digits wide, a decimal
//     string beyond;
//   - BLOB: standard base64; UUID: its canonical string;
//   - INTERVAL: {"months":m,"days":d,"micros":us};
//   - LIST/ARRAY: arrays, STRUCT: objects, MAP: objects keyed by the
//     key's text; all converted recursively (nested time values lose their
//     column type and are written as RFC 3339, or as a time of day when
//     they carry no date);
//   - NULL: null.
type Result struct {
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
	Stats   Stats    `json:"stats"`
}

// Column names one result column and its DuckDB type (VARCHAR,
// TIMESTAMP_NS, DECIMAL(18,3), INTEGER[], ...).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Stats describes a query's cost, like Athena's: time spent planning
// (parsing, partition pruning, checking), fetching remote files into the
// local cache, and executing, and what was read. FilesScanned and
// BytesScanned add up the files each table reference reads after partition
// pruning, PartitionsPruned the partitions skipped before DuckDB saw a file.
type Stats struct {
	PlanningMs       float64 `json:"planning_ms"`
	FetchMs          float64 `json:"fetch_ms"`
	ExecutionMs      float64 `json:"execution_ms"`
	ElapsedMs        float64 `json:"elapsed_ms"`
	RowsReturned     int64   `json:"rows_returned"`
	FilesScanned     int     `json:"files_scanned"`
	BytesScanned     int64   `json:"bytes_scanned"`
	PartitionsRead   int     `json:"partitions_scanned"`
	PartitionsPruned int     `json:"partitions_pruned"`
	// CacheHits and CacheMisses count a remote lake's files found in and
	// fetched into the local cache; BytesFetched is what was fetched.
	CacheHits    int   `json:"cache_hits,omitempty"`
	CacheMisses  int   `json:"cache_misses,omitempty"`
	BytesFetched int64 `json:"bytes_fetched,omitempty"`
	// Tables details each table reference.
	Tables []TableScan `json:"tables,omitempty"`
	// Truncated is set when the result hit the row cap (Config.MaxRows).
	Truncated bool `json:"truncated"`
	// Engine is "athena" for results of Athena, whose query id is QueryID
	// and whose queueing time is QueueMs; empty for the embedded engine.
	Engine  string  `json:"engine,omitempty"`
	QueryID string  `json:"query_id,omitempty"`
	QueueMs float64 `json:"queue_ms,omitempty"`
}

// TableScan is what one reference to a catalog table read.
type TableScan struct {
	Table            string `json:"table"`
	Files            int    `json:"files"`
	FilesTotal       int    `json:"files_total"`
	Bytes            int64  `json:"bytes"`
	Partitions       int    `json:"partitions"`
	PartitionsPruned int    `json:"partitions_pruned"`
}

func (s *Stats) addScans(scans []scan) {
	for _, sc := range scans {
		s.FilesScanned += sc.files
		s.BytesScanned += sc.bytes
		s.PartitionsRead += sc.partitions
		s.PartitionsPruned += sc.partitionsPruned
		s.Tables = append(s.Tables, TableScan{Table: sc.table, Files: sc.files, FilesTotal: sc.filesAll,
			Bytes: sc.bytes, Partitions: sc.partitions, PartitionsPruned: sc.partitionsPruned})
	}
}

// collect reads up to maxRows rows, converting each value.
func collect(rows driver.Rows, maxRows int) (*Result, error) {
	names := rows.Columns()
	typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
	res := &Result{Columns: make([]Column, len(names)), Rows: [][]any{}}
	for i, n := range names {
		res.Columns[i] = Column{Name: n}
		if typed != nil {
			res.Columns[i].Type = typed.ColumnTypeDatabaseTypeName(i)
		}
	}
	vals := make([]driver.Value, len(names))
	for {
		err := rows.Next(vals)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading a row: %w", err)
		}
		if len(res.Rows) >= maxRows {
			res.Stats.Truncated = true
			break
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			row[i] = safeColumn(res.Columns[i].Type, v)
		}
		res.Rows = append(res.Rows, row)
	}
	res.Stats.RowsReturned = int64(len(res.Rows))
	return res, nil
}
