package glue

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/ticklake/ticklake/internal/catalog"
)

const (
	paramCrawls = "ticklake.crawls"
	// keepCrawls bounds the history kept in one database parameter.
	keepCrawls = 50
)

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// RecordCrawl implements catalog.Manager: the latest keepCrawls crawls are
// kept in the database's parameters.
func (c *Catalog) RecordCrawl(ctx context.Context, cr catalog.Crawl) error {
	cr.Database = dbName(cr.Database)
	if err := c.ensureDatabase(ctx, cr.Database); err != nil {
		return err
	}
	db, err := c.client.GetDatabase(ctx, &glue.GetDatabaseInput{CatalogId: c.catalogID, Name: aws.String(cr.Database)})
	if err != nil {
		return fmt.Errorf("recording a crawl in %s: %w", cr.Database, err)
	}
	crawls, err := decodeCrawls(db.Database.Parameters)
	if err != nil {
		return err
	}
	crawls = append([]catalog.Crawl{cr}, crawls...)
	if len(crawls) > keepCrawls {
		crawls = crawls[:keepCrawls]
	}
	params := maps.Clone(db.Database.Parameters)
	if params == nil {
		params = map[string]string{}
	}
	params[paramCrawls] = mustJSON(crawls)
	_, err = c.client.UpdateDatabase(ctx, &glue.UpdateDatabaseInput{CatalogId: c.catalogID, Name: aws.String(cr.Database),
		DatabaseInput: &types.DatabaseInput{Name: aws.String(cr.Database), Description: db.Database.Description,
			LocationUri: db.Database.LocationUri, Parameters: params}})
	if err != nil {
		return fmt.Errorf("recording a crawl in %s: %w", cr.Database, err)
	}
	return nil
}

// Crawls implements catalog.Manager.
func (c *Catalog) Crawls(ctx context.Context, database string, limit int) ([]catalog.Crawl, error) {
	db, err := c.client.GetDatabase(ctx, &glue.GetDatabaseInput{CatalogId: c.catalogID, Name: aws.String(dbName(database))})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the crawl history of %s: %w", dbName(database), err)
	}
	crawls, err := decodeCrawls(db.Database.Parameters)
	if len(crawls) > limit {
		crawls = crawls[:limit]
	}
	return crawls, err
}

func decodeCrawls(params map[string]string) ([]catalog.Crawl, error) {
	var crawls []catalog.Crawl
	if v := params[paramCrawls]; v != "" {
		if err := json.Unmarshal([]byte(v), &crawls); err != nil {
			return nil, fmt.Errorf("decoding the crawl history: %w", err)
		}
	}
	return crawls, nil
}
