package query

import (
	"path/filepath"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
)

// newTestCatalog opens the embedded SQLite catalog in a fresh directory: the
// engine's tests run against the real catalog backend.
func newTestCatalog(t *testing.T) catalog.Catalog {
	t.Helper()
	cat, err := sqlite.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return cat
}
