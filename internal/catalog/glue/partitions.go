package glue

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/ticklake/ticklake/internal/catalog"
)

// Glue's batch limits.
const (
	batchGet    = 1000
	batchCreate = 100
	batchUpdate = 100
	batchDelete = 25
)

const paramUpdated = "ticklake.updated"

// tableRef is the definition partitions copy: partitions always take the
// table's schema and storage.
type tableRef struct {
	db    string
	raw   *types.Table
	table catalog.Table
}

func (c *Catalog) ref(ctx context.Context, database, table string) (tableRef, error) {
	db := dbName(database)
	raw, err := c.getTable(ctx, db, table)
	if err != nil {
		return tableRef{}, err
	}
	return tableRef{db: db, raw: raw, table: fromGlue(db, *raw)}, nil
}

// location is a partition's folder below the table's.
func (r tableRef) location(vals []string) string {
	parts := []string{strings.TrimSuffix(r.table.Location, "/")}
	for i, k := range r.table.PartitionKeys {
		parts = append(parts, k.Name+"="+vals[i])
	}
	return strings.Join(parts, "/")
}

// AddFiles implements catalog.Catalog: files are grouped by partition, the
// partitions' manifests merged and written with BatchCreatePartition and
// BatchUpdatePartition. A batch with a malformed file is rejected before
// anything is written.
func (c *Catalog) AddFiles(ctx context.Context, database, table string, files []catalog.File) error {
	if len(files) == 0 {
		return nil
	}
	r, err := c.ref(ctx, database, table)
	if err != nil {
		return fmt.Errorf("adding files to %s.%s: %w", dbName(database), table, err)
	}
	groups, err := groupFiles(r, files)
	if err != nil {
		return fmt.Errorf("adding files to %s.%s: %w", r.db, table, err)
	}
	if len(r.table.PartitionKeys) == 0 {
		return c.editTableManifest(ctx, r, func(m manifest) {
			for _, f := range files {
				m.add(f)
			}
		})
	}
	return c.editPartitions(ctx, r, groups, func(m manifest, fs []catalog.File) {
		for _, f := range fs {
			m.add(f)
		}
	})
}

// RemoveFiles implements catalog.Manager; partitions left empty are deleted.
func (c *Catalog) RemoveFiles(ctx context.Context, database, table string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	r, err := c.ref(ctx, database, table)
	if err != nil {
		return fmt.Errorf("removing files from %s.%s: %w", dbName(database), table, err)
	}
	if len(r.table.PartitionKeys) == 0 {
		return c.editTableManifest(ctx, r, func(m manifest) {
			for _, k := range keys {
				delete(m, k)
			}
		})
	}
	drop := map[string]bool{}
	for _, k := range keys {
		drop[k] = true
	}
	parts, err := c.allPartitions(ctx, r, false)
	if err != nil {
		return err
	}
	groups := map[string][]catalog.File{}
	for _, p := range parts {
		m, err := readManifest(p.Parameters)
		if err != nil {
			return err
		}
		for k := range m {
			if drop[k] {
				groups[valsKey(p.Values)] = append(groups[valsKey(p.Values)], catalog.File{Key: k, Partition: p.Values})
			}
		}
	}
	return c.editPartitions(ctx, r, groups, func(m manifest, fs []catalog.File) {
		for _, f := range fs {
			delete(m, f.Key)
		}
	})
}

func valsKey(vals []string) string { return strings.Join(vals, "\x00") }

func groupFiles(r tableRef, files []catalog.File) (map[string][]catalog.File, error) {
	groups := map[string][]catalog.File{}
	for _, f := range files {
		if f.Key == "" {
			return nil, errors.New("a file with an empty key")
		}
		if len(f.Partition) != len(r.table.PartitionKeys) {
			return nil, fmt.Errorf("registering %s: %d partition values %v for %d partition keys", f.Key,
				len(f.Partition), f.Partition, len(r.table.PartitionKeys))
		}
		groups[valsKey(f.Partition)] = append(groups[valsKey(f.Partition)], f)
	}
	return groups, nil
}

