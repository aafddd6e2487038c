package crawler

import (
	"fmt"
	"time"
)

// Report says what one crawl found and did (or, in a dry run, would do).
type Report struct {
	Tables    int // tables holding data files
	FilesSeen int // data objects listed (markers, temporary and dead-letter objects excluded)
	FilesNew  int // files newly registered in the catalog
	// FilesSchemaIDs counts registered Parquet files read again because
	// the catalog had no schema id for them (files registered by an older
	// ticklake; once per file).
	FilesSchemaIDs int
	FilesSkipped   int            // data objects in a format the crawler does not read
	FilesMissing   int            // registered files no longer in the lake
	FilesRemoved   int            // missing files removed from the catalog (DeleteBehavior delete or deprecate)
	TablesGone     []string       // tables whose data is all gone (deleted or deprecated by the policy)
	Changes        []SchemaChange // schema changes made to tables
	Errors         []ObjectError  // objects that could not be registered
	DryRun         bool           // nothing was written to the catalog
	Duration       time.Duration
}

// ChangeKind says what happened to a column.
type ChangeKind string

// The kinds of schema change.
const (
	ChangeAdded        ChangeKind = "added"        // a new column; older files read it as null
	ChangeWidened      ChangeKind = "widened"      // a compatible wider type (int -> bigint -> double)
	ChangeIncompatible ChangeKind = "incompatible" // types that cannot be reconciled: the column becomes string
	ChangeKeys         ChangeKind = "partition keys"
)

// SchemaChange is one change to a table's columns, with the file that caused
// it.
type SchemaChange struct {
	Table  string     `json:"table"`
	Column string     `json:"column"`
	Kind   ChangeKind `json:"kind"`
	From   string     `json:"from,omitempty"`
	To     string     `json:"to"`
	Key    string     `json:"key"`
	Detail string     `json:"detail,omitempty"`
}

// String describes the change on one line.
func (c SchemaChange) String() string {
	switch c.Kind {
	case ChangeAdded:
		return fmt.Sprintf("%s.%s added as %s (from %s)", c.Table, c.Column, c.To, c.Key)
	case ChangeIncompatible:
		return fmt.Sprintf("%s.%s: incompatible types (%s in %s); now string — rewrite the file or move it to another table",
			c.Table, c.Column, c.Detail, c.Key)
	}
	return fmt.Sprintf("%s.%s %s %s -> %s (from %s)", c.Table, c.Column, c.Kind, c.From, c.To, c.Key)
}

// ObjectError names an object the crawler could not register, and why.
type ObjectError struct {
	Key string `json:"key"`
	Err string `json:"error"`
}

// Error implements error.
func (e ObjectError) Error() string { return fmt.Sprintf("%s: %s", e.Key, e.Err) }
