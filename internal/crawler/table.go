package crawler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/lake"
)

// paramSync is set to a fresh id each time the crawler saves a table. While
// the catalog still holds the id the crawler wrote last, its in-memory file
// index of the table is current and the catalog's file list is not re-read.
const paramSync = "ticklake.sync_id"

// tableState is a table's definition while a sync merges new files into it.
type tableState struct {
	table   catalog.Table
	exists  bool
	settled bool                    // partition keys fixed (by the catalog or a first file)
	files   map[string]catalog.File // registered and newly added, by key
}

// fileIndex is the crawler's memory of a table's registered files.
type fileIndex struct {
	sync  string
	files map[string]catalog.File
}

// tableSync is the work of one sync of one table.
type tableSync struct {
	st      *tableState
	added   []catalog.File
	known   int // files of added that were registered already (read again for their schema id)
	changes []SchemaChange
	missing []string
}

// syncTable reads the table's unregistered files, widens its definition with
// them and registers them; with full set (a crawl that listed the whole
// table), registered files no longer listed are handled by DeleteBehavior.
func (c *Crawler) syncTable(ctx context.Context, name string, t *tableObjects, rep *Report, full bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.loadTable(ctx, name)
	if err != nil {
		return err
	}
	ts := &tableSync{st: st}
	if st.table.Classification == "" || len(st.files) == 0 {
		st.table.Classification = majorityFormat(t.objs)
	}
	isNew := len(st.table.Columns) == 0
	listed := make(map[string]bool, len(t.objs))
	for _, o := range t.objs {
		listed[o.Key] = true
		c.syncObject(ctx, ts, o, rep)
	}
	if full {
		if ts.missing, err = c.missingFiles(ctx, st, listed); err != nil {
			return err
		}
	}
	for i := range ts.changes {
		ts.changes[i].Table = name
	}
	if isNew {
		ts.changes = nil // a new table's columns are not changes
	}
	rep.Changes = append(rep.Changes, ts.changes...)
	rep.FilesMissing += len(ts.missing)
	if len(ts.added) == 0 && (len(ts.missing) == 0 || c.cfg.DeleteBehavior == DeleteLog) && st.table.Parameters[catalog.ParamDeprecated] == "" {
		return nil
	}
	if c.cfg.DryRun {
		rep.FilesNew += len(ts.added) - ts.known
		rep.FilesSchemaIDs += ts.known
		delete(c.index, name) // the index saw files the catalog did not get
		return nil
	}
	if err := c.apply(ctx, ts, t.folder, rep); err != nil {
		delete(c.index, name)
		return err
	}
	return nil
}

// majorityFormat is the format most of a new table's objects are in; ties
// go to parquet, then json, then csv.
func majorityFormat(objs []lake.Object) string {
	n := map[string]int{}
	for _, o := range objs {
		n[formatOf(o.Key).class]++
	}
	best := ""
	for _, cl := range []string{classParquet, classJSON, classCSV} {
		if n[cl] > n[best] || (best == "" && n[cl] > 0) {
			best = cl
		}
	}
	return best
}

// syncObject reads one listed object if the table does not know it yet.
func (c *Crawler) syncObject(ctx context.Context, ts *tableSync, o lake.Object, rep *Report) {
	ff := formatOf(o.Key)
	if ff.class == "" {
		rep.FilesSkipped++
		c.log.Debug("skipping object in an unsupported format", "key", o.Key)
		return
	}
	old, known := ts.st.files[o.Key]
	known = known && old.Bytes == o.Size
	if known && (old.Schema != "" || ff.class != classParquet) {
		return
	}
	// A Parquet file registered without a schema id (by an older ticklake)
	// is read once more to get one.
	f, changes, err := c.readFile(ctx, ts.st, o, ff)
	if err != nil {
		rep.Errors = append(rep.Errors, ObjectError{Key: o.Key, Err: err.Error()})
		return
	}
	ts.st.files[o.Key] = f
	ts.added = append(ts.added, f)
	if known {
		ts.known++
	}
	ts.changes = append(ts.changes, changes...)
}