// editTableManifest rewrites an unpartitioned table's manifest, keeping its
// definition and version.
func (c *Catalog) editTableManifest(ctx context.Context, r tableRef, edit func(manifest)) error {
	m, err := readManifest(r.raw.Parameters)
	if err != nil {
		return err
	}
	edit(m)
	internal := map[string]string{}
	for k, v := range r.raw.Parameters {
		if internalParam(k) {
			internal[k] = v
		}
	}
	m.write(internal)
	for _, k := range []string{"numFiles", "numRows", "totalSize"} {
		delete(internal, k) // the crawler sets the table's own totals
	}
	_, err = c.client.UpdateTable(ctx, &glue.UpdateTableInput{CatalogId: c.catalogID, DatabaseName: aws.String(r.db),
		TableInput: tableInput(r.table, internal), SkipArchive: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("updating the files of %s.%s: %w", r.db, r.table.Name, err)
	}
	return nil
}

// editPartitions applies edit to each group's partition manifest, creating,
// updating and deleting partitions in batches.
func (c *Catalog) editPartitions(ctx context.Context, r tableRef, groups map[string][]catalog.File, edit func(manifest, []catalog.File)) error {
	existing, err := c.getPartitions(ctx, r, groups)
	if err != nil {
		return err
	}
	var create []types.PartitionInput
	var update []types.BatchUpdatePartitionRequestEntry
	var del []types.PartitionValueList
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		fs := groups[k]
		vals := fs[0].Partition
		params := map[string]string{}
		if p, ok := existing[k]; ok {
			params = maps.Clone(p.Parameters)
		}
		m, err := readManifest(params)
		if err != nil {
			return err
		}
		edit(m, fs)
		_, exists := existing[k]
		switch {
		case len(m) == 0 && exists:
			del = append(del, types.PartitionValueList{Values: vals})
		case len(m) == 0:
		case exists:
			update = append(update, types.BatchUpdatePartitionRequestEntry{PartitionValueList: vals, PartitionInput: r.partitionInput(vals, m, params)})
		default:
			create = append(create, *r.partitionInput(vals, m, params))
		}
	}
	return c.writePartitions(ctx, r, create, update, del)
}

func (r tableRef) partitionInput(vals []string, m manifest, params map[string]string) *types.PartitionInput {
	m.write(params)
	params[paramUpdated] = time.Now().UTC().Format(time.RFC3339Nano)
	return &types.PartitionInput{Values: vals, Parameters: params, StorageDescriptor: storageDescriptor(r.table, r.location(vals))}
}

// getPartitions fetches the groups' partitions that exist, by values key.
func (c *Catalog) getPartitions(ctx context.Context, r tableRef, groups map[string][]catalog.File) (map[string]types.Partition, error) {
	var want []types.PartitionValueList
	for _, fs := range groups {
		want = append(want, types.PartitionValueList{Values: fs[0].Partition})
	}
	out := map[string]types.Partition{}
	for chunk := range slices.Chunk(want, batchGet) {
		res, err := c.client.BatchGetPartition(ctx, &glue.BatchGetPartitionInput{CatalogId: c.catalogID,
			DatabaseName: aws.String(r.db), TableName: aws.String(r.table.Name), PartitionsToGet: chunk})
		if err != nil {
			return nil, fmt.Errorf("reading partitions of %s.%s: %w", r.db, r.table.Name, err)
		}
		for _, p := range res.Partitions {
			out[valsKey(p.Values)] = p
		}
	}
	return out, nil
}

