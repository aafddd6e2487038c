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

// TestManifestSchemas checks that schema ids live beside the file entries
// (which keep the four fields older versions read), and that an id kept
// for another size of the file is not taken for the current one.
func TestManifestSchemas(t *testing.T) {
	m := manifest{}
	m.add(catalog.File{Key: "a.parquet", Rows: 1, Bytes: 10, Schema: "s1"})
	m.add(catalog.File{Key: "b.json", Rows: 2, Bytes: 20})
	params := map[string]string{paramSchemasPfx + "3": "stale"}
	m.write(params)
	if got := params[paramFilesPfx+"0"]; got != `[["a.parquet",1,10,0],["b.json",2,20,0]]` {
		t.Errorf("file entries = %s; want the four-field form", got)
	}
	if got := params[paramSchemasPfx+"0"]; got != `{"a.parquet":["s1",10]}` || params[paramSchemasPfx+"3"] != "" {
		t.Errorf("schema params = %v", params)
	}
	tests := []struct {
		name  string
		edit  func(p map[string]string)
		wantA string
	}{
		{"round trip", func(map[string]string) {}, "s1"},
		{"file rewritten by an older version", func(p map[string]string) {
			p[paramFilesPfx+"0"] = `[["a.parquet",1,11,0],["b.json",2,20,0]]`
		}, ""},
		{"written by an older version", func(p map[string]string) { delete(p, paramSchemasPfx+"0") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := map[string]string{}
			for k, v := range params {
				p[k] = v
			}
			tt.edit(p)
			back, err := readManifest(p)
			if err != nil || len(back) != 2 {
				t.Fatalf("read back %v, %v", back, err)
			}
			if got := back["a.parquet"].file(nil).Schema; got != tt.wantA || back["b.json"].Schema != "" {
				t.Errorf("schemas = %q, %q; want %q, none", got, back["b.json"].Schema, tt.wantA)
			}
		})
	}
}
