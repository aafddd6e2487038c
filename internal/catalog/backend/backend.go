// Package backend opens a catalog from its URL: a file path or
// sqlite:///absolute/path for the embedded SQLite catalog, or
// glue://?region=R[&endpoint=URL][&catalog_id=ID] for the AWS Glue Data
// Catalog. It is the one place that knows every backend, so that the
// catalog package itself imports none of them.
package backend

import (
	"context"
	"strings"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/glue"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
)

// Options tune how a catalog is opened.
type Options struct {
	// ReadOnly opens the embedded catalog for queries only, so that readers
	// never block the writer of a running `ticklake up`. Glue has no such
	// mode; access is whatever the AWS credentials allow.
	ReadOnly bool
}

// IsGlue reports whether rawURL names the AWS Glue Data Catalog.
func IsGlue(rawURL string) bool { return strings.HasPrefix(rawURL, "glue://") }

// Open opens the catalog rawURL names.
func Open(ctx context.Context, rawURL string, opts Options) (catalog.Manager, error) {
	if IsGlue(rawURL) {
		cfg, err := glue.ParseURL(rawURL)
		if err != nil {
			return nil, err
		}
		return glue.Open(ctx, cfg)
	}
	path, err := sqlite.URLPath(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.ReadOnly {
		return sqlite.OpenReadOnly(path)
	}
	return sqlite.Open(path)
}
