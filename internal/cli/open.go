package cli

import (
	"context"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/backend"
)

// catalogUsage describes --catalog with every backend.
const catalogUsage = "catalog: a path, sqlite:///abs/path, or glue://?region=R[&endpoint=URL] for the AWS Glue Data Catalog (default <data-dir>/catalog.db)"

// openCatalog opens the catalog named by the flags (a SQLite path or URL, or
// glue://); readers open SQLite read-only so that they never block the
// writer of a running `ticklake up`.
func openCatalog(loc *locationFlags, readOnly bool) (catalog.Manager, error) {
	return backend.Open(context.Background(), loc.catalogURL(), backend.Options{ReadOnly: readOnly})
}
