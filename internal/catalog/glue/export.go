package glue

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

// RawTable returns the table as Glue stores it, for checks of what other
// Glue clients (Athena, Spark) see.
func RawTable(ctx context.Context, c *Catalog, database, name string) (*types.Table, error) {
	return c.getTable(ctx, dbName(database), name)
}

// RawPartitions returns a table's partitions as Glue stores them.
func RawPartitions(ctx context.Context, c *Catalog, database, name string) ([]types.Partition, error) {
	r, err := c.ref(ctx, database, name)
	if err != nil {
		return nil, err
	}
	return c.allPartitions(ctx, r, true)
}
