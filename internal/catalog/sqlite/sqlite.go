// Package sqlite is ticklake's embedded catalog: the catalog.Catalog interface
// kept in one SQLite file (pure Go, modernc.org/sqlite).
//
// One writer process and any number of reader processes may share the file:
// it runs in WAL mode, so readers never block the writer and always see its
// last commit, and every connection waits (busy_timeout) rather than failing
// when another holds the write lock. It knows no lake and no query engine.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/ticklake/ticklake/internal/catalog"
)

// busyTimeout is how long a connection waits for a lock before SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Catalog is a catalog.Catalog stored in a SQLite file.
type Catalog struct {
	db   *sql.DB
	path string
	// version is the schema version of the file: a read-only handle does
	// not migrate, so it reads older files without the newer columns.
	version int
}

var _ catalog.Manager = (*Catalog)(nil)

// Open opens the catalog at path for reading and writing, creating the file,
// its parent directories and its schema as needed.
func Open(path string) (*Catalog, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening catalog %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, writableErr(abs, err)
	}
	db, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return nil, writableErr(abs, err)
	}
	c := &Catalog{db: db, path: abs, version: len(migrations)}
	if err := c.migrate(context.Background()); err != nil {
		db.Close()
		return nil, writableErr(abs, err)
	}
	return c, nil
}

// OpenReadOnly opens an existing catalog for queries only. It sees every
// commit of a writer working on the same file.
func OpenReadOnly(path string) (*Catalog, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening catalog %s: %w", path, err)
	}
	if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no catalog at %s; run `ticklake up` or `ticklake crawl` first, or pass --catalog", abs)
	}
	db, err := sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		return nil, fmt.Errorf("opening catalog %s: %w", abs, err)
	}
	c := &Catalog{db: db, path: abs}
	if err := c.checkVersion(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening catalog %s: %w", abs, err)
	}
	return c, nil
}

// dsn builds the connection string. The read-only handle is a normal
// connection in query_only mode rather than mode=ro: a mode=ro connection
// cannot create the WAL index, and would fail whenever the writer is not
// running.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		// Take the write lock at BEGIN: a deferred transaction that upgrades
		// from read to write fails with SQLITE_BUSY without waiting.
		q.Set("_txlock", "immediate")
	}
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(filepath.ToSlash(path)) + "?" + q.Encode()
}

func writableErr(path string, err error) error {
	return fmt.Errorf("opening catalog %s: %w; choose a writable --catalog or --data-dir", path, err)
}

// Path returns the catalog file's absolute path.
func (c *Catalog) Path() string { return c.path }

// Close implements catalog.Catalog.
func (c *Catalog) Close() error { return c.db.Close() }

// URLPath returns the file path named by raw: a plain path or a
// sqlite:///absolute/path URL.
func URLPath(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("empty catalog location; pass --catalog a file path or sqlite:///absolute/path")
	}
	if !strings.Contains(raw, "://") {
		return raw, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parsing catalog URL %q: %w", raw, err)
	}
	switch {
	case u.Scheme != "sqlite":
		return "", fmt.Errorf("unsupported catalog scheme %q in %q; use a file path or sqlite:///absolute/path", u.Scheme, raw)
	case u.Host != "":
		return "", fmt.Errorf("catalog URL %q names host %q; use sqlite:///absolute/path (three slashes) or a plain relative path", raw, u.Host)
	case u.Path == "" || u.Path == "/":
		return "", fmt.Errorf("catalog URL %q names no file; use sqlite:///absolute/path/catalog.db", raw)
	}
	return u.Path, nil
}
