// Package lake owns the object store that holds ticklake's data and the
// layout of keys inside it. It knows no broker, no catalog and no query
// engine: writers (the sink) and readers (the crawler, the query engine) meet
// only in the layout defined here.
//
// A lake is opened from a URL: a path or file:// URL now; s3:// comes later
// behind the same Store interface.
package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// ErrExists is returned by Store.Create when the key is already taken.
var ErrExists = errors.New("object already exists")

// ErrNotExist is returned when a key names no object.
var ErrNotExist = errors.New("object does not exist")

// Object describes one stored object. Key is slash-separated and relative to
// the lake root.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Store is the small, context-first interface every lake backend implements.
type Store interface {
	// Create stores data under key atomically and only if key is free: readers
	// never see a partial object, and an existing object is never replaced
	// (ErrExists).
	Create(ctx context.Context, key string, data []byte) error
	// Put stores data under key atomically, replacing any object there.
	// Only for small mutable objects (pointers, state), never for data.
	Put(ctx context.Context, key string, data []byte) error
	// Stat describes one object, or returns ErrNotExist.
	Stat(ctx context.Context, key string) (Object, error)
	// Open returns a reader for the whole object.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// ReadAt returns a random-access reader over the object, for footers.
	ReadAt(ctx context.Context, key string) (ReaderAt, error)
	// List calls fn for every object whose key starts with prefix, in key
	// directory-walk order, including markers and temporary names (filter
	// with IsData).
	List(ctx context.Context, prefix string, fn func(Object) error) error
	// Delete removes an object; removing a missing one is not an error.
	Delete(ctx context.Context, key string) error
	// LocalPath returns the object's path on the local file system when the
	// backend has one, so an embedded engine can read it directly.
	LocalPath(key string) (string, bool)
	// URL names the lake root, for messages and the catalog's locations.
	URL() string
	Close() error
}

// ReaderAt is a random-access view of one object.
type ReaderAt interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// Open opens the lake named by rawURL: a file system path or a file:// URL.
func Open(rawURL string) (Store, error) {
	if rawURL == "" {
		return nil, errors.New("lake: empty location; set --lake to a directory or file:// URL")
	}
	if !strings.Contains(rawURL, "://") {
		return OpenDir(rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("lake: parsing %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("lake: file URL %q names host %q; use file:///absolute/path", rawURL, u.Host)
		}
		return OpenDir(u.Path)
	default:
		return nil, fmt.Errorf("lake: unsupported scheme %q in %q; use a directory or file:///path", u.Scheme, rawURL)
	}
}

// DirPath turns a path into an absolute, cleaned one.
func dirPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("lake: resolving %q: %w", p, err)
	}
	return abs, nil
}
