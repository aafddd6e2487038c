// Package lake owns the object store that holds ticklake's data and the
// layout of keys inside it. It knows no broker, no catalog and no query
// engine: writers (the sink) and readers (the crawler, the query engine) meet
// only in the layout defined here.
//
// A lake is opened from a URL with Open or OpenWith: a path or file:// URL
// (Dir) or s3://bucket/prefix (S3), both behind the same Store interface.
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
	// (ErrExists). Of concurrent Creates of one key exactly one returns nil.
	// An error other than ErrExists leaves the outcome unknown (on S3 the
	// object may have been stored); a caller that calls Create again and
	// gets ErrExists must read the object to learn whether it holds its own
	// bytes, so put something unique to the writer in them.
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

// Options configure the backends that need more than a URL. The zero value
// suits local directories and AWS S3 with the standard configuration.
type Options struct {
	// S3Endpoint is the base URL of an S3-compatible server
	// (http://127.0.0.1:7070); empty means AWS.
	S3Endpoint string
	// S3Region signs requests; empty means the AWS configuration's region,
	// else us-east-1.
	S3Region string
	// S3PathStyle addresses buckets as endpoint/bucket rather than
	// bucket.endpoint, as most S3-compatible servers need.
	S3PathStyle bool
	// S3MaxAttempts bounds the attempts of one S3 request (0 = 8).
	S3MaxAttempts int
	// S3AttemptTimeout bounds one attempt: the wait for response headers and
	// the silence tolerated while reading a body (0 = 30s).
	S3AttemptTimeout time.Duration
}

// Open opens the lake named by rawURL with default Options.
func Open(rawURL string) (Store, error) {
	return OpenWith(rawURL, Options{})
}

// OpenWith opens the lake named by rawURL: a file system path, a file:// URL
// or s3://bucket/prefix.
func OpenWith(rawURL string, o Options) (Store, error) {
	if rawURL == "" {
		return nil, errors.New("lake: empty location; set --lake to a directory, file:///path or s3://bucket/prefix")
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
	case "s3":
		return OpenS3(u, o)
	default:
		return nil, fmt.Errorf("lake: unsupported scheme %q in %q; use a directory, file:///path or s3://bucket/prefix", u.Scheme, rawURL)
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
