package query

import (
	"errors"
	"io/fs"
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
// Checking here, per query and only the files the query reads, is also
// how a catalogued file gone from the disk is left out (see
// Engine.localPaths) without a stat of every file at each catalog change.
//
// It holds one small entry per local file read, as the views hold one per
// catalogued file.
type fileStamps struct {
	mu   sync.Mutex
	m    map[string]fileStamp
	gone map[string]bool // files found missing, reported once
}

type fileStamp struct {
	size  int64
	mtime time.Time
	gen   int // times the file was seen changed
}

func newFileStamps() *fileStamps {
	return &fileStamps{m: map[string]fileStamp{}, gone: map[string]bool{}}
}

// paths returns the path DuckDB is to read each file by, and which files
// are gone (no longer on disk although catalogued); newlyGone names those
// found gone for the first time, to be reported once.
func (s *fileStamps) paths(paths []string) (out []string, gone []bool, newlyGone []string) {
	stats, gone := statAll(paths)
	out = make([]string, len(paths))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range paths {
		if gone[i] && !s.gone[p] {
			newlyGone = append(newlyGone, p)
		}
		s.gone[p] = gone[i]
		if !gone[i] {
			delete(s.gone, p)
		}
		out[i] = respell(p, s.stamp(p, stats[i]))
	}
	return out, gone, newlyGone
}

// statBatch is the number of files a goroutine of statAll stats: a stat
// costs some 7 µs, and a new engine's first query of thousands of files
// waited for them on one core.
const statBatch = 256

// statAll stats the files, in batches side by side; gone marks those that
// do not exist.
func statAll(paths []string) (stats []os.FileInfo, gone []bool) {
	stats, gone = make([]os.FileInfo, len(paths)), make([]bool, len(paths))
	var wg sync.WaitGroup
	for lo := 0; lo < len(paths); lo += statBatch {
		hi := min(lo+statBatch, len(paths))
		stat := func() {
			for i := lo; i < hi; i++ {
				var err error
				stats[i], err = os.Stat(paths[i])
				gone[i] = errors.Is(err, fs.ErrNotExist)
			}
		}
		if hi == len(paths) {
			stat() // the last batch on this goroutine
			break
		}
		wg.Go(stat)
	}
	wg.Wait()
	return stats, gone
}

// known tells whether every file was handed to DuckDB before (so that its
// footer is in DuckDB's cache, unless it changed since).
func (s *fileStamps) known(files []viewFile) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range files {
		if _, ok := s.m[f.path]; !ok {
			return false
		}
	}
	return true
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