// missingFiles returns the registered files that the listing did not show
// and that are really gone (a file registered by the event path after the
// listing was taken is still there).
func (c *Crawler) missingFiles(ctx context.Context, st *tableState, listed map[string]bool) ([]string, error) {
	var missing []string
	for key := range st.files {
		if listed[key] {
			continue
		}
		_, err := c.store.Stat(ctx, key)
		switch {
		case errors.Is(err, lake.ErrNotExist):
			missing = append(missing, key)
		case err != nil:
			return nil, fmt.Errorf("checking %s: %w", key, err)
		}
	}
	return missing, nil
}

// apply writes one table's sync to the catalog.
func (c *Crawler) apply(ctx context.Context, ts *tableSync, folder string, rep *Report) error {
	st := ts.st
	if c.cfg.DeleteBehavior != DeleteLog && len(ts.missing) > 0 {
		for _, k := range ts.missing {
			delete(st.files, k)
		}
	}
	if err := c.save(ctx, st, folder, ts.added); err != nil {
		return err
	}
	c.m.changes.Add(float64(len(ts.changes)))
	rep.FilesNew += len(ts.added) - ts.known
	rep.FilesSchemaIDs += ts.known
	c.m.registered.Add(float64(len(ts.added) - ts.known))
	if c.cfg.DeleteBehavior == DeleteLog || len(ts.missing) == 0 {
		return nil
	}
	if err := c.mgr.RemoveFiles(ctx, c.cfg.Database, st.table.Name, ts.missing); err != nil {
		return fmt.Errorf("removing %d missing files of table %s: %w", len(ts.missing), st.table.Name, err)
	}
	rep.FilesRemoved += len(ts.missing)
	c.m.removed.Add(float64(len(ts.missing)))
	c.log.Info("removed missing files from the catalog", "table", st.table.Name, "files", len(ts.missing))
	return nil
}

// loadTable fetches a table's definition, and its registered files unless
// the crawler's index of them is current.
func (c *Crawler) loadTable(ctx context.Context, name string) (*tableState, error) {
	st := &tableState{table: catalog.Table{Database: c.cfg.Database, Name: name}, files: map[string]catalog.File{}}
	t, err := c.cat.Table(ctx, c.cfg.Database, name)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		delete(c.index, name)
		return st, nil
	case err != nil:
		return nil, fmt.Errorf("reading table %s: %w", name, err)
	}
	st.table, st.exists, st.settled = t, true, true
	if idx, ok := c.index[name]; ok && idx.sync != "" && idx.sync == t.Parameters[paramSync] {
		st.files = idx.files
		if c.cfg.DryRun {
			st.files = maps.Clone(idx.files)
		}
		return st, nil
	}
	files, err := c.cat.Files(ctx, c.cfg.Database, name)
	if err != nil {
		return nil, fmt.Errorf("reading files of table %s: %w", name, err)
	}
	for _, f := range files {
		st.files[f.Key] = f
	}
	return st, nil
}

// readFile reads one object's schema and merges it into st. A file that
// cannot be read or merged leaves st untouched and is remembered until its
// size changes, so it is not re-read on every crawl.
func (c *Crawler) readFile(ctx context.Context, st *tableState, o lake.Object, ff fileFormat) (catalog.File, []SchemaChange, error) {
	if b, ok := c.bad[o.Key]; ok && b.size == o.Size {
		return catalog.File{}, nil, errors.New(b.err)
	}
	f, changes, err := c.mergeFile(ctx, st, o, ff)
	if err != nil {
		if ctx.Err() == nil {
			c.bad[o.Key] = badObject{size: o.Size, err: err.Error()}
		}
		c.m.errors.Inc()
		c.log.Warn("cannot register object", "key", o.Key, "err", err)
		return f, nil, err
	}
	delete(c.bad, o.Key)
	for i := range changes {
		changes[i].Key = o.Key
		if changes[i].Kind == ChangeIncompatible {
			c.log.Warn("incompatible column types; the column becomes string", "table", st.table.Name,
				"column", changes[i].Column, "detail", changes[i].Detail, "key", o.Key)
		}
	}
	return f, changes, nil
}

