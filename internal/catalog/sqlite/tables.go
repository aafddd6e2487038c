package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
)

const tableCols = `t.database, t.name, t.location, t.classification, t.columns,
	t.partition_keys, t.parameters, t.version, t.created_at, t.updated_at`

// Tables implements catalog.Catalog. An unknown database has no tables.
func (c *Catalog) Tables(ctx context.Context, database string) ([]catalog.Table, error) {
	rows, err := c.db.QueryContext(ctx,
		`SELECT `+tableCols+` FROM tables t WHERE t.database = ? ORDER BY t.name`, dbName(database))
	if err != nil {
		return nil, fmt.Errorf("listing tables of %s: %w", dbName(database), err)
	}
	defer rows.Close()
	var ts []catalog.Table
	for rows.Next() {
		t, err := scanTable(rows)
		if err != nil {
			return nil, fmt.Errorf("listing tables of %s: %w", dbName(database), err)
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// Table implements catalog.Catalog.
func (c *Catalog) Table(ctx context.Context, database, name string) (catalog.Table, error) {
	row := c.db.QueryRowContext(ctx,
		`SELECT `+tableCols+` FROM tables t WHERE t.database = ? AND t.name = ?`, dbName(database), name)
	t, err := scanTable(row)
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("table %s.%s: %w", dbName(database), name, catalog.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("reading table %s.%s: %w", dbName(database), name, err)
	}
	return t, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanTable(s scanner) (catalog.Table, error) {
	var t catalog.Table
	var cols, keys, params, created, updated string
	err := s.Scan(&t.Database, &t.Name, &t.Location, &t.Classification, &cols, &keys, &params,
		&t.Version, &created, &updated)
	if err != nil {
		return t, err
	}
	err = errors.Join(
		json.Unmarshal([]byte(cols), &t.Columns),
		json.Unmarshal([]byte(keys), &t.PartitionKeys),
		json.Unmarshal([]byte(params), &t.Parameters),
	)
	t.CreatedAt, t.UpdatedAt = parseTime(created), parseTime(updated)
	return t, err
}

// PutTable implements catalog.Catalog. The database is created if missing;
// t.Version, t.CreatedAt and t.UpdatedAt are ignored (the catalog keeps them).
func (c *Catalog) PutTable(ctx context.Context, t catalog.Table) error {
	t.Database = dbName(t.Database)
	if t.Name == "" {
		return errors.New("putting table: empty name")
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("putting table %s.%s: %w", t.Database, t.Name, err)
	}
	defer tx.Rollback()
	if err := putTable(ctx, tx, t, time.Now()); err != nil {
		return fmt.Errorf("putting table %s.%s: %w", t.Database, t.Name, err)
	}
	return tx.Commit()
}

func putTable(ctx context.Context, tx *sql.Tx, t catalog.Table, now time.Time) error {
	ts := formatTime(now)
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO databases (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, t.Database, ts); err != nil {
		return fmt.Errorf("creating database: %w", err)
	}
	cols, keys, params := mustJSON(nonNil(t.Columns)), mustJSON(nonNil(t.PartitionKeys)), mustJSON(t.Parameters)
	var id, version int64
	var oldCols, oldKeys string
	err := tx.QueryRowContext(ctx,
		`SELECT id, version, columns, partition_keys FROM tables WHERE database = ? AND name = ?`,
		t.Database, t.Name).Scan(&id, &version, &oldCols, &oldKeys)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.ExecContext(ctx, `INSERT INTO tables (database, name, location, classification,
			columns, partition_keys, parameters, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			t.Database, t.Name, t.Location, t.Classification, cols, keys, params, ts, ts)
		return err
	}
	if err != nil {
		return err
	}
	if cols != oldCols || keys != oldKeys {
		if err := archive(ctx, tx, id, ts); err != nil {
			return err
		}
		version++
	}
	_, err = tx.ExecContext(ctx, `UPDATE tables SET location = ?, classification = ?, columns = ?,
		partition_keys = ?, parameters = ?, version = ?, updated_at = ? WHERE id = ?`,
		t.Location, t.Classification, cols, keys, params, version, ts, id)
	return err
}

// archive copies a table's current definition into table_versions.
func archive(ctx context.Context, tx *sql.Tx, id int64, ts string) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO table_versions (table_id, version, location,
		classification, columns, partition_keys, parameters, archived_at)
		SELECT id, version, location, classification, columns, partition_keys, parameters, ?
		FROM tables WHERE id = ?`, ts, id)
	if err != nil {
		return fmt.Errorf("archiving the previous definition: %w", err)
	}
	return nil
}

// Versions returns a table's archived definitions, oldest first. Each holds
// the definition as it was while that version was current.
func (c *Catalog) Versions(ctx context.Context, database, name string) ([]catalog.Table, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT t.database, t.name, v.location, v.classification,
		v.columns, v.partition_keys, v.parameters, v.version, t.created_at, v.archived_at
		FROM table_versions v JOIN tables t ON t.id = v.table_id
		WHERE t.database = ? AND t.name = ? ORDER BY v.version`, dbName(database), name)
	if err != nil {
		return nil, fmt.Errorf("listing versions of %s.%s: %w", dbName(database), name, err)
	}
	defer rows.Close()
	var ts []catalog.Table
	for rows.Next() {
		t, err := scanTable(rows)
		if err != nil {
			return nil, fmt.Errorf("listing versions of %s.%s: %w", dbName(database), name, err)
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// DeleteTable implements catalog.Catalog.
func (c *Catalog) DeleteTable(ctx context.Context, database, name string) error {
	res, err := c.db.ExecContext(ctx, `DELETE FROM tables WHERE database = ? AND name = ?`, dbName(database), name)
	if err != nil {
		return fmt.Errorf("deleting table %s.%s: %w", dbName(database), name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("deleting table %s.%s: %w", dbName(database), name, catalog.ErrNotFound)
	}
	return nil
}

func dbName(database string) string {
	if database == "" {
		return catalog.DefaultDatabase
	}
	return database
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// mustJSON encodes catalog values, which are plain structs, maps and slices
// and cannot fail to encode.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sqlite: encoding %T: %v", v, err))
	}
	return string(b)
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
