package query

import (
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// readOnlyHint lists what the endpoint accepts, for refusal messages.
const readOnlyHint = "the SQL endpoint is read-only: send one SELECT, WITH, VALUES, FROM, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN or PRAGMA table_info statement"

// checkReadOnly lets through a single statement that DuckDB's own parser
// and binder classify as a read, without running it.
func checkReadOnly(conn *sql.Conn, query string) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("query: unexpected driver connection %T", dc)
		}
		st, err := prepareRead(c, query)
		if err == nil {
			st.Close()
		}
		return err
	})
}

// prepareRead prepares (parses and binds, never runs) a statement that
// DuckDB classifies as a read, refusing any other. SHOW, DESCRIBE,
// SUMMARIZE and the PRAGMAs that DuckDB rewrites into queries (table_info,
// version) prepare as SELECT; EXPLAIN is accepted when what it explains is
// a SELECT (EXPLAIN ANALYZE runs it). The driver's context-free Prepare
// refuses a string holding several statements without running any of
// them, unlike PrepareContext, which runs all but the last.
func prepareRead(c *duckdb.Conn, query string) (*duckdb.Stmt, error) {
	typ, st, err := prepareType(c, query)
	if err != nil {
		return nil, err
	}
	switch typ {
	case duckdb.STATEMENT_TYPE_SELECT:
		return st, nil
	case duckdb.STATEMENT_TYPE_EXPLAIN:
		inner, ok := explainTarget(query)
		if !ok {
			st.Close()
			return nil, refused("EXPLAIN with options")
		}
		t, ist, err := prepareType(c, inner)
		if err == nil {
			ist.Close()
		}
		if err != nil || t != duckdb.STATEMENT_TYPE_SELECT {
			st.Close()
			return nil, refused("EXPLAIN of a non-SELECT")
		}
		return st, nil
	}
	st.Close()
	return nil, refused(stmtName(typ))
}

func prepareType(c *duckdb.Conn, query string) (duckdb.StmtType, *duckdb.Stmt, error) {
	ds, err := c.Prepare(query)
	if err != nil {
		if strings.Contains(err.Error(), "multi-statement") {
			return 0, nil, &queryError{msg: "query: several statements in one request; send one statement at a time (remove the extra ';')"}
		}
		return 0, nil, badQuery(err, query)
	}
	st := ds.(*duckdb.Stmt)
	typ, err := st.StatementType()
	if err != nil {
		st.Close()
		return 0, nil, badQuery(err, query)
	}
	return typ, st, nil
}

var explainRE = regexp.MustCompile(`(?is)^\s*explain\s+(?:analyze\s+)?(.*)$`)

// explainTarget returns the statement an EXPLAIN explains.
func explainTarget(query string) (string, bool) {
	m := explainRE.FindStringSubmatch(query)
	if m == nil || strings.HasPrefix(m[1], "(") {
		return "", false
	}
	return m[1], true
}

func refused(what string) error {
	return &queryError{msg: fmt.Sprintf("query: %s statements are not allowed: %s", what, readOnlyHint)}
}

var stmtNames = map[duckdb.StmtType]string{
	duckdb.STATEMENT_TYPE_INSERT:       "INSERT",
	duckdb.STATEMENT_TYPE_UPDATE:       "UPDATE",
	duckdb.STATEMENT_TYPE_DELETE:       "DELETE",
	duckdb.STATEMENT_TYPE_PREPARE:      "PREPARE",
	duckdb.STATEMENT_TYPE_CREATE:       "CREATE",
	duckdb.STATEMENT_TYPE_EXECUTE:      "EXECUTE",
	duckdb.STATEMENT_TYPE_ALTER:        "ALTER",
	duckdb.STATEMENT_TYPE_TRANSACTION:  "transaction",
	duckdb.STATEMENT_TYPE_COPY:         "COPY",
	duckdb.STATEMENT_TYPE_ANALYZE:      "ANALYZE",
	duckdb.STATEMENT_TYPE_VARIABLE_SET: "SET VARIABLE",
	duckdb.STATEMENT_TYPE_CREATE_FUNC:  "CREATE FUNCTION",
	duckdb.STATEMENT_TYPE_DROP:         "DROP",
	duckdb.STATEMENT_TYPE_EXPORT:       "EXPORT",
	duckdb.STATEMENT_TYPE_PRAGMA:       "PRAGMA",
	duckdb.STATEMENT_TYPE_VACUUM:       "VACUUM",
	duckdb.STATEMENT_TYPE_CALL:         "CALL",
	duckdb.STATEMENT_TYPE_SET:          "SET",
	duckdb.STATEMENT_TYPE_LOAD:         "LOAD/INSTALL",
	duckdb.STATEMENT_TYPE_EXTENSION:    "extension",
	duckdb.STATEMENT_TYPE_ATTACH:       "ATTACH",
	duckdb.STATEMENT_TYPE_DETACH:       "DETACH",
	duckdb.STATEMENT_TYPE_MULTI:        "multi",
}

func stmtName(t duckdb.StmtType) string {
	if n, ok := stmtNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type-%d", t)
}
