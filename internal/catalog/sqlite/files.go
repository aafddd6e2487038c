package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
)

// tableRef is what AddFiles needs to know about a table.
type tableRef struct {
	id       int64
	location string
	keys     []catalog.Column
}

// totals are the changes AddFiles makes to one partition.
type totals struct{ files, rows, bytes int64 }

// fileTx registers files inside one transaction with prepared statements.
type fileTx struct {
	tx         *sql.Tx
	ref        tableRef
	now        string
	getFile    *sql.Stmt
	putFile    *sql.Stmt
	putPart    *sql.Stmt
	partitions map[string]int64  // vals JSON -> id
	deltas     map[int64]*totals // partition id -> changes
}

// AddFiles implements catalog.Catalog. A file already registered under the
// same key is updated in place (its partition's totals corrected), so calling
// AddFiles again with the same files changes nothing.
func (c *Catalog) AddFiles(ctx context.Context, database, table string, files []catalog.File) error {
	if len(files) == 0 {
		return nil
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("adding files to %s.%s: %w", dbName(database), table, err)
	}
	defer tx.Rollback()
	if err := addFiles(ctx, tx, dbName(database), table, files); err != nil {
		return fmt.Errorf("adding files to %s.%s: %w", dbName(database), table, err)
	}
	return tx.Commit()
}

func addFiles(ctx context.Context, tx *sql.Tx, database, table string, files []catalog.File) error {
	ref, err := lookupTable(ctx, tx, database, table)
	if err != nil {
		return err
	}
	ft, err := prepareFileTx(ctx, tx, ref)
	if err != nil {
		return err
	}
	defer ft.close()
	for _, f := range files {
		if err := ft.add(ctx, f); err != nil {
			return fmt.Errorf("registering %s: %w", f.Key, err)
		}
	}
	return ft.applyTotals(ctx)
}

func lookupTable(ctx context.Context, tx *sql.Tx, database, table string) (tableRef, error) {
	var ref tableRef
	var keys string
	err := tx.QueryRowContext(ctx, `SELECT id, location, partition_keys FROM tables WHERE database = ? AND name = ?`,
		database, table).Scan(&ref.id, &ref.location, &keys)
	if errors.Is(err, sql.ErrNoRows) {
		return ref, fmt.Errorf("table %s.%s: %w (put the table first)", database, table, catalog.ErrNotFound)
	}
	if err != nil {
		return ref, err
	}
	return ref, json.Unmarshal([]byte(keys), &ref.keys)
}

func prepareFileTx(ctx context.Context, tx *sql.Tx, ref tableRef) (*fileTx, error) {
	ft := &fileTx{tx: tx, ref: ref, now: formatTime(time.Now()),
		partitions: map[string]int64{}, deltas: map[int64]*totals{}}
	var err error
	prep := func(q string) *sql.Stmt {
		var s *sql.Stmt
		if err == nil {
			s, err = tx.PrepareContext(ctx, q)
		}
		return s
	}
	ft.getFile = prep(`SELECT partition_id, row_count, byte_count, schema_id FROM files WHERE table_id = ? AND key = ?`)
	ft.putFile = prep(`INSERT INTO files (table_id, key, partition_id, vals, row_count, byte_count, mod_time, schema_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (table_id, key) DO UPDATE SET partition_id = excluded.partition_id,
		vals = excluded.vals, row_count = excluded.row_count, byte_count = excluded.byte_count, mod_time = excluded.mod_time,
		schema_id = excluded.schema_id`)
	ft.putPart = prep(`INSERT INTO partitions (table_id, vals, location, updated) VALUES (?, ?, ?, ?)
		ON CONFLICT (table_id, vals) DO UPDATE SET updated = excluded.updated RETURNING id`)
	if err != nil {
		ft.close()
		return nil, fmt.Errorf("preparing statements: %w", err)
	}
	return ft, nil
}

func (ft *fileTx) close() {
	for _, s := range []*sql.Stmt{ft.getFile, ft.putFile, ft.putPart} {
		if s != nil {
			s.Close()
		}
	}
}

// add registers one file, counting what it changes in its partition.
func (ft *fileTx) add(ctx context.Context, f catalog.File) error {
	if f.Key == "" {
		return errors.New("empty key")
	}
	if len(f.Partition) != len(ft.ref.keys) {
		return fmt.Errorf("%d partition values %v for %d partition keys", len(f.Partition), f.Partition, len(ft.ref.keys))
	}
	var oldPart sql.NullInt64
	var oldRows, oldBytes int64
	var oldSchema string
	err := ft.getFile.QueryRowContext(ctx, ft.ref.id, f.Key).Scan(&oldPart, &oldRows, &oldBytes, &oldSchema)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	part, err := ft.partition(ctx, f.Partition)
	if err != nil {
		return err
	}
	if exists && oldPart == part && oldRows == f.Rows && oldBytes == f.Bytes && oldSchema == f.Schema {
		return nil
	}
	vals := mustJSON(nonNil(f.Partition))
	if _, err := ft.putFile.ExecContext(ctx, ft.ref.id, f.Key, part, vals, f.Rows, f.Bytes, formatTime(f.ModTime), f.Schema); err != nil {
		return err
	}
	if exists {
		ft.delta(oldPart, -1, -oldRows, -oldBytes)
	}
	ft.delta(part, 1, f.Rows, f.Bytes)
	return nil
}

