package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RemoveFiles implements catalog.Manager: the files go, their partitions'
// totals drop, and partitions left empty are deleted, in one transaction.
func (c *Catalog) RemoveFiles(ctx context.Context, database, table string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("removing files from %s.%s: %w", dbName(database), table, err)
	}
	defer tx.Rollback()
	ref, err := lookupTable(ctx, tx, dbName(database), table)
	if err != nil {
		return fmt.Errorf("removing files: %w", err)
	}
	del, err := tx.PrepareContext(ctx, `DELETE FROM files WHERE table_id = ? AND key = ?
		RETURNING partition_id, row_count, byte_count`)
	if err != nil {
		return fmt.Errorf("removing files: %w", err)
	}
	defer del.Close()
	ft := &fileTx{tx: tx, ref: ref, now: formatTime(time.Now()), deltas: map[int64]*totals{}}
	for _, key := range keys {
		rows, err := del.QueryContext(ctx, ref.id, key)
		if err != nil {
			return fmt.Errorf("removing %s: %w", key, err)
		}
		for rows.Next() {
			var t totals
			var part sql.NullInt64
			if err := rows.Scan(&part, &t.rows, &t.bytes); err != nil {
				rows.Close()
				return fmt.Errorf("removing %s: %w", key, err)
			}
			ft.delta(part, -1, -t.rows, -t.bytes)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("removing %s: %w", key, err)
		}
	}
	if err := ft.applyTotals(ctx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM partitions WHERE table_id = ? AND file_count <= 0`, ref.id); err != nil {
		return fmt.Errorf("deleting empty partitions: %w", err)
	}
	return tx.Commit()
}