func (c *Crawler) mergeFile(ctx context.Context, st *tableState, o lake.Object, ff fileFormat) (catalog.File, []SchemaChange, error) {
	if cl := st.table.Classification; cl != "" && cl != ff.class {
		return catalog.File{}, nil, fmt.Errorf("a %s file in a %s table; move it to a folder of its own", ff.class, cl)
	}
	var kvs []lake.KV
	if strings.Contains(o.Key, "/") {
		kvs = lake.HivePartitions(o.Key)
	}
	keys, err := mergeKeys(st.table.PartitionKeys, st.settled, kvs)
	if err != nil {
		return catalog.File{}, nil, err
	}
	s, err := readSample(ctx, c.store, o, ff, c.cfg.SampleBytes)
	if err != nil {
		return catalog.File{}, nil, err
	}
	cols, changes := mergeColumns(st.table.Columns, nameColumns(s.columns, columnNames(keys)))
	changes = append(changes, keyChanges(st.table.PartitionKeys, keys, st.settled)...)
	st.table.Columns, st.table.PartitionKeys, st.settled = cols, keys, true
	if s.delimiter != 0 {
		st.table.Parameters = withParam(st.table.Parameters, catalog.ParamDelimiter, string(s.delimiter))
	}
	st.table.Classification = ff.class
	if ff.compression != "" {
		st.table.Parameters = withParam(st.table.Parameters, "compressionType", ff.compression)
	}
	vals := make([]string, len(kvs))
	for i, kv := range kvs {
		vals[i] = kv.Value
	}
	return catalog.File{Key: o.Key, Partition: vals, Rows: s.rows, Bytes: o.Size, ModTime: o.ModTime, Schema: s.schema}, changes, nil
}

// save puts the widened table and registers the new files, then remembers
// the table's files.
func (c *Crawler) save(ctx context.Context, st *tableState, folder string, added []catalog.File) error {
	t := st.table
	t.Location = c.store.URL()
	if folder != "" {
		t.Location += "/" + folder
	}
	t.Parameters = c.parameters(st)
	if err := c.put(ctx, t, added); err != nil {
		return err
	}
	c.index[t.Name] = &fileIndex{sync: t.Parameters[paramSync], files: st.files}
	c.log.Debug("registered files", "table", t.Name, "files", len(added), "created", !st.exists)
	return nil
}

// put writes the table and its new files, in one transaction when the
// catalog can.
func (c *Crawler) put(ctx context.Context, t catalog.Table, added []catalog.File) error {
	if cm, ok := c.cat.(catalog.Committer); ok {
		if err := cm.PutTableWithFiles(ctx, t, added); err != nil {
			return fmt.Errorf("registering %d files in table %s: %w", len(added), t.Name, err)
		}
		return nil
	}
	if err := c.cat.PutTable(ctx, t); err != nil {
		return fmt.Errorf("putting table %s: %w", t.Name, err)
	}
	if err := c.cat.AddFiles(ctx, c.cfg.Database, t.Name, added); err != nil {
		return fmt.Errorf("registering %d files in table %s: %w", len(added), t.Name, err)
	}
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
	delete(p, catalog.ParamDeprecated)
	p[catalog.ParamClassification] = st.table.Classification
	p[catalog.ParamRecordCount] = strconv.FormatInt(rows, 10)
	p[catalog.ParamSizeBytes] = strconv.FormatInt(bytes, 10)
	p[catalog.ParamObjectCount] = strconv.Itoa(len(st.files))
	p[catalog.ParamLastCrawl] = time.Now().UTC().Format(time.RFC3339)
	p["typeOfData"] = "file"
	p[catalog.ParamLake] = c.store.URL()
	p[paramSync] = newSyncID()
	return p
}

func newSyncID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
