package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog"
)

// newTestCatalog opens a writable catalog in a fresh directory.
func newTestCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := Open(filepath.Join(t.TempDir(), "sub", "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "catalog.db")
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := c.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening an up-to-date file applies no migration and keeps the data.
	c, err = Open(path)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer c.Close()
	if v, err := userVersion(context.Background(), c.db); err != nil || v != len(migrations) {
		t.Errorf("user_version = %d, %v; want %d", v, err, len(migrations))
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte(strings.Repeat("not sqlite ", 400)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		open func(string) (*Catalog, error)
		path string
		want string
	}{
		{"parent is a file", Open, filepath.Join(file, "catalog.db"), "choose a writable --catalog or --data-dir"},
		{"not a database", Open, file, "not a database"},
		{"read-only missing", OpenReadOnly, filepath.Join(dir, "missing.db"), "no catalog at " + filepath.Join(dir, "missing.db") + "; run `ticklake up`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.open(tt.path)
			if err == nil {
				c.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestOpenReadOnly(t *testing.T) {
	w := newTestCatalog(t)
	ctx := context.Background()
	r, err := OpenReadOnly(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := w.PutTable(ctx, catalog.Table{Name: "trades", Classification: "parquet"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Table(ctx, "", "trades"); err != nil {
		t.Errorf("reader does not see the writer's commit: %v", err)
	}
	if err := r.PutTable(ctx, catalog.Table{Name: "quotes"}); err == nil {
		t.Error("read-only handle accepted a write")
	}
}

func TestURLPath(t *testing.T) {
	tests := []struct {
		name, raw, want, wantErr string
	}{
		{name: "plain path", raw: "data/catalog.db", want: "data/catalog.db"},
		{name: "absolute URL", raw: "sqlite:///var/lib/ticklake/catalog.db", want: "/var/lib/ticklake/catalog.db"},
		{name: "host form", raw: "sqlite://relative/catalog.db", wantErr: "use sqlite:///absolute/path"},
		{name: "other scheme", raw: "glue://x", wantErr: "unsupported catalog scheme"},
		{name: "empty", raw: "", wantErr: "empty catalog location"},
		{name: "no file", raw: "sqlite:///", wantErr: "names no file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := URLPath(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("URLPath(%q) = %q, %v; want error containing %q", tt.raw, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("URLPath(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	c := newTestCatalog(t)
	ctx := context.Background()
	if _, err := c.Table(ctx, "", "nope"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Table: %v; want ErrNotFound", err)
	}
	if err := c.DeleteTable(ctx, "", "nope"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("DeleteTable: %v; want ErrNotFound", err)
	}
	err := c.AddFiles(ctx, "", "nope", []catalog.File{{Key: "nope/a.parquet"}})
	if !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("AddFiles: %v; want ErrNotFound", err)
	}
	if ts, err := c.Tables(ctx, "nodb"); err != nil || len(ts) != 0 {
		t.Errorf("Tables(unknown db) = %v, %v; want none", ts, err)
	}
}