// partition returns the id of the partition holding vals, creating it; an
// unpartitioned table has none.
func (ft *fileTx) partition(ctx context.Context, vals []string) (sql.NullInt64, error) {
	if len(vals) == 0 {
		return sql.NullInt64{}, nil
	}
	js := mustJSON(vals)
	if id, ok := ft.partitions[js]; ok {
		return sql.NullInt64{Int64: id, Valid: true}, nil
	}
	var id int64
	if err := ft.putPart.QueryRowContext(ctx, ft.ref.id, js, ft.location(vals), ft.now).Scan(&id); err != nil {
		return sql.NullInt64{}, fmt.Errorf("creating partition %v: %w", vals, err)
	}
	ft.partitions[js] = id
	return sql.NullInt64{Int64: id, Valid: true}, nil
}

func (ft *fileTx) location(vals []string) string {
	parts := []string{strings.TrimSuffix(ft.ref.location, "/")}
	for i, k := range ft.ref.keys {
		parts = append(parts, k.Name+"="+vals[i])
	}
	return strings.Join(parts, "/")
}

func (ft *fileTx) delta(part sql.NullInt64, files, rows, bytes int64) {
	if !part.Valid {
		return
	}
	d := ft.deltas[part.Int64]
	if d == nil {
		d = &totals{}
		ft.deltas[part.Int64] = d
	}
	d.files, d.rows, d.bytes = d.files+files, d.rows+rows, d.bytes+bytes
}

func (ft *fileTx) applyTotals(ctx context.Context) error {
	for id, d := range ft.deltas {
		_, err := ft.tx.ExecContext(ctx, `UPDATE partitions SET file_count = file_count + ?,
			row_count = row_count + ?, byte_count = byte_count + ?, updated = ? WHERE id = ?`,
			d.files, d.rows, d.bytes, ft.now, id)
		if err != nil {
			return fmt.Errorf("updating partition totals: %w", err)
		}
	}
	return nil
}

// Files implements catalog.Catalog; files come in key order.
func (c *Catalog) Files(ctx context.Context, database, table string) ([]catalog.File, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT f.key, f.vals, f.row_count, f.byte_count, f.mod_time, `+c.schemaIDColumn()+`
		FROM files f JOIN tables t ON t.id = f.table_id WHERE t.database = ? AND t.name = ? ORDER BY f.key`,
		dbName(database), table)
	if err != nil {
		return nil, fmt.Errorf("listing files of %s.%s: %w", dbName(database), table, err)
	}
	defer rows.Close()
	var fs []catalog.File
	for rows.Next() {
		var f catalog.File
		var vals, mod string
		if err := rows.Scan(&f.Key, &vals, &f.Rows, &f.Bytes, &mod, &f.Schema); err != nil {
			return nil, fmt.Errorf("listing files of %s.%s: %w", dbName(database), table, err)
		}
		if err := json.Unmarshal([]byte(vals), &f.Partition); err != nil {
			return nil, fmt.Errorf("listing files of %s.%s: decoding %s: %w", dbName(database), table, f.Key, err)
		}
		f.ModTime = parseTime(mod)
		fs = append(fs, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing files of %s.%s: %w", dbName(database), table, err)
	}
	return fs, nil
}

// Partitions implements catalog.Catalog; partitions come in value order.
func (c *Catalog) Partitions(ctx context.Context, database, table string) ([]catalog.Partition, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT p.vals, p.location, p.file_count, p.row_count, p.byte_count, p.updated
		FROM partitions p JOIN tables t ON t.id = p.table_id WHERE t.database = ? AND t.name = ? ORDER BY p.vals`,
		dbName(database), table)
	if err != nil {
		return nil, fmt.Errorf("listing partitions of %s.%s: %w", dbName(database), table, err)
	}
	defer rows.Close()
	var ps []catalog.Partition
	for rows.Next() {
		var p catalog.Partition
		var vals, updated string
		if err := rows.Scan(&vals, &p.Location, &p.Files, &p.Rows, &p.Bytes, &updated); err != nil {
			return nil, fmt.Errorf("listing partitions of %s.%s: %w", dbName(database), table, err)
		}
		if err := json.Unmarshal([]byte(vals), &p.Values); err != nil {
			return nil, fmt.Errorf("listing partitions of %s.%s: %w", dbName(database), table, err)
		}
		p.Updated = parseTime(updated)
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing partitions of %s.%s: %w", dbName(database), table, err)
	}
	return ps, nil
}
