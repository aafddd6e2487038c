package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
)

func hourFile(hr, i int, rows int64) catalog.File {
	h := fmt.Sprintf("%02d", hr)
	return catalog.File{
		Key:       fmt.Sprintf("trades/dt=2026-11-02/hr=%s/f-%04d.parquet", h, i),
		Partition: []string{"2026-11-02", h},
		Rows:      rows,
		Bytes:     rows * 10,
		ModTime:   time.Date(2026, 11, 2, hr, 0, 0, 0, time.UTC),
	}
}

func TestAddFiles(t *testing.T) {
	c := newTestCatalog(t)
	ctx := context.Background()
	if err := c.PutTable(ctx, tradesTable(catalog.Column{Name: "symbol", Type: "string"})); err != nil {
		t.Fatal(err)
	}
	a, b, d := hourFile(14, 1, 100), hourFile(14, 2, 50), hourFile(15, 1, 7)
	bigger := b
	bigger.Rows, bigger.Bytes = 60, 600
	steps := []struct {
		name      string
		add       []catalog.File
		wantFiles int
		wantParts []catalog.Partition // Values, Location, Files, Rows, Bytes
	}{
		{"first", []catalog.File{a, b}, 2, []catalog.Partition{
			{Values: []string{"2026-11-02", "14"}, Location: "file:///lake/trades/dt=2026-11-02/hr=14", Files: 2, Rows: 150, Bytes: 1500}}},
		{"again is a no-op", []catalog.File{b, a}, 2, []catalog.Partition{
			{Values: []string{"2026-11-02", "14"}, Location: "file:///lake/trades/dt=2026-11-02/hr=14", Files: 2, Rows: 150, Bytes: 1500}}},
		{"new partition and a changed file", []catalog.File{d, bigger}, 3, []catalog.Partition{
			{Values: []string{"2026-11-02", "14"}, Location: "file:///lake/trades/dt=2026-11-02/hr=14", Files: 2, Rows: 160, Bytes: 1600},
			{Values: []string{"2026-11-02", "15"}, Location: "file:///lake/trades/dt=2026-11-02/hr=15", Files: 1, Rows: 7, Bytes: 70}}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := c.AddFiles(ctx, "", "trades", st.add); err != nil {
				t.Fatal(err)
			}
			fs, err := c.Files(ctx, "", "trades")
			if err != nil || len(fs) != st.wantFiles {
				t.Fatalf("Files = %d, %v; want %d", len(fs), err, st.wantFiles)
			}
			if fs[0].Key != a.Key || !fs[0].ModTime.Equal(a.ModTime) || fs[0].Partition[1] != "14" {
				t.Errorf("first file = %+v; want %+v", fs[0], a)
			}
			ps, err := c.Partitions(ctx, "", "trades")
			if err != nil || len(ps) != len(st.wantParts) {
				t.Fatalf("Partitions = %+v, %v; want %d", ps, err, len(st.wantParts))
			}
			for i, want := range st.wantParts {
				got := ps[i]
				got.Updated = time.Time{}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("partition %d = %+v; want %+v", i, got, want)
				}
			}
		})
	}
}

func TestAddFilesRejectsBadPartition(t *testing.T) {
	c := newTestCatalog(t)
	ctx := context.Background()
	if err := c.PutTable(ctx, tradesTable(catalog.Column{Name: "symbol", Type: "string"})); err != nil {
		t.Fatal(err)
	}
	good, bad := hourFile(14, 1, 1), hourFile(14, 2, 1)
	bad.Partition = []string{"2026-11-02"}
	if err := c.AddFiles(ctx, "", "trades", []catalog.File{good, bad}); err == nil {
		t.Fatal("no error for a file with one value for two partition keys")
	}
	if fs, _ := c.Files(ctx, "", "trades"); len(fs) != 0 {
		t.Errorf("half the batch was registered: %+v", fs)
	}
}

func TestAddFilesBatch(t *testing.T) {
	c := newTestCatalog(t)
	ctx := context.Background()
	if err := c.PutTable(ctx, tradesTable(catalog.Column{Name: "symbol", Type: "string"})); err != nil {
		t.Fatal(err)
	}
	files := make([]catalog.File, 1000)
	for i := range files {
		files[i] = hourFile(i%24, i, 1)
	}
	if err := c.AddFiles(ctx, "", "trades", files); err != nil {
		t.Fatal(err)
	}
	ps, err := c.Partitions(ctx, "", "trades")
	if err != nil || len(ps) != 24 {
		t.Fatalf("Partitions = %d, %v; want 24", len(ps), err)
	}
	var n int64
	for _, p := range ps {
		n += p.Files
	}
	if n != 1000 {
		t.Errorf("partitions count %d files; want 1000", n)
	}
}

// TestConcurrentHandles is the up/query situation: one handle writes in a
// loop while another, on the same file, reads.
func TestConcurrentHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	if err := w.PutTable(ctx, tradesTable(catalog.Column{Name: "symbol", Type: "string"})); err != nil {
		t.Fatal(err)
	}
	const batches = 50
	done := make(chan error, 1)
	go func() {
		for i := range batches {
			batch := []catalog.File{hourFile(i%24, 2*i, 1), hourFile(i%24, 2*i+1, 1)}
			if err := w.AddFiles(ctx, "", "trades", batch); err != nil {
				done <- err
				return
			}
			tb := tradesTable(catalog.Column{Name: "symbol", Type: "string"})
			tb.Parameters["object_count"] = fmt.Sprint(2 * (i + 1))
			if err := w.PutTable(ctx, tb); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	last := 0
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("writer: %v", err)
			}
			finished = true
		default:
		}
		fs, err := r.Files(ctx, "", "trades")
		if err != nil {
			t.Fatalf("reader: %v", err)
		}
		if len(fs)%2 != 0 || len(fs) < last {
			t.Fatalf("reader saw %d files after %d: a torn or lost commit", len(fs), last)
		}
		last = len(fs)
		if _, err := r.Partitions(ctx, "", "trades"); err != nil {
			t.Fatalf("reader: %v", err)
		}
	}
	if fs, err := r.Files(ctx, "", "trades"); err != nil || len(fs) != 2*batches {
		t.Errorf("reader sees %d files, %v; want %d", len(fs), err, 2*batches)
	}
}

func TestPutTableWithFilesIsAtomic(t *testing.T) {
	c := newTestCatalog(t)
	ctx := context.Background()
	good, bad := hourFile(14, 1, 1), hourFile(14, 2, 1)
	bad.Partition = []string{"2026-11-02"}
	if err := c.PutTableWithFiles(ctx, tradesTable(catalog.Column{Name: "symbol", Type: "string"}), []catalog.File{good, bad}); err == nil {
		t.Fatal("no error for a file with one value for two partition keys")
	}
	if _, err := c.Table(ctx, "", "trades"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("the table was created by a failed commit: %v", err)
	}
	if err := c.PutTableWithFiles(ctx, tradesTable(catalog.Column{Name: "symbol", Type: "string"}), []catalog.File{good}); err != nil {
		t.Fatal(err)
	}
	if fs, err := c.Files(ctx, "", "trades"); err != nil || len(fs) != 1 {
		t.Errorf("files = %+v, %v; want 1", fs, err)
	}
}
