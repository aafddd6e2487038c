package backend

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog/glue"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	tests := []struct {
		name, url, wantType, wantErr string
		opts                         Options
	}{
		{name: "path", url: filepath.Join(dir, "a.db"), wantType: "sqlite"},
		{name: "sqlite URL", url: "sqlite://" + filepath.Join(dir, "b.db"), wantType: "sqlite"},
		{name: "read-only missing", url: filepath.Join(dir, "none.db"), opts: Options{ReadOnly: true}, wantErr: "no catalog at"},
		{name: "glue", url: "glue://?region=eu-west-1&endpoint=http://127.0.0.1:1", wantType: "glue"},
		{name: "glue without region", url: "glue://", wantErr: "names no region"},
		{name: "unknown scheme", url: "hive://x", wantErr: "unsupported catalog scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Open(ctx, tt.url, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open(%q) = %v; want error containing %q", tt.url, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			switch c.(type) {
			case *sqlite.Catalog:
				if tt.wantType != "sqlite" {
					t.Errorf("got sqlite; want %s", tt.wantType)
				}
			case *glue.Catalog:
				if tt.wantType != "glue" {
					t.Errorf("got glue; want %s", tt.wantType)
				}
			}
		})
	}
}
