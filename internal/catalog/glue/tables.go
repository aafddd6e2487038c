package glue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/ticklake/ticklake/internal/catalog"
)

// Table parameters this backend keeps for itself; they never reach callers.
const (
	paramVersion  = "ticklake.version"
	paramCreated  = "ticklake.created"
	paramFilesPfx = "ticklake.files."
	// paramSchemasPfx holds the files' schema ids, apart from the file
	// entries so that older ticklake versions still read the manifest.
	paramSchemasPfx = "ticklake.schemas."
)

// internalParam reports whether a parameter is this backend's bookkeeping.
func internalParam(k string) bool {
	return k == paramVersion || k == paramCreated || strings.HasPrefix(k, paramFilesPfx) || strings.HasPrefix(k, paramSchemasPfx)
}

// Tables implements catalog.Catalog. An unknown database has no tables.
func (c *Catalog) Tables(ctx context.Context, database string) ([]catalog.Table, error) {
	db := dbName(database)
	var out []catalog.Table
	p := glue.NewGetTablesPaginator(c.client, &glue.GetTablesInput{CatalogId: c.catalogID, DatabaseName: aws.String(db)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if isNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing tables of %s: %w", db, err)
		}
		for _, t := range page.TableList {
			out = append(out, fromGlue(db, t))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Table implements catalog.Catalog.
func (c *Catalog) Table(ctx context.Context, database, name string) (catalog.Table, error) {
	t, err := c.getTable(ctx, dbName(database), name)
	if err != nil {
		return catalog.Table{}, err
	}
	return fromGlue(dbName(database), *t), nil
}

func (c *Catalog) getTable(ctx context.Context, db, name string) (*types.Table, error) {
	out, err := c.client.GetTable(ctx, &glue.GetTableInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), Name: aws.String(name)})
	if isNotFound(err) {
		return nil, fmt.Errorf("table %s.%s: %w", db, name, catalog.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading table %s.%s: %w", db, name, err)
	}
	return out.Table, nil
}

// fromGlue converts a Glue table, leaving out this backend's parameters.
func fromGlue(db string, t types.Table) catalog.Table {
	out := catalog.Table{Database: db, Name: aws.ToString(t.Name), PartitionKeys: catalogColumns(t.PartitionKeys),
		Parameters: map[string]string{}, Version: 1}
	if sd := t.StorageDescriptor; sd != nil {
		out.Location, out.Columns = aws.ToString(sd.Location), catalogColumns(sd.Columns)
	}
	for k, v := range t.Parameters {
		if !internalParam(k) {
			out.Parameters[k] = v
		}
	}
	out.Classification = out.Parameters[catalog.ParamClassification]
	if v, err := strconv.ParseInt(t.Parameters[paramVersion], 10, 64); err == nil {
		out.Version = v
	}
	out.CreatedAt = parseTime(t.Parameters[paramCreated], aws.ToTime(t.CreateTime))
	out.UpdatedAt = aws.ToTime(t.UpdateTime)
	if out.UpdatedAt.IsZero() {
		out.UpdatedAt = out.CreatedAt
	}
	return out
}

func parseTime(s string, fallback time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	return fallback
}

// tableInput builds a Glue table definition; internal carries this
// backend's parameters (version, creation time, an unpartitioned table's
// file manifest).
func tableInput(t catalog.Table, internal map[string]string) *types.TableInput {
	params := maps.Clone(t.Parameters)
	if params == nil {
		params = map[string]string{}
	}
	params[catalog.ParamClassification] = t.Classification
	if t.Classification == "csv" {
		params["skip.header.line.count"] = "1" // the crawler reads CSV files with a header
	}
	maps.Copy(params, internal)
	return &types.TableInput{
		Name:              aws.String(t.Name),
		TableType:         aws.String("EXTERNAL_TABLE"),
		Parameters:        params,
		PartitionKeys:     glueColumns(t.PartitionKeys),
		StorageDescriptor: storageDescriptor(t, t.Location),
	}
}

// PutTable implements catalog.Catalog. The database is created if missing.
// A change of columns or partition keys archives the previous definition as
// a table version; any other update skips the archive.
func (c *Catalog) PutTable(ctx context.Context, t catalog.Table) error {
	t.Database = dbName(t.Database)
	if t.Name == "" {
		return fmt.Errorf("putting table: empty name")
	}
	old, err := c.getTable(ctx, t.Database, t.Name)
	switch {
	case err == nil:
		return c.updateTable(ctx, t, old)
	case !errors.Is(err, catalog.ErrNotFound):
		return fmt.Errorf("putting table %s.%s: %w", t.Database, t.Name, err)
	}
	if err := c.ensureDatabase(ctx, t.Database); err != nil {
		return err
	}
	internal := map[string]string{paramVersion: "1", paramCreated: time.Now().UTC().Format(time.RFC3339Nano)}
	_, err = c.client.CreateTable(ctx, &glue.CreateTableInput{CatalogId: c.catalogID, DatabaseName: aws.String(t.Database),
		TableInput: tableInput(t, internal)})
	if err != nil {
		return fmt.Errorf("creating table %s.%s: %w", t.Database, t.Name, err)
	}
	return nil
}

func (c *Catalog) updateTable(ctx context.Context, t catalog.Table, old *types.Table) error {
	prev := fromGlue(t.Database, *old)
	internal := map[string]string{}
	for k, v := range old.Parameters {
		if internalParam(k) {
			internal[k] = v
		}
	}
	schemaChanged := !sameSchema(prev, t)
	version := prev.Version
	if schemaChanged {
		version++
	}
	internal[paramVersion] = strconv.FormatInt(version, 10)
	_, err := c.client.UpdateTable(ctx, &glue.UpdateTableInput{CatalogId: c.catalogID, DatabaseName: aws.String(t.Database),
		TableInput: tableInput(t, internal), SkipArchive: aws.Bool(!schemaChanged)})
	if err != nil {
		return fmt.Errorf("updating table %s.%s: %w", t.Database, t.Name, err)
	}
	return nil
}

func sameSchema(a, b catalog.Table) bool {
	return mustJSON(nonNil(a.Columns)) == mustJSON(nonNil(b.Columns)) &&
		mustJSON(nonNil(a.PartitionKeys)) == mustJSON(nonNil(b.PartitionKeys))
}

// Versions implements catalog.Manager from Glue's table versions: for each
// schema version older than the current one, its last archived definition.
func (c *Catalog) Versions(ctx context.Context, database, name string) ([]catalog.Table, error) {
	db := dbName(database)
	cur, err := c.Table(ctx, db, name)
	if err != nil {
		return nil, err
	}
	byVersion := map[int64]catalog.Table{}
	order := map[int64]int{}
	p := glue.NewGetTableVersionsPaginator(c.client, &glue.GetTableVersionsInput{CatalogId: c.catalogID,
		DatabaseName: aws.String(db), TableName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing versions of %s.%s: %w", db, name, err)
		}
		for _, v := range page.TableVersions {
			if v.Table == nil {
				continue
			}
			t := fromGlue(db, *v.Table)
			id, _ := strconv.Atoi(aws.ToString(v.VersionId))
			if t.Version >= cur.Version || (order[t.Version] > id && id != 0) {
				continue
			}
			byVersion[t.Version], order[t.Version] = t, id
		}
	}
	out := make([]catalog.Table, 0, len(byVersion))
	for _, t := range byVersion {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// DeleteTable implements catalog.Catalog; Glue deletes the partitions too.
func (c *Catalog) DeleteTable(ctx context.Context, database, name string) error {
	_, err := c.client.DeleteTable(ctx, &glue.DeleteTableInput{CatalogId: c.catalogID, DatabaseName: aws.String(dbName(database)), Name: aws.String(name)})
	if isNotFound(err) {
		return fmt.Errorf("deleting table %s.%s: %w", dbName(database), name, catalog.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("deleting table %s.%s: %w", dbName(database), name, err)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// mustJSON encodes plain catalog values, which cannot fail to encode.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("glue: encoding %T: %v", v, err))
	}
	return string(b)
}
