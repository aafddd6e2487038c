package query

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// fileStamps keeps DuckDB from reading a local file through stale cached
// metadata. DuckDB keeps the footers (parquet_metadata_cache) and blocks
// (the external file cache) of the files it read, by path; checking them
// on every query costs it more than the query itself on a lake of
// thousands of files, so the engine turns that check off
// (validate_external_file_cache) and checks instead: it remembers each
// file's size and modification time when first handed to DuckDB, and when
// they change — a file replaced in place, which the sink never does —
// hands DuckDB a new spelling of the path ("dir/./name"), which DuckDB
// caches afresh.
//
// It holds one small entry per local file read, as the views hold one per
// catalogued file.
type fileStamps struct {
	mu sync.Mutex
	m  map[string]fileStamp
}

type fileStamp struct {
	size  int64
	mtime time.Time
	gen   int // times the file was seen changed
}

func newFileStamps() *fileStamps { return &fileStamps{m: map[string]fileStamp{}} }

// paths returns the path DuckDB is to read each file by.
func (s *fileStamps) paths(paths []string) []string {
	stats := make([]os.FileInfo, len(paths))
	for i, p := range paths {
		stats[i], _ = os.Stat(p) // a file gone is DuckDB's to report
	}
	out := make([]string, len(paths))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range paths {
		out[i] = respell(p, s.stamp(p, stats[i]))
	}
	return out
}

// stamp records the file's current state and returns its generation.
func (s *fileStamps) stamp(p string, st os.FileInfo) int {
	old, seen := s.m[p]
	if st == nil {
		return old.gen
	}
	cur := fileStamp{size: st.Size(), mtime: st.ModTime(), gen: old.gen}
	if seen && (cur.size != old.size || !cur.mtime.Equal(old.mtime)) {
		cur.gen++
	}
	s.m[p] = cur
	return cur.gen
}

// respell inserts gen "." segments before the file name: the same file to
// the operating system, a new path to DuckDB's caches.
func respell(p string, gen int) string {
	if gen == 0 {
		return p
	}
	dir, name := filepath.Split(p)
	return filepath.Clean(dir) + strings.Repeat(string(filepath.Separator)+".", gen) + string(filepath.Separator) + name
}
