package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Dir is a lake in a local directory.
type Dir struct {
	root string
}

var _ Store = (*Dir)(nil)

// OpenDir opens (creating if needed) a lake rooted at dir.
func OpenDir(dir string) (*Dir, error) {
	root, err := dirPath(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("lake: creating %s: %w (choose a writable --lake or --data-dir)", root, err)
	}
	probe, err := os.CreateTemp(root, ".probe-*")
	if err != nil {
		return nil, fmt.Errorf("lake: %s is not writable: %w (choose a writable --lake or --data-dir)", root, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return &Dir{root: root}, nil
}

// Root returns the directory's absolute path.
func (d *Dir) Root() string { return d.root }

// URL implements Store.
func (d *Dir) URL() string { return "file://" + d.root }

// LocalPath implements Store.
func (d *Dir) LocalPath(key string) (string, bool) {
	return filepath.Join(d.root, filepath.FromSlash(key)), true
}

// Close implements Store.
func (d *Dir) Close() error { return nil }

// Put implements Store: like Create, but the rename replaces what is there.
func (d *Dir) Put(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	final, _ := d.LocalPath(key)
	dir := filepath.Dir(final)
	tmp, err := d.stage(dir, final, data)
	if err != nil {
		return fmt.Errorf("lake: writing %s: %w", key, err)
	}
	defer os.Remove(tmp)
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("lake: publishing %s: %w", key, err)
	}
	return syncDir(dir)
}

// stage writes data to a fsynced, dot-prefixed temporary file beside final.
func (d *Dir) stage(dir, final string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(final)+".*.tmp")
	if err != nil {
		return "", err
	}
	if err := writeSync(tmp, data); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// Stat implements Store.
func (d *Dir) Stat(ctx context.Context, key string) (Object, error) {
	p, _ := d.LocalPath(key)
	info, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && info.IsDir()) {
		return Object{}, fmt.Errorf("lake: %s: %w", key, ErrNotExist)
	}
	if err != nil {
		return Object{}, fmt.Errorf("lake: %s: %w", key, err)
	}
	return Object{Key: key, Size: info.Size(), ModTime: info.ModTime()}, nil
}

// Create implements Store: it writes a dot-prefixed temporary file, fsyncs it,
// links it into place without replacing anything, and fsyncs the directory.
func (d *Dir) Create(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	final, _ := d.LocalPath(key)
	dir := filepath.Dir(final)
	tmp, err := d.stage(dir, final, data)
	if err != nil {
		return fmt.Errorf("lake: writing %s: %w", key, err)
	}
	defer os.Remove(tmp)
	// RENAME_NOREPLACE: os.Rename would silently replace a file another
	// writer already put there.
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, final, unix.RENAME_NOREPLACE); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("lake: %s: %w", key, ErrExists)
		}
		return fmt.Errorf("lake: publishing %s: %w", key, err)
	}
	return syncDir(dir)
}

func writeSync(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("lake: syncing %s: %w", dir, err)
	}
	return errors.Join(f.Sync(), f.Close())
}

// Open implements Store.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	f, err := d.ReadAt(ctx, key)
	if err != nil {
		return nil, err
	}
	return f.(fileReaderAt).File, nil
}

type fileReaderAt struct {
	*os.File
	size int64
}

func (f fileReaderAt) Size() int64 { return f.size }

// ReadAt implements Store.
func (d *Dir) ReadAt(ctx context.Context, key string) (ReaderAt, error) {
	p, _ := d.LocalPath(key)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lake: %s: %w", key, ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("lake: %s: %w", key, ErrNotExist)
	}
	return fileReaderAt{File: f, size: st.Size()}, nil
}

// Delete implements Store.
func (d *Dir) Delete(ctx context.Context, key string) error {
	p, _ := d.LocalPath(key)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("lake: deleting %s: %w", key, err)
	}
	return nil
}

// List implements Store. Keys come out in byte order of the whole key, as
// S3 lists them: each directory's entries are sorted with a directory
// standing for its name plus "/" ("a-b" before "a/c").
func (d *Dir) List(ctx context.Context, prefix string, fn func(Object) error) error {
	rel := ""
	// Walk from the deepest directory the prefix names, then filter.
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		rel = prefix[:i]
	}
	if err := d.walk(ctx, rel, prefix, fn); err != nil {
		return fmt.Errorf("lake: listing %q: %w", prefix, err)
	}
	return nil
}

// walk lists the directory rel (a slash-separated key prefix) in key order.
func (d *Dir) walk(ctx context.Context, rel, prefix string, fn func(Object) error) error {
	entries, err := os.ReadDir(filepath.Join(d.root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // the prefix names nothing, or it was removed while listing
	}
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return sortName(entries[i]) < sortName(entries[j]) })
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		key := path.Join(rel, e.Name())
		if e.IsDir() {
			dirKey := key + "/"
			if strings.HasPrefix(dirKey, prefix) || strings.HasPrefix(prefix, dirKey) {
				if err := d.walk(ctx, key, prefix, fn); err != nil {
					return err
				}
			}
			continue
		}
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed while listing
		}
		if err != nil {
			return err
		}
		if err := fn(Object{Key: key, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}

func sortName(e fs.DirEntry) string {
	if e.IsDir() {
		return e.Name() + "/"
	}
	return e.Name()
}
