package crawler

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ticklake/ticklake/internal/lake"
)

// Classifications the crawler recognises, as Glue names them.
const (
	classParquet = "parquet"
	classJSON    = "json"
	classCSV     = "csv"
)

// fileFormat is what an object's name says about its content.
type fileFormat struct {
	class       string // parquet, json, csv; "" when not recognised
	compression string // "", gzip, zstd
}

// formatOf classifies a key by its extensions: x.parquet, x.json, x.jsonl,
// x.ndjson, x.csv, each optionally followed by .gz or .zst.
func formatOf(key string) fileFormat {
	name := strings.ToLower(path.Base(key))
	var f fileFormat
	switch ext := path.Ext(name); ext {
	case ".gz", ".gzip":
		f.compression, name = "gzip", strings.TrimSuffix(name, ext)
	case ".zst", ".zstd":
		f.compression, name = "zstd", strings.TrimSuffix(name, ext)
	}
	switch path.Ext(name) {
	case ".parquet":
		if f.compression == "" {
			f.class = classParquet
		}
	case ".json", ".jsonl", ".ndjson":
		f.class = classJSON
	case ".csv":
		f.class = classCSV
	}
	return f
}

// sample is what the crawler learns from one data file: its columns and its
// row count (exact, or estimated from the sample for large text files).
type sample struct {
	columns   []columnType
	rows      int64
	estimated bool
	delimiter rune   // CSV only
	schema    string // Parquet only: the schema id (see schemaID)
}

// columnType is one top-level column as a file names and types it.
type columnType struct {
	name string // as written in the file
	t    *htype
}

// readSample reads what the format needs: a Parquet footer, or up to limit
// uncompressed bytes of a JSON or CSV file.
func readSample(ctx context.Context, store lake.Store, o lake.Object, f fileFormat, limit int64) (sample, error) {
	if o.Size == 0 {
		return sample{}, fmt.Errorf("empty file, no %s records; delete it or move it under a _ folder", f.class)
	}
	if f.class == classParquet {
		return readFooter(ctx, store, o.Key)
	}
	rc, err := store.Open(ctx, o.Key)
	if err != nil {
		return sample{}, fmt.Errorf("opening: %w", err)
	}
	defer rc.Close()
	raw := &countingReader{r: rc}
	r, closeR, err := decompress(raw, f.compression)
	if err != nil {
		return sample{}, err
	}
	defer closeR()
	buf, complete, err := readLimited(r, limit)
	if err != nil {
		return sample{}, err
	}
	var s sample
	if f.class == classJSON {
		s, err = inferJSON(buf, complete)
	} else {
		s, err = inferCSV(buf, complete)
	}
	if err != nil || complete {
		return s, err
	}
	// Estimate the rows of the whole file from the share of it read.
	if raw.n > 0 {
		s.rows = s.rows * o.Size / raw.n
	}
	s.estimated = true
	return s, nil
}

// readLimited reads up to limit bytes; complete says the whole stream fitted.
func readLimited(r io.Reader, limit int64) ([]byte, bool, error) {
	buf, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("reading (corrupt or truncated compressed data?): %w", err)
	}
	if int64(len(buf)) > limit {
		return buf[:limit], false, nil
	}
	return buf, true, nil
}

// decompress wraps r in the decoder of its compression; the returned
// function releases the decoder.
func decompress(r io.Reader, compression string) (io.Reader, func(), error) {
	switch compression {
	case "gzip":
		zr, err := gzip.NewReader(bufio.NewReader(r))
		if err != nil {
			return nil, nil, fmt.Errorf("not gzip data (%w); fix the file or its .gz extension", err)
		}
		return zr, func() { zr.Close() }, nil
	case "zstd":
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, nil, fmt.Errorf("not zstd data (%w); fix the file or its .zst extension", err)
		}
		return zr, zr.Close, nil
	}
	return r, func() {}, nil
}

// countingReader counts the bytes read from the object itself.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
