package query

// This file defers the binding of a planned statement's files to its
// execution.
//
// DuckDB binds a statement when it is prepared and, for a statement that
// scans files (read_parquet and the other multi-file readers), binds it
// again when it runs: such a scan never reuses its bind. Binding a scan of
// thousands of files checks every path against allowed_directories, which
// canonicalises it (realpath, a readlink per path component), so a
// prepared-then-run statement checked every file three times (two binds
// and the open) where a DuckDB shell checks it twice. A named parameter
// among a reader's arguments stops DuckDB's prepare before the readers
// bind (their arguments must be constants), while the prepared statement
// still carries its parsed statement type for the read-only check; the
// files are then bound once, when the statement runs with the parameter's
// value. The parameter sets the reader's filename option to false, its
// default, so it changes nothing read.

import (
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// bindParam names the parameter that defers binding.
const bindParam = "ticklake_bind"

// deferBinding adds the deferring parameter to a reader call, a
// "read_xxx(...)" table function call as readSource writes it.
func deferBinding(source string) string {
	return strings.TrimSuffix(source, ")") + ", filename = $" + bindParam + ")"
}

// bindArgs are the arguments a statement with deferred binding runs with.
func bindArgs() []driver.NamedValue {
	return []driver.NamedValue{{Name: bindParam, Value: false}}
}

// isBindError tells whether a statement with deferred binding failed to
// bind (an unknown name, a mismatched type) rather than while running.
func isBindError(err error) bool {
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return false
	}
	switch de.Type {
	case duckdb.ErrorTypeBinder, duckdb.ErrorTypeCatalog, duckdb.ErrorTypeParameterNotResolved:
		return true
	}
	return false
}
