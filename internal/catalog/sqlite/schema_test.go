package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog"
)

// newTestV2Catalog writes a catalog file as ticklake wrote it before files
// had schema ids (schema version 2), holding one table with one file.
func newTestV2Catalog(t *testing.T) (path string, file catalog.File) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	file = hourFile(14, 1, 100)
	stmts := append(append([]string(nil), migrations[:2]...),
		`PRAGMA user_version = 2`,
		`INSERT INTO databases VALUES ('ticklake', '2026-11-02T00:00:00Z')`,
		`INSERT INTO tables VALUES (1, 'ticklake', 'trades', 'file:///lake/trades', 'parquet',
			'[{"name":"symbol","type":"string"}]', '[{"name":"dt","type":"date"},{"name":"hr","type":"int"}]', '{}', 1,
			'2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z')`,
		`INSERT INTO partitions VALUES (1, 1, '["2026-11-02","14"]', 'file:///lake/trades/dt=2026-11-02/hr=14', 1, 100, 1000,
			'2026-11-02T00:00:00Z')`,
		`INSERT INTO files VALUES (1, '`+file.Key+`', 1, '["2026-11-02","14"]', 100, 1000, '2026-11-02T14:00:00Z')`)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path, file
}

func TestMigrateSchemaIDs(t *testing.T) {
	ctx := context.Background()
	path, f := newTestV2Catalog(t)
	files := func(c *Catalog) []catalog.File {
		t.Helper()
		fs, err := c.Files(ctx, "", "trades")
		if err != nil || len(fs) != 1 || fs[0].Key != f.Key || fs[0].Rows != 100 {
			t.Fatalf("Files = %+v, %v; want the one file of the old catalog", fs, err)
		}
		return fs
	}
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if fs := files(ro); fs[0].Schema != "" {
		t.Errorf("read-only handle on a version 2 catalog: schema = %q; want none", fs[0].Schema)
	}
	c, err := Open(path)
	if err != nil {
		t.Fatalf("migrating: %v", err)
	}
	defer c.Close()
	if v, err := userVersion(ctx, c.db); err != nil || v != len(migrations) {
		t.Errorf("user_version = %d, %v; want %d", v, err, len(migrations))
	}
	if fs := files(c); fs[0].Schema != "" {
		t.Errorf("migrated file: schema = %q; want none until a crawl fills it in", fs[0].Schema)
	}
	f.Schema = "abc"
	if err := c.AddFiles(ctx, "", "trades", []catalog.File{f}); err != nil {
		t.Fatal(err)
	}
	if fs := files(c); fs[0].Schema != "abc" {
		t.Errorf("schema after filling in = %q; want abc", fs[0].Schema)
	}
	// The read-only handle opened before the migration still reads.
	files(ro)
}
