package crawler

import (
	"context"
	"fmt"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
)

// goneTables applies the DeleteBehavior to catalogued tables that the crawl
// found no data object for.
func (c *Crawler) goneTables(ctx context.Context, listed map[string]*tableObjects, rep *Report) error {
	tables, err := c.cat.Tables(ctx, c.cfg.Database)
	if err != nil {
		return fmt.Errorf("listing tables of %s: %w", c.cfg.Database, err)
	}
	for _, t := range tables {
		if listed[t.Name] != nil || t.Parameters[catalog.ParamDeprecated] != "" {
			continue
		}
		if err := c.goneTable(ctx, t, rep); err != nil {
			return err
		}
	}
	return nil
}

func (c *Crawler) goneTable(ctx context.Context, t catalog.Table, rep *Report) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rep.TablesGone = append(rep.TablesGone, t.Name)
	c.log.Warn("table has no data left in the lake", "table", t.Name, "delete_behavior", c.cfg.DeleteBehavior)
	if c.cfg.DryRun || c.cfg.DeleteBehavior == DeleteLog {
		return nil
	}
	delete(c.index, t.Name)
	files, err := c.cat.Files(ctx, c.cfg.Database, t.Name)
	if err != nil {
		return fmt.Errorf("reading files of table %s: %w", t.Name, err)
	}
	if c.cfg.DeleteBehavior == DeleteRemove {
		if err := c.cat.DeleteTable(ctx, c.cfg.Database, t.Name); err != nil {
			return fmt.Errorf("deleting table %s: %w", t.Name, err)
		}
		rep.FilesRemoved += len(files)
		c.m.removed.Add(float64(len(files)))
		return nil
	}
	keys := make([]string, len(files))
	for i, f := range files {
		keys[i] = f.Key
	}
	if err := c.mgr.RemoveFiles(ctx, c.cfg.Database, t.Name, keys); err != nil {
		return fmt.Errorf("removing the files of table %s: %w", t.Name, err)
	}
	rep.FilesRemoved += len(keys)
	c.m.removed.Add(float64(len(keys)))
	t.Parameters = withParam(t.Parameters, catalog.ParamDeprecated, time.Now().UTC().Format(time.RFC3339))
	t.Parameters[catalog.ParamObjectCount], t.Parameters[catalog.ParamRecordCount] = "0", "0"
	t.Parameters[catalog.ParamSizeBytes] = "0"
	if err := c.cat.PutTable(ctx, t); err != nil {
		return fmt.Errorf("deprecating table %s: %w", t.Name, err)
	}
	return nil
}