func (c *Catalog) writePartitions(ctx context.Context, r tableRef, create []types.PartitionInput,
	update []types.BatchUpdatePartitionRequestEntry, del []types.PartitionValueList) error {
	db, tb := aws.String(r.db), aws.String(r.table.Name)
	for chunk := range slices.Chunk(create, batchCreate) {
		res, err := c.client.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{CatalogId: c.catalogID,
			DatabaseName: db, TableName: tb, PartitionInputList: chunk})
		if err != nil {
			return fmt.Errorf("creating partitions of %s.%s: %w", r.db, r.table.Name, err)
		}
		if len(res.Errors) > 0 {
			return fmt.Errorf("creating partition %v of %s.%s: %s", res.Errors[0].PartitionValues, r.db, r.table.Name,
				aws.ToString(res.Errors[0].ErrorDetail.ErrorMessage))
		}
	}
	for chunk := range slices.Chunk(update, batchUpdate) {
		res, err := c.client.BatchUpdatePartition(ctx, &glue.BatchUpdatePartitionInput{CatalogId: c.catalogID,
			DatabaseName: db, TableName: tb, Entries: chunk})
		if err != nil {
			return fmt.Errorf("updating partitions of %s.%s: %w", r.db, r.table.Name, err)
		}
		if len(res.Errors) > 0 {
			return fmt.Errorf("updating partition %v of %s.%s: %s", res.Errors[0].PartitionValueList, r.db, r.table.Name,
				aws.ToString(res.Errors[0].ErrorDetail.ErrorMessage))
		}
	}
	for chunk := range slices.Chunk(del, batchDelete) {
		res, err := c.client.BatchDeletePartition(ctx, &glue.BatchDeletePartitionInput{CatalogId: c.catalogID,
			DatabaseName: db, TableName: tb, PartitionsToDelete: chunk})
		if err != nil {
			return fmt.Errorf("deleting partitions of %s.%s: %w", r.db, r.table.Name, err)
		}
		if len(res.Errors) > 0 {
			return fmt.Errorf("deleting partition %v of %s.%s: %s", res.Errors[0].PartitionValues, r.db, r.table.Name,
				aws.ToString(res.Errors[0].ErrorDetail.ErrorMessage))
		}
	}
	return nil
}

// allPartitions pages through a table's partitions.
func (c *Catalog) allPartitions(ctx context.Context, r tableRef, withSchema bool) ([]types.Partition, error) {
	var out []types.Partition
	p := glue.NewGetPartitionsPaginator(c.client, &glue.GetPartitionsInput{CatalogId: c.catalogID,
		DatabaseName: aws.String(r.db), TableName: aws.String(r.table.Name), ExcludeColumnSchema: aws.Bool(!withSchema)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing partitions of %s.%s: %w", r.db, r.table.Name, err)
		}
		out = append(out, page.Partitions...)
	}
	sort.Slice(out, func(i, j int) bool { return slices.Compare(out[i].Values, out[j].Values) < 0 })
	return out, nil
}

// Files implements catalog.Catalog from the manifests; files come in key
// order.
func (c *Catalog) Files(ctx context.Context, database, table string) ([]catalog.File, error) {
	r, err := c.ref(ctx, database, table)
	if err != nil {
		return nil, err
	}
	var out []catalog.File
	if len(r.table.PartitionKeys) == 0 {
		m, err := readManifest(r.raw.Parameters)
		if err != nil {
			return nil, fmt.Errorf("listing files of %s.%s: %w", r.db, table, err)
		}
		for _, e := range m.sorted() {
			out = append(out, e.file(nil))
		}
		return out, nil
	}
	parts, err := c.allPartitions(ctx, r, false)
	if err != nil {
		return nil, err
	}
	for _, p := range parts {
		m, err := readManifest(p.Parameters)
		if err != nil {
			return nil, fmt.Errorf("listing files of %s.%s: %w", r.db, table, err)
		}
		for _, e := range m.sorted() {
			out = append(out, e.file(p.Values))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Partitions implements catalog.Catalog; partitions come in value order.
func (c *Catalog) Partitions(ctx context.Context, database, table string) ([]catalog.Partition, error) {
	r, err := c.ref(ctx, database, table)
	if err != nil {
		return nil, err
	}
	if len(r.table.PartitionKeys) == 0 {
		return nil, nil
	}
	parts, err := c.allPartitions(ctx, r, false)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Partition, len(parts))
	for i, p := range parts {
		out[i] = catalog.Partition{Values: p.Values, Location: r.location(p.Values),
			Files: atoi(p.Parameters["numFiles"]), Rows: atoi(p.Parameters["numRows"]), Bytes: atoi(p.Parameters["totalSize"]),
			Updated: parseTime(p.Parameters[paramUpdated], aws.ToTime(p.LastAnalyzedTime))}
		if sd := p.StorageDescriptor; sd != nil && aws.ToString(sd.Location) != "" {
			out[i].Location = aws.ToString(sd.Location)
		}
	}
	return out, nil
}
