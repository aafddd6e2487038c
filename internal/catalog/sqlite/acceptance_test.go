package sqlite

import (
	"testing"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/catalogtest"
)

func TestAcceptance(t *testing.T) {
	catalogtest.Acceptance(t, func(t *testing.T) (catalog.Manager, string) {
		return newTestCatalog(t), catalog.DefaultDatabase
	})
}
