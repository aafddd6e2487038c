package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations[i] brings the schema from user_version i to i+1. Append only.
var migrations = []string{
	`CREATE TABLE databases (
		name       TEXT PRIMARY KEY,
		created_at TEXT NOT NULL
	);
	CREATE TABLE tables (
		id             INTEGER PRIMARY KEY,
		database       TEXT NOT NULL REFERENCES databases(name) ON DELETE CASCADE,
		name           TEXT NOT NULL,
		location       TEXT NOT NULL,
		classification TEXT NOT NULL,
		columns        TEXT NOT NULL,
		partition_keys TEXT NOT NULL,
		parameters     TEXT NOT NULL,
		version        INTEGER NOT NULL,
		created_at     TEXT NOT NULL,
		updated_at     TEXT NOT NULL,
		UNIQUE (database, name)
	);
	CREATE TABLE table_versions (
		table_id       INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
		version        INTEGER NOT NULL,
		location       TEXT NOT NULL,
		classification TEXT NOT NULL,
		columns        TEXT NOT NULL,
		partition_keys TEXT NOT NULL,
		parameters     TEXT NOT NULL,
		archived_at    TEXT NOT NULL,
		PRIMARY KEY (table_id, version)
	);
	CREATE TABLE partitions (
		id         INTEGER PRIMARY KEY,
		table_id   INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
		vals       TEXT NOT NULL,
		location   TEXT NOT NULL,
		file_count INTEGER NOT NULL DEFAULT 0,
		row_count  INTEGER NOT NULL DEFAULT 0,
		byte_count INTEGER NOT NULL DEFAULT 0,
		updated    TEXT NOT NULL,
		UNIQUE (table_id, vals)
	);
	CREATE TABLE files (
		table_id     INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
		key          TEXT NOT NULL,
		partition_id INTEGER REFERENCES partitions(id) ON DELETE CASCADE,
		vals         TEXT NOT NULL,
		row_count    INTEGER NOT NULL,
		byte_count   INTEGER NOT NULL,
		mod_time     TEXT NOT NULL,
		PRIMARY KEY (table_id, key)
	);
	CREATE INDEX files_partition ON files(partition_id);`,
	`CREATE TABLE crawls (
		id       INTEGER PRIMARY KEY,
		database TEXT NOT NULL,
		started  TEXT NOT NULL,
		report   TEXT NOT NULL
	);
	CREATE INDEX crawls_database ON crawls(database, id);`,
	// Each file's Parquet schema id (catalog.File.Schema); '' for files
	// registered before, until a crawl reads their footers again.
	`ALTER TABLE files ADD COLUMN schema_id TEXT NOT NULL DEFAULT '';`,
}

// migrate applies the migrations the file has not seen, in one transaction.
func (c *Catalog) migrate(ctx context.Context) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("starting migration: %w", err)
	}
	defer tx.Rollback()
	v, err := userVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this binary's %d; upgrade ticklake", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrating schema to version %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no bound parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return fmt.Errorf("setting schema version: %w", err)
	}
	return tx.Commit()
}

// checkVersion makes sure a read-only handle understands the file's schema,
// and remembers its version.
func (c *Catalog) checkVersion(ctx context.Context) error {
	v, err := userVersion(ctx, c.db)
	switch {
	case err != nil:
		return err
	case v == 0:
		return errors.New("catalog has no schema yet; run `ticklake up` or `ticklake crawl` first")
	case v > len(migrations):
		return fmt.Errorf("schema version %d is newer than this binary's %d; upgrade ticklake", v, len(migrations))
	}
	c.version = v
	return nil
}

// schemaIDColumn is the files column holding schema ids, or an empty
// string for a file not migrated yet (a read-only handle on an older
// catalog).
func (c *Catalog) schemaIDColumn() string {
	if c.version < versionSchemaID {
		return "''"
	}
	return "f.schema_id"
}

// versionSchemaID is the schema version that added files.schema_id.
const versionSchemaID = 3

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func userVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return v, nil
}
