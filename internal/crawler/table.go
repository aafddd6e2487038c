package crawler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// tableState is a table's definition while a sync merges new files into it.
type tableState struct {
	table   catalog.Table
	exists  bool
	settled bool                    // partition keys fixed (by the catalog or a first file)
	files   map[string]catalog.File // registered and newly added, by key
}

// syncTable reads the footers of a table's unregistered files, widens the
// table's definition with them and registers them.
func (c *Crawler) syncTable(ctx context.Context, name string, t *tableObjects, rep *Report) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.loadTable(ctx, name)
	if err != nil {
		return err
	}
	var added []catalog.File
	for _, o := range t.objs {
		if !strings.HasSuffix(o.Key, ".parquet") {
			rep.FilesSkipped++
			c.log.Debug("skipping object in an unsupported format", "key", o.Key)
			continue
		}
		if f, ok := st.files[o.Key]; ok && f.Bytes == o.Size {
			continue
		}
		f, err := c.readFile(ctx, st, o)
		if err != nil {
			rep.Errors = append(rep.Errors, ObjectError{Key: o.Key, Err: err.Error()})
			continue
		}
		st.files[o.Key] = f
		added = append(added, f)
	}
	if len(added) == 0 {
		return nil
	}
	if err := c.save(ctx, st, t.folder, added); err != nil {
		return err
	}
	rep.FilesNew += len(added)
	c.m.registered.Add(float64(len(added)))
	return nil
}

// loadTable fetches a table's definition and registered files, once.
func (c *Crawler) loadTable(ctx context.Context, name string) (*tableState, error) {
	st := &tableState{table: catalog.Table{Database: c.cfg.Database, Name: name}, files: map[string]catalog.File{}}
	t, err := c.cat.Table(ctx, c.cfg.Database, name)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return st, nil
	case err != nil:
		return nil, fmt.Errorf("reading table %s: %w", name, err)
	}
	st.table, st.exists, st.settled = t, true, true
	files, err := c.cat.Files(ctx, c.cfg.Database, name)
	if err != nil {
		return nil, fmt.Errorf("reading files of table %s: %w", name, err)
	}
	for _, f := range files {
		st.files[f.Key] = f
	}
	return st, nil
}

// readFile reads one object's footer and merges its schema into st. A file
// that cannot be read or merged leaves st untouched and is remembered until
// its size changes, so it is not re-read on every crawl.
func (c *Crawler) readFile(ctx context.Context, st *tableState, o lake.Object) (catalog.File, error) {
	if b, ok := c.bad[o.Key]; ok && b.size == o.Size {
		return catalog.File{}, errors.New(b.err)
	}
	f, err := c.mergeFile(ctx, st, o)
	if err != nil {
		if ctx.Err() == nil {
			c.bad[o.Key] = badObject{size: o.Size, err: err.Error()}
		}
		c.m.errors.Inc()
		c.log.Warn("cannot register object", "key", o.Key, "err", err)
		return f, err
	}
	delete(c.bad, o.Key)
	return f, nil
}

func (c *Crawler) mergeFile(ctx context.Context, st *tableState, o lake.Object) (catalog.File, error) {
	var kvs []lake.KV
	if strings.Contains(o.Key, "/") {
		kvs = lake.HivePartitions(o.Key)
	}
	ft, err := readFooter(ctx, c.store, o.Key)
	if err != nil {
		return catalog.File{}, err
	}
	cols, err := mergeColumns(st.table.Columns, ft.columns)
	if err != nil {
		return catalog.File{}, err
	}
	keys, err := mergeKeys(st.table.PartitionKeys, st.settled, kvs)
	if err != nil {
		return catalog.File{}, err
	}
	st.table.Columns, st.table.PartitionKeys, st.settled = cols, keys, true
	vals := make([]string, len(kvs))
	for i, kv := range kvs {
		vals[i] = kv.Value
	}
	return catalog.File{Key: o.Key, Partition: vals, Rows: ft.rows, Bytes: o.Size, ModTime: o.ModTime}, nil
}

// save puts the widened table and registers the new files.
func (c *Crawler) save(ctx context.Context, st *tableState, folder string, added []catalog.File) error {
	t := st.table
	t.Location = c.store.URL()
	if folder != "" {
		t.Location += "/" + folder
	}
	t.Classification = "parquet"
	t.Parameters = c.parameters(st)
	if err := c.cat.PutTable(ctx, t); err != nil {
		return fmt.Errorf("putting table %s: %w", t.Name, err)
	}
	if err := c.cat.AddFiles(ctx, c.cfg.Database, t.Name, added); err != nil {
		return fmt.Errorf("registering %d files in table %s: %w", len(added), t.Name, err)
	}
	c.log.Debug("registered files", "table", t.Name, "files", len(added), "created", !st.exists)
	return nil
}

// parameters are the table's Glue-style parameters after this sync; others
// set on the table are kept.
func (c *Crawler) parameters(st *tableState) map[string]string {
	p := maps.Clone(st.table.Parameters)
	if p == nil {
		p = map[string]string{}
	}
	var rows, bytes int64
	for _, f := range st.files {
		rows += f.Rows
		bytes += f.Bytes
	}
	p["classification"] = "parquet"
	p["record_count"] = strconv.FormatInt(rows, 10)
	p["size_bytes"] = strconv.FormatInt(bytes, 10)
	p["object_count"] = strconv.Itoa(len(st.files))
	p["last_crawl"] = time.Now().UTC().Format(time.RFC3339)
	return p
}
