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
// and binder classify as a read. SHOW, DESCRIBE, SUMMARIZE and the PRAGMAs
// that DuckDB rewrites into queries (table_info, version) prepare as SELECT;
// EXPLAIN is accepted when what it explains is a SELECT (EXPLAIN ANALYZE runs
// it).
func checkReadOnly(conn *sql.Conn, query string) error {
	typ, err := statementType(conn, query)
	if err != nil {
		return err
	}
	switch typ {
	case duckdb.STATEMENT_TYPE_SELECT:
		return nil
	case duckdb.STATEMENT_TYPE_EXPLAIN:
		inner, ok := explainTarget(query)
		if !ok {
			return refused("EXPLAIN with options")
		}
		if t, err := statementType(conn, inner); err != nil || t != duckdb.STATEMENT_TYPE_SELECT {
			return refused("EXPLAIN of a non-SELECT")
		}
		return nil
	}
	return refused(stmtName(typ))
}

// statementType prepares (parses and binds, never runs) query. The driver's
// context-free Prepare refuses a string holding several statements without
// running any of them, unlike PrepareContext, which runs all but the last.
func statementType(conn *sql.Conn, query string) (duckdb.StmtType, error) {
	typ := duckdb.STATEMENT_TYPE_INVALID
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("query: unexpected driver connection %T", dc)
		}
		st, err := c.Prepare(query)
		if err != nil {
			return err
		}
		defer st.Close()
		typ, err = st.(*duckdb.Stmt).StatementType()
		return err
	})
	if err == nil {
		return typ, nil
	}
	if strings.Contains(err.Error(), "multi-statement") {
		return typ, &queryError{msg: "query: several statements in one request; send one statement at a time (remove the extra ';')"}
	}
	return typ, badQuery(err, query)
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
