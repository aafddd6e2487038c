package lake

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTestDir(t *testing.T) *Dir {
	t.Helper()
	d, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestCreateNeverReplaces(t *testing.T) {
	ctx := context.Background()
	d := newTestDir(t)
	key := "trades/dt=2026-11-02/hr=14/trades-0-1-2.parquet"
	if err := d.Create(ctx, key, []byte("first")); err != nil {
		t.Fatal(err)
	}
	err := d.Create(ctx, key, []byte("second"))
	if !errors.Is(err, ErrExists) {
		t.Fatalf("second Create = %v, want ErrExists", err)
	}
	r, err := d.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, _ := io.ReadAll(r); string(b) != "first" {
		t.Fatalf("content = %q, want the first write", b)
	}
	if err := d.Put(ctx, "_state/p", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "_state/p", []byte("22")); err != nil {
		t.Fatal(err)
	}
	if o, err := d.Stat(ctx, "_state/p"); err != nil || o.Size != 2 {
		t.Fatalf("Stat after two Puts = %+v, %v; want size 2", o, err)
	}
	if _, err := d.Stat(ctx, "nope"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Stat(missing) = %v, want ErrNotExist", err)
	}
	// No temporary file is left behind.
	entries, _ := os.ReadDir(filepath.Join(d.Root(), "trades/dt=2026-11-02/hr=14"))
	if len(entries) != 1 {
		t.Fatalf("folder holds %d entries, want only the file", len(entries))
	}
}

func TestListAndRead(t *testing.T) {
	ctx := context.Background()
	d := newTestDir(t)
	for _, k := range []string{"a/x.parquet", "a/dt=1/y.parquet", "b/z.json", "_dead_letters/t/0-1.json"} {
		if err := d.Create(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	if err := d.List(ctx, "a/", func(o Object) error { keys = append(keys, o.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "a/dt=1/y.parquet,a/x.parquet" {
		t.Fatalf("List(a/) = %v", keys)
	}
	ra, err := d.ReadAt(ctx, "b/z.json")
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	if ra.Size() != int64(len("b/z.json")) {
		t.Fatalf("Size = %d", ra.Size())
	}
	if _, err := d.Open(ctx, "nope"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Open(missing) = %v, want ErrNotExist", err)
	}
	if err := d.List(ctx, "missing/", func(Object) error { return nil }); err != nil {
		t.Fatalf("List of a missing prefix = %v, want nil", err)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct{ name, url, want string }{
		{"empty", "", "empty location"},
		{"scheme", "gs://bucket", `unsupported scheme "gs"`},
		{"host", "file://host/x", "use file:///absolute/path"},
		{"unwritable", "/proc/ticklake-lake", "choose a writable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.url)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open(%q) = %v, want %q", tc.url, err, tc.want)
			}
		})
	}
	if s, err := Open("file://" + t.TempDir()); err != nil || !strings.HasPrefix(s.URL(), "file:///") {
		t.Fatalf("Open(file URL) = %v, %v", s, err)
	}
}

func TestLayout(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "trades", "trades"},
		{"space", "Adj Close", "adj_close"},
		{"case", "CloseUSD", "closeusd"},
		{"punctuation", "index.prices-v2", "index_prices_v2"},
		{"empty", "", "_"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ColumnName(tc.in); got != tc.want {
				t.Fatalf("ColumnName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	f := DataFile{Table: "trades", Partition: PartitionOf(time.Date(2026, 11, 2, 9, 30, 0, 0, time.FixedZone("ET", -5*3600))), Topic: "trades", KafkaPart: 2, FirstOffset: 10, LastOffset: 99}
	if want := "trades/dt=2026-11-02/hr=14/trades-2-00000000000000000010-00000000000000000099.parquet"; f.Key() != want {
		t.Fatalf("Key = %s, want %s", f.Key(), want)
	}
	if kv := HivePartitions(f.Key()); len(kv) != 2 || kv[0] != (KV{"dt", "2026-11-02"}) || kv[1] != (KV{"hr", "14"}) {
		t.Fatalf("HivePartitions = %v", kv)
	}
	if kv := HivePartitions("root.parquet"); kv != nil {
		t.Fatalf("HivePartitions(root key) = %v, want none", kv)
	}
	for key, want := range map[string]bool{f.Key(): true, "_dead_letters/x.json": false, "trades/dt=1/.x.tmp": false, TempKey(f.Key()): false} {
		if IsData(key) != want {
			t.Errorf("IsData(%q) = %v, want %v", key, !want, want)
		}
	}
	if TableOf("root.json", "root") != "root" || TableOf(f.Key(), "root") != "trades" {
		t.Error("TableOf misplaces keys")
	}
}
