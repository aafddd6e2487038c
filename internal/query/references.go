package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"strings"
)

// referencedTables names the tables of database a statement reads, from
// DuckDB's own parse tree (json_serialize_sql). It is best effort, for
// statistics: statements DuckDB cannot serialise (EXPLAIN, PRAGMA) name none.
func referencedTables(ctx context.Context, conn *sql.Conn, query, database string) []string {
	var raw any
	if err := conn.QueryRowContext(ctx, "SELECT json_serialize_sql(?::VARCHAR)", query).Scan(&raw); err != nil {
		return nil
	}
	tree, ok := decodeJSON(raw)
	if !ok {
		return nil
	}
	found := map[string]bool{}
	walkTables(tree, database, found)
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func decodeJSON(raw any) (any, bool) {
	var b []byte
	switch x := raw.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return raw, raw != nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, false
	}
	return v, true
}

// walkTables collects the BASE_TABLE references in the tree that point at
// database (or at no schema).
func walkTables(node any, database string, found map[string]bool) {
	switch x := node.(type) {
	case map[string]any:
		if x["type"] == "BASE_TABLE" {
			schema, _ := x["schema_name"].(string)
			catalog, _ := x["catalog_name"].(string)
			name, _ := x["table_name"].(string)
			if (schema == "" || strings.EqualFold(schema, database) || strings.EqualFold(catalog, database)) && name != "" {
				found[strings.ToLower(name)] = true
			}
		}
		for _, v := range x {
			walkTables(v, database, found)
		}
	case []any:
		for _, v := range x {
			walkTables(v, database, found)
		}
	}
}
