package glue

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
)

// TestManifestChunks checks that a large manifest is split under Glue's
// parameter size limit and reads back whole.
func TestManifestChunks(t *testing.T) {
	tests := []struct {
		name       string
		files      int
		wantChunks int
	}{
		{"empty", 0, 0},
		{"small", 3, 1},
		{"large", 6000, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := manifest{}
			for i := range tt.files {
				m.add(catalog.File{Key: fmt.Sprintf("trades/dt=2026-11-02/hr=14/%s-%06d.parquet", strings.Repeat("x", 100), i),
					Rows: int64(i), Bytes: 10, ModTime: time.UnixMilli(int64(i))})
			}
			params := map[string]string{"ticklake.files.9": "stale", "other": "kept"}
			m.write(params)
			chunks := 0
			for k, v := range params {
				if strings.HasPrefix(k, paramFilesPfx) {
					chunks++
					if len(v) > 512000 {
						t.Errorf("%s is %d bytes; Glue takes at most 512000", k, len(v))
					}
				}
			}
			if chunks != tt.wantChunks || params["other"] != "kept" || params["numFiles"] != fmt.Sprint(tt.files) {
				t.Errorf("%d chunks, params %d; want %d chunks, numFiles %d", chunks, len(params), tt.wantChunks, tt.files)
			}
			back, err := readManifest(params)
			if err != nil || len(back) != tt.files {
				t.Fatalf("read back %d files, %v; want %d", len(back), err, tt.files)
			}
			if tt.files > 0 {
				e := back[m.sorted()[tt.files-1].Key]
				if e.Rows != int64(tt.files-1) || e.file(nil).ModTime.UnixMilli() != int64(tt.files-1) {
					t.Errorf("last entry = %+v", e)
				}
			}
		})
	}
}
