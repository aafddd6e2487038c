// Package catalog models ticklake's table catalog after the AWS Glue Data
// Catalog: databases hold tables (location, classification, columns, partition
// keys, parameters), tables hold partitions, and — for the embedded engine —
// partitions know their data files.
//
// It defines the interfaces only: Catalog for readers such as the query
// engine, Manager for the crawler. Backends live in sub-packages
// (catalog/sqlite, catalog/glue), catalog/backend opens one from a URL, and
// catalog/catalogtest is the acceptance suite every backend passes. It knows
// no query engine and no lake writer.
package catalog

import (
	"context"
	"errors"
	"time"
)

// DefaultDatabase is the database ticklake uses when none is named.
const DefaultDatabase = "ticklake"

// ErrNotFound is returned when a database or table does not exist.
var ErrNotFound = errors.New("not found")

// Column is one column. Type is a Hive/Athena type name as Glue stores it:
// string, bigint, int, double, boolean, timestamp, date, array<string>, ...
type Column struct {
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Comment    string            `json:"comment,omitempty"`
	Parameters map[string]string `json:"parameters,omitempty"`
}

// Table is one table. Location is the URL of its folder in the lake.
type Table struct {
	Database       string            `json:"database"`
	Name           string            `json:"name"`
	Location       string            `json:"location"`
	Classification string            `json:"classification"` // parquet, json, csv
	Columns        []Column          `json:"columns"`
	PartitionKeys  []Column          `json:"partition_keys"`
	Parameters     map[string]string `json:"parameters,omitempty"`
	Version        int64             `json:"version"` // bumped on every schema change
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

// Partition is one set of partition values of a table, with its totals.
type Partition struct {
	Values   []string  `json:"values"`
	Location string    `json:"location"`
	Files    int64     `json:"files"`
	Rows     int64     `json:"rows"`
	Bytes    int64     `json:"bytes"`
	Updated  time.Time `json:"updated"`
}

// File is one data file of a table. Key is relative to the lake root.
type File struct {
	Key       string    `json:"key"`
	Partition []string  `json:"partition"` // values in PartitionKeys order
	Rows      int64     `json:"rows"`
	Bytes     int64     `json:"bytes"`
	ModTime   time.Time `json:"mod_time"`
	// Schema identifies the file's Parquet schema, as the crawler read it
	// from the footer: files whose Schema is equal and not empty have the
	// same columns, types and nesting, so a reader can bind them as one
	// without opening each. Empty when unknown (text files, or files
	// registered before the catalog kept it; a crawl fills it in).
	Schema string `json:"schema,omitempty"`
}

// Catalog is the interface every backend implements. Methods are safe for
// concurrent use, and several processes may share one catalog (one writer,
// many readers).
type Catalog interface {
	// Tables lists a database's tables by name.
	Tables(ctx context.Context, database string) ([]Table, error)
	// Table returns one table or ErrNotFound.
	Table(ctx context.Context, database, name string) (Table, error)
	// PutTable creates a table or updates it; when columns or partition keys
	// change, the version is bumped and the old definition archived.
	PutTable(ctx context.Context, t Table) error
	// DeleteTable removes a table, its partitions and files.
	DeleteTable(ctx context.Context, database, name string) error
	// AddFiles registers data files (idempotent by key), creating the
	// partitions they belong to and updating the partitions' totals, in one
	// transaction.
	AddFiles(ctx context.Context, database, table string, files []File) error
	// Files lists a table's registered files.
	Files(ctx context.Context, database, table string) ([]File, error)
	// Partitions lists a table's partitions.
	Partitions(ctx context.Context, database, table string) ([]Partition, error)
	Close() error
}
