// Package glue is ticklake's catalog on the AWS Glue Data Catalog: the
// catalog.Manager interface kept in Glue databases, tables and partitions
// through aws-sdk-go-v2, so that Athena, EMR, Redshift Spectrum and other
// Glue clients see the tables ticklake crawls.
//
// Glue stores no list of data files. This backend keeps each partition's
// file manifest (key, rows, bytes, modification time) in the partition's
// parameters, and that of an unpartitioned table in the table's, under
// ticklake.files.N keys, beside Hive's standard numFiles, numRows and
// totalSize. Glue caps one parameter value at 512 KB; manifests are split
// over as many keys as they need. Version history uses Glue's table
// versions: a schema change archives the old definition, a statistics
// update does not (SkipArchive), which keeps tables far below Glue's 100k
// versions. The crawl history lives in the database's parameters.
// It knows no lake and no query engine.
package glue

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/ticklake/ticklake/internal/awsconfig"
	"github.com/ticklake/ticklake/internal/catalog"
)

// Config says which Glue Data Catalog to use.
type Config struct {
	// Region is the AWS region, e.g. eu-west-1.
	Region string
	// Endpoint overrides the Glue endpoint (a moto server in tests, a VPC
	// endpoint in production); empty uses AWS's.
	Endpoint string
	// CatalogID is the AWS account id of the catalog; empty is the caller's.
	CatalogID string
	// Credentials overrides the default AWS credential chain when set.
	Credentials aws.CredentialsProvider
}

// ParseURL reads a glue://?region=R[&endpoint=URL][&catalog_id=ID] URL.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("parsing catalog URL %q: %w", raw, err)
	}
	if u.Scheme != "glue" {
		return Config{}, fmt.Errorf("catalog URL %q is not glue://; use glue://?region=REGION", raw)
	}
	q := u.Query()
	cfg := Config{Region: q.Get("region"), Endpoint: q.Get("endpoint"), CatalogID: q.Get("catalog_id")}
	if cfg.Region == "" {
		return Config{}, fmt.Errorf("catalog URL %q names no region; use glue://?region=eu-west-1", raw)
	}
	return cfg, nil
}

// Catalog is a catalog.Manager on AWS Glue.
type Catalog struct {
	client    *glue.Client
	catalogID *string
}

var _ catalog.Manager = (*Catalog)(nil)

// Open connects to the Glue Data Catalog cfg names. Credentials come from
// cfg.Credentials or the default AWS chain (environment, shared files, SSO,
// instance role); with an endpoint set the instance metadata service is not
// asked.
func Open(ctx context.Context, cfg Config) (*Catalog, error) {
	if cfg.Region == "" {
		return nil, errors.New("glue: empty region; use glue://?region=REGION")
	}
	awsCfg, err := awsconfig.Load(ctx, cfg.Region, cfg.Endpoint, cfg.Credentials)
	if err != nil {
		return nil, fmt.Errorf("glue: loading AWS configuration: %w", err)
	}
	client := glue.NewFromConfig(awsCfg, func(o *glue.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	c := &Catalog{client: client}
	if cfg.CatalogID != "" {
		c.catalogID = aws.String(cfg.CatalogID)
	}
	return c, nil
}

// Close implements catalog.Catalog; the client holds nothing to release.
func (c *Catalog) Close() error { return nil }

func dbName(database string) string {
	if database == "" {
		return catalog.DefaultDatabase
	}
	return database
}

func isNotFound(err error) bool {
	var nf *types.EntityNotFoundException
	return errors.As(err, &nf)
}

func isExists(err error) bool {
	var ae *types.AlreadyExistsException
	return errors.As(err, &ae)
}

// ensureDatabase creates the database unless it exists.
func (c *Catalog) ensureDatabase(ctx context.Context, database string) error {
	_, err := c.client.CreateDatabase(ctx, &glue.CreateDatabaseInput{CatalogId: c.catalogID,
		DatabaseInput: &types.DatabaseInput{Name: aws.String(database), Description: aws.String("tables discovered by ticklake crawl")}})
	if err != nil && !isExists(err) {
		return fmt.Errorf("creating database %s: %w", database, err)
	}
	return nil
}
