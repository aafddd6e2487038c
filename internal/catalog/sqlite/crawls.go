package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ticklake/ticklake/internal/catalog"
)

// keepCrawls bounds the crawl history per database.
const keepCrawls = 1000

// RecordCrawl implements catalog.Manager; only the latest keepCrawls crawls
// of a database are kept.
func (c *Catalog) RecordCrawl(ctx context.Context, cr catalog.Crawl) error {
	cr.Database = dbName(cr.Database)
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording a crawl: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO crawls (database, started, report) VALUES (?, ?, ?)`,
		cr.Database, formatTime(cr.Started), mustJSON(cr)); err != nil {
		return fmt.Errorf("recording a crawl: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM crawls WHERE database = ? AND id <= (SELECT id FROM crawls
		WHERE database = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`, cr.Database, cr.Database, keepCrawls); err != nil {
		return fmt.Errorf("trimming the crawl history: %w", err)
	}
	return tx.Commit()
}

// Crawls implements catalog.Manager.
func (c *Catalog) Crawls(ctx context.Context, database string, limit int) ([]catalog.Crawl, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT report FROM crawls WHERE database = ? ORDER BY id DESC LIMIT ?`,
		dbName(database), limit)
	if err != nil {
		return nil, fmt.Errorf("reading the crawl history of %s: %w", dbName(database), err)
	}
	defer rows.Close()
	var out []catalog.Crawl
	for rows.Next() {
		var js string
		var cr catalog.Crawl
		if err := rows.Scan(&js); err != nil {
			return nil, fmt.Errorf("reading the crawl history: %w", err)
		}
		if err := json.Unmarshal([]byte(js), &cr); err != nil {
			return nil, fmt.Errorf("decoding a crawl: %w", err)
		}
		out = append(out, cr)
	}
	return out, rows.Err()
}
