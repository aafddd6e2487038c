package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
)

var _ catalog.Committer = (*Catalog)(nil)

// PutTableWithFiles implements catalog.Committer: PutTable and AddFiles in
// one transaction.
func (c *Catalog) PutTableWithFiles(ctx context.Context, t catalog.Table, files []catalog.File) error {
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
	if len(files) > 0 {
		if err := addFiles(ctx, tx, t.Database, t.Name, files); err != nil {
			return fmt.Errorf("adding files to %s.%s: %w", t.Database, t.Name, err)
		}
	}
	return tx.Commit()
}
