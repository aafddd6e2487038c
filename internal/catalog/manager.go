package catalog

import (
	"context"
	"time"
)

// Parameter keys the crawler sets on tables, following Glue's crawler where
// Glue has a name for the value.
const (
	ParamClassification = "classification"
	ParamRecordCount    = "recordCount"
	ParamSizeBytes      = "sizeKey"
	ParamObjectCount    = "objectCount"
	ParamLastCrawl      = "last_crawl"
	ParamDeprecated     = "deprecated" // set by DeleteBehavior deprecate on a table whose data is gone
	ParamOriginalName   = "original_name"
	ParamDelimiter      = "delimiter" // a CSV table's field delimiter
	// ParamLake is the URL of the lake root the table's file keys are
	// relative to, so readers find the lake from the catalog alone.
	ParamLake = "ticklake.lake"
)

// Manager is a Catalog that also lets the crawler remove files, read
// archived versions and keep a crawl history. Both of ticklake's backends
// (catalog/sqlite and catalog/glue) implement it; Catalog alone is enough for
// readers such as the query engine.
type Manager interface {
	Catalog
	// RemoveFiles unregisters files by key; partitions left without files are
	// deleted. Unknown keys are ignored.
	RemoveFiles(ctx context.Context, database, table string, keys []string) error
	// Versions returns a table's archived definitions (not the current one),
	// oldest first.
	Versions(ctx context.Context, database, table string) ([]Table, error)
	// RecordCrawl appends one crawl to the database's history.
	RecordCrawl(ctx context.Context, c Crawl) error
	// Crawls returns the database's most recent crawls, newest first, at most
	// limit of them.
	Crawls(ctx context.Context, database string, limit int) ([]Crawl, error)
}

// Crawl is one entry of the crawl history.
type Crawl struct {
	Database     string        `json:"database"`
	Started      time.Time     `json:"started"`
	Duration     time.Duration `json:"duration"`
	Tables       int           `json:"tables"`
	FilesSeen    int           `json:"files_seen"`
	FilesNew     int           `json:"files_new"`
	FilesRemoved int           `json:"files_removed"`
	Errors       int           `json:"errors"`
	SchemaChange []string      `json:"schema_changes,omitempty"` // tables whose schema changed
}

// Committer is implemented by backends that can put a table and register
// files in one transaction (catalog/sqlite). The crawler uses it when there,
// so that a failure leaves neither the new definition nor the files.
type Committer interface {
	PutTableWithFiles(ctx context.Context, t Table, files []File) error
}
