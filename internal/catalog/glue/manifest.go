package glue

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
)

// chunkBytes keeps each manifest parameter under Glue's 512 KB value limit.
const chunkBytes = 400 << 10

// entry is one file in a manifest: key, rows, bytes, mod time (Unix ms),
// and its schema id, which is kept in parameters of its own (see
// schemaRef).
type entry struct {
	Key    string
	Rows   int64
	Bytes  int64
	MTime  int64
	Schema string
}

func (e entry) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{e.Key, e.Rows, e.Bytes, e.MTime})
}

func (e *entry) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 4 {
		return fmt.Errorf("bad manifest entry %s", b)
	}
	return errorsJoin(json.Unmarshal(raw[0], &e.Key), json.Unmarshal(raw[1], &e.Rows),
		json.Unmarshal(raw[2], &e.Bytes), json.Unmarshal(raw[3], &e.MTime))
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// manifest is the set of files of one partition (or unpartitioned table).
type manifest map[string]entry

// schemaRef is a file's schema id with the size of the file it was read
// from, stored as [id, bytes] under the file's key in the
// ticklake.schemas.N parameters. An older ticklake rewriting the manifest
// keeps these as they were; the size tells a stale id from a current one.
type schemaRef struct {
	ID    string
	Bytes int64
}

func (r schemaRef) MarshalJSON() ([]byte, error) { return json.Marshal([]any{r.ID, r.Bytes}) }

func (r *schemaRef) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 2 {
		return fmt.Errorf("bad schema entry %s", b)
	}
	return errorsJoin(json.Unmarshal(raw[0], &r.ID), json.Unmarshal(raw[1], &r.Bytes))
}

// readManifest decodes the ticklake.files.N parameters, and the schema ids
// of the ticklake.schemas.N ones.
func readManifest(params map[string]string) (manifest, error) {
	m := manifest{}
	for i := 0; ; i++ {
		v, ok := params[paramFilesPfx+strconv.Itoa(i)]
		if !ok {
			break
		}
		var es []entry
		if err := json.Unmarshal([]byte(v), &es); err != nil {
			return nil, fmt.Errorf("decoding the file manifest: %w", err)
		}
		for _, e := range es {
			m[e.Key] = e
		}
	}
	return m, m.readSchemas(params)
}

// readSchemas sets the schema ids of the files whose size they were read
// at.
func (m manifest) readSchemas(params map[string]string) error {
	for i := 0; ; i++ {
		v, ok := params[paramSchemasPfx+strconv.Itoa(i)]
		if !ok {
			return nil
		}
		var refs map[string]schemaRef
		if err := json.Unmarshal([]byte(v), &refs); err != nil {
			return fmt.Errorf("decoding the schema ids of the file manifest: %w", err)
		}
		for k, r := range refs {
			if e, ok := m[k]; ok && e.Bytes == r.Bytes {
				e.Schema = r.ID
				m[k] = e
			}
		}
	}
}

// write replaces the manifest parameters in params and sets Hive's totals.
func (m manifest) write(params map[string]string) {
	for k := range params {
		if strings.HasPrefix(k, paramFilesPfx) || strings.HasPrefix(k, paramSchemasPfx) {
			delete(params, k)
		}
	}
	m.writeSchemas(params)
	es := m.sorted()
	var rows, bytes int64
	chunk, size, n := []entry{}, 0, 0
	flush := func() {
		params[paramFilesPfx+strconv.Itoa(n)] = mustJSON(chunk)
		chunk, size, n = []entry{}, 0, n+1
	}
	for _, e := range es {
		rows, bytes = rows+e.Rows, bytes+e.Bytes
		if size+len(e.Key)+64 > chunkBytes && len(chunk) > 0 {
			flush()
		}
		chunk, size = append(chunk, e), size+len(e.Key)+64
	}
	if len(chunk) > 0 {
		flush()
	}
	params["numFiles"] = strconv.Itoa(len(es))
	params["numRows"] = strconv.FormatInt(rows, 10)
	params["totalSize"] = strconv.FormatInt(bytes, 10)
}

// writeSchemas writes the files' schema ids in chunks like the entries'.
func (m manifest) writeSchemas(params map[string]string) {
	chunk, size, n := map[string]schemaRef{}, 0, 0
	for _, e := range m.sorted() {
		if e.Schema == "" {
			continue
		}
		if size+len(e.Key)+len(e.Schema)+32 > chunkBytes && len(chunk) > 0 {
			params[paramSchemasPfx+strconv.Itoa(n)] = mustJSON(chunk)
			chunk, size, n = map[string]schemaRef{}, 0, n+1
		}
		chunk[e.Key], size = schemaRef{ID: e.Schema, Bytes: e.Bytes}, size+len(e.Key)+len(e.Schema)+32
	}
	if len(chunk) > 0 {
		params[paramSchemasPfx+strconv.Itoa(n)] = mustJSON(chunk)
	}
}

func (m manifest) sorted() []entry {
	es := make([]entry, 0, len(m))
	for _, e := range m {
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Key < es[j].Key })
	return es
}

func (m manifest) add(f catalog.File) {
	e := entry{Key: f.Key, Rows: f.Rows, Bytes: f.Bytes, Schema: f.Schema}
	if !f.ModTime.IsZero() {
		e.MTime = f.ModTime.UnixMilli()
	}
	m[f.Key] = e
}

func (e entry) file(vals []string) catalog.File {
	f := catalog.File{Key: e.Key, Partition: vals, Rows: e.Rows, Bytes: e.Bytes, Schema: e.Schema}
	if e.MTime != 0 {
		f.ModTime = time.UnixMilli(e.MTime).UTC()
	}
	return f
}
