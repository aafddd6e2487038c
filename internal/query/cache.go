package query

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ticklake/ticklake/internal/lake"
)

const (
	// fetchParallel is how many objects (or ranges) are fetched at once.
	fetchParallel = 8
	// rangedFetchMin is the object size from which several ranged reads
	// beat one stream; rangeSize is the size of each.
	rangedFetchMin = 16 << 20
	rangeSize      = 8 << 20
)

// fileCache keeps local copies of a remote lake's files for DuckDB, which
// reads only local files here. Lake files are immutable, so a copy is keyed
// by the object's key, size and modification time; the least recently used
// copies are removed when the cache outgrows its cap.
type fileCache struct {
	dir    string
	max    int64
	store  lake.Store
	logger *slog.Logger
	mu     sync.Mutex // serialises eviction
}

// fetchStats describes one fetch.
type fetchStats struct {
	hits, misses int
	bytes        int64
	took         time.Duration
}

func (s *fetchStats) add(o fetchStats) {
	s.hits += o.hits
	s.misses += o.misses
	s.bytes += o.bytes
	s.took += o.took
}

func newFileCache(dir string, max int64, store lake.Store, logger *slog.Logger) (*fileCache, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("query: resolving the cache dir %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("query: creating the cache dir %s: %w; choose a writable --cache-dir", abs, err)
	}
	return &fileCache{dir: abs, max: max, store: store, logger: logger}, nil
}

// path is where the copy of f lives: under its key, so that DuckDB reads
// the hive partition folders, with a hash of its size and modification
// time in the name (a changed object is a new copy).
func (c *fileCache) path(f viewFile) string {
	h := sha256.Sum256([]byte(f.key + "\x00" + strconv.FormatInt(f.bytes, 10) + "\x00" + strconv.FormatInt(f.modTime.UnixNano(), 10)))
	name := filepath.FromSlash(f.key)
	ext := fileExt(name)
	return filepath.Join(c.dir, strings.TrimSuffix(name, ext)+"."+hex.EncodeToString(h[:6])+ext)
}

// fileExt is a name's format extension, with the compression extension
// after it (".json.gz"), so that a copy is read as its original.
func fileExt(name string) string {
	ext := filepath.Ext(name)
	if extCompression(ext) != "" {
		ext = filepath.Ext(strings.TrimSuffix(name, ext)) + ext
	}
	return ext
}

// fetch makes sure every file has a local copy, fetching the missing ones
// in parallel, and returns the copies' paths in order.
func (c *fileCache) fetch(ctx context.Context, files []viewFile) ([]string, fetchStats, error) {
	start := time.Now()
	paths := make([]string, len(files))
	var st fetchStats
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallel)
	now := time.Now()
	for i, f := range files {
		p := c.path(f)
		paths[i] = p
		if fi, err := os.Stat(p); err == nil && (f.bytes <= 0 || fi.Size() == f.bytes) {
			os.Chtimes(p, now, now) // most recently used
			st.hits++
			continue
		}
		st.misses++
		g.Go(func() error {
			n, err := c.download(gctx, f.key, f.bytes, p)
			mu.Lock()
			st.bytes += n
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, st, err
	}
	st.took = time.Since(start)
	if st.misses > 0 {
		c.evict(paths)
	}
	return paths, st, nil
}

// download copies one object to dst through a temporary file, with ranged
// reads in parallel for large objects.
func (c *fileCache) download(ctx context.Context, key string, size int64, dst string) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, fmt.Errorf("query: caching %s: %w", key, err)
	}
	tmp := dst + ".tmp-" + randSuffix()
	f, err := os.Create(tmp)
	if err != nil {
		return 0, fmt.Errorf("query: caching %s: %w", key, err)
	}
	n, err := c.copyObject(ctx, key, size, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return n, fmt.Errorf("query: fetching %s from %s into the cache: %w", key, c.store.URL(), err)
	}
	return n, nil
}

// copyObject streams a small object (one GET) and reads a large one, or one
// of unknown size, in parallel ranges.
func (c *fileCache) copyObject(ctx context.Context, key string, size int64, f *os.File) (int64, error) {
	if size > 0 && size < rangedFetchMin {
		r, err := c.store.Open(ctx, key)
		if err != nil {
			return 0, err
		}
		defer r.Close()
		return io.Copy(f, r)
	}
	ra, err := c.store.ReadAt(ctx, key)
	if err != nil {
		return 0, err
	}
	defer ra.Close()
	size = ra.Size()
	if size < rangedFetchMin {
		return io.Copy(f, io.NewSectionReader(ra, 0, size))
	}
	g, _ := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallel)
	for off := int64(0); off < size; off += rangeSize {
		g.Go(func() error {
			buf := make([]byte, min(rangeSize, size-off))
			if _, err := ra.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			_, err := f.WriteAt(buf, off)
			return err
		})
	}
	return size, g.Wait()
}

// evict removes the least recently used copies until the cache fits its
// cap, never one of keep (the files a query is about to read).
func (c *fileCache) evict(keep []string) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	type copyFile struct {
		path string
		size int64
		used time.Time
	}
	var files []copyFile
	var total int64
	filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return nil
		}
		if info, err := d.Info(); err == nil {
			files = append(files, copyFile{p, info.Size(), info.ModTime()})
			total += info.Size()
		}
		return nil
	})
	sort.Slice(files, func(i, j int) bool { return files[i].used.Before(files[j].used) })
	busy := map[string]bool{}
	for _, p := range keep {
		busy[p] = true
	}
	for _, f := range files {
		if total <= c.max {
			break
		}
		if busy[f.path] {
			continue
		}
		if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.logger.Warn("could not evict a cached file", "path", f.path, "err", err)
			continue
		}
		total -= f.size
	}
}

func randSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// parseSize reads a size such as 512MB, 10GB or 1.5GiB (decimal and binary
// units; a bare number is bytes).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	units := []struct {
		suffix string
		mult   float64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10},
		{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := 1.0
	for _, u := range units {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("invalid size %q: use a number with KB, MB, GB or TB", s)
	}
	return int64(f * mult), nil
}
