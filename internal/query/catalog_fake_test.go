package query

import (
	"context"
	"slices"
	"sync"

	"github.com/ticklake/ticklake/internal/catalog"
)

// memCatalog is an in-memory catalog.Catalog for these tests only: the
// catalog is not under test here, and its real backend is built elsewhere.
type memCatalog struct {
	mu     sync.Mutex
	tables map[string]catalog.Table
	files  map[string][]catalog.File
}

var _ catalog.Catalog = (*memCatalog)(nil)

func newMemCatalog() *memCatalog {
	return &memCatalog{tables: map[string]catalog.Table{}, files: map[string][]catalog.File{}}
}

func (m *memCatalog) Tables(ctx context.Context, database string) ([]catalog.Table, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []catalog.Table
	for _, t := range m.tables {
		if t.Database == database {
			out = append(out, t)
		}
	}
	return out, nil
}

func (m *memCatalog) Table(ctx context.Context, database, name string) (catalog.Table, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tables[database+"."+name]
	if !ok {
		return t, catalog.ErrNotFound
	}
	return t, nil
}

func (m *memCatalog) PutTable(ctx context.Context, t catalog.Table) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t.Version = m.tables[t.Database+"."+t.Name].Version + 1
	m.tables[t.Database+"."+t.Name] = t
	return nil
}

func (m *memCatalog) DeleteTable(ctx context.Context, database, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tables, database+"."+name)
	delete(m.files, database+"."+name)
	return nil
}

func (m *memCatalog) AddFiles(ctx context.Context, database, table string, files []catalog.File) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := database + "." + table
	for _, f := range files {
		// Idempotent by key, as catalog.Catalog says.
		if i := slices.IndexFunc(m.files[k], func(o catalog.File) bool { return o.Key == f.Key }); i >= 0 {
			m.files[k][i] = f
			continue
		}
		m.files[k] = append(m.files[k], f)
	}
	return nil
}

func (m *memCatalog) Files(ctx context.Context, database, table string) ([]catalog.File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]catalog.File(nil), m.files[database+"."+table]...), nil
}

func (m *memCatalog) Partitions(ctx context.Context, database, table string) ([]catalog.Partition, error) {
	return nil, nil
}

func (m *memCatalog) Close() error { return nil }
