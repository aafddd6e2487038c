package cli

import (
	"context"
	"strings"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/lake"
)

// openCatalog opens the catalog named by the flags; readers open it read-only
// so that they never block the writer of a running `ticklake up`.
func openCatalog(loc *locationFlags, readOnly bool) (*sqlite.Catalog, error) {
	path, err := sqlite.URLPath(loc.catalogURL())
	if err != nil {
		return nil, err
	}
	if readOnly {
		return sqlite.OpenReadOnly(path)
	}
	return sqlite.Open(path)
}

// openLakeFor opens the lake: --lake when given, else the one the catalog's
// tables live in, else <data-dir>/lake.
func openLakeFor(ctx context.Context, loc *locationFlags, cat catalog.Catalog, database string) (lake.Store, error) {
	if loc.lake != "" {
		return lake.Open(loc.lake)
	}
	if tables, err := cat.Tables(ctx, database); err == nil && len(tables) > 0 {
		t := tables[0]
		if root, ok := strings.CutSuffix(t.Location, "/"+t.Name); ok {
			return lake.Open(root)
		}
	}
	return lake.Open(loc.lakeURL())
}
