package crawler

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
)

const (
	keyA = "trades/dt=2026-11-02/hr=14/trades-0-00000000000000000000-00000000000000000002.parquet"
	keyB = "trades/dt=2026-11-02/hr=15/trades-0-00000000000000000003-00000000000000000004.parquet"
	keyQ = "quotes/dt=2026-11-02/hr=14/quotes-0-00000000000000000000-00000000000000000000.parquet"
)

var wantTradeCols = []string{"symbol:string", "price:double", "size:int", "seq:bigint",
	"ts:timestamp", "conditions:array<string>", "exchangeid:string"}

func TestCrawl(t *testing.T) {
	env := newTestEnv(t)
	env.put(t, keyA, parquetOf(t, trades(3)...))
	env.put(t, keyB, parquetOf(t, trades(2)...))
	env.put(t, keyQ, parquetOf(t, trades(1)...))
	env.put(t, "trades/dt=2026-11-02/hr=14/notes.json", []byte(`{"a":1}`))
	env.put(t, "trades/dt=2026-11-02/hr=14/readme.txt", []byte(`hello`))
	env.put(t, "_dead_letters/trades/bad.parquet", []byte("garbage"))
	env.put(t, "trades/dt=2026-11-02/hr=14/.x.parquet.tmp", []byte("partial"))

	rep := env.crawl(t)
	if rep.Tables != 2 || rep.FilesSeen != 5 || rep.FilesNew != 3 || rep.FilesSkipped != 1 || len(rep.Errors) != 1 || len(rep.Changes) != 0 {
		t.Fatalf("report = %+v; want 2 tables, 5 seen, 3 new, 1 skipped, no change, 1 error", rep)
	}
	if e := rep.Errors[0]; !strings.HasSuffix(e.Key, "notes.json") || !strings.Contains(e.Err, "a json file in a parquet table") {
		t.Errorf("error = %v; want notes.json reported as a json file in a parquet table", e)
	}
	tb := env.table(t, "trades")
	if got := typesOf(tb.Columns); !slices.Equal(got, wantTradeCols) {
		t.Errorf("columns = %v; want %v", got, wantTradeCols)
	}
	if got := tb.Columns[6].Parameters[catalog.ParamOriginalName]; got != "ExchangeID" {
		t.Errorf("original_name = %q; want ExchangeID", got)
	}
	if got := typesOf(tb.PartitionKeys); !slices.Equal(got, []string{"dt:date", "hr:int"}) {
		t.Errorf("partition keys = %v", got)
	}
	wantParams := map[string]string{catalog.ParamRecordCount: "5", catalog.ParamObjectCount: "2", catalog.ParamClassification: "parquet"}
	for k, v := range wantParams {
		if tb.Parameters[k] != v {
			t.Errorf("parameter %s = %q; want %q", k, tb.Parameters[k], v)
		}
	}
	if tb.Location != env.store.URL()+"/trades" || tb.Classification != "parquet" || tb.Version != 1 {
		t.Errorf("table = %+v", tb)
	}
	ps, err := env.cat.Partitions(context.Background(), "", "trades")
	if err != nil || len(ps) != 2 || ps[0].Rows != 3 || ps[1].Rows != 2 || ps[1].Values[1] != "15" {
		t.Errorf("partitions = %+v, %v", ps, err)
	}
	fs, err := env.cat.Files(context.Background(), "", "trades")
	if err != nil || len(fs) != 2 || fs[0].Key != keyA || fs[0].Rows != 3 || fs[0].Bytes == 0 {
		t.Errorf("files = %+v, %v", fs, err)
	}
}

func TestCrawlIsIncremental(t *testing.T) {
	env := newTestEnv(t)
	env.put(t, keyA, parquetOf(t, trades(3)...))
	env.crawl(t)
	reads := env.store.reads.Load()

	rep := env.crawl(t)
	if rep.FilesNew != 0 || rep.FilesSeen != 1 {
		t.Errorf("second crawl report = %+v; want 1 seen, 0 new", rep)
	}
	if got := env.store.reads.Load(); got != reads {
		t.Errorf("second crawl read %d footers; want 0", got-reads)
	}
	if got := env.metric(t, "ticklake_crawler_files_registered_total"); got != 1 {
		t.Errorf("files registered = %v; want 1", got)
	}
	if got := env.metric(t, "ticklake_crawler_crawls_total"); got != 2 {
		t.Errorf("crawls = %v; want 2", got)
	}
	if got := env.metric(t, "ticklake_crawler_crawl_seconds"); got != 2 {
		t.Errorf("crawl_seconds samples = %v; want 2", got)
	}
}

func TestCrawlWidensSchema(t *testing.T) {
	env := newTestEnv(t)
	env.put(t, keyA, parquetOf(t, trades(3)...))
	env.crawl(t)
	env.put(t, keyB, parquetOf(t, tradeV2{Symbol: "ACME", Size: 1 << 40, Venue: "XNAS"}))

	if rep := env.crawl(t); rep.FilesNew != 1 {
		t.Fatalf("report = %+v; want 1 new file", rep)
	}
	tb := env.table(t, "trades")
	want := append(slices.Clone(wantTradeCols), "venue:string")
	want[2] = "size:bigint"
	if got := typesOf(tb.Columns); !slices.Equal(got, want) {
		t.Errorf("columns = %v; want %v", got, want)
	}
	if tb.Version != 2 || tb.Parameters[catalog.ParamRecordCount] != "4" {
		t.Errorf("version %d, record_count %s; want 2 and 4", tb.Version, tb.Parameters[catalog.ParamRecordCount])
	}
}

func TestCrawlReportsBadObjects(t *testing.T) {
	env := newTestEnv(t)
	good := parquetOf(t, trades(3)...)
	bad := map[string][]byte{
		"trades/dt=2026-11-02/hr=14/empty.parquet":     {},
		"trades/dt=2026-11-02/hr=14/garbage.parquet":   []byte("this is not parquet at all, not even close"),
		"trades/dt=2026-11-02/hr=14/truncated.parquet": good[:len(good)/2],
		"trades/x.parquet":                             good, // no partition folders
	}
	env.put(t, keyA, good)
	for k, v := range bad {
		env.put(t, k, v)
	}
	rep := env.crawl(t)
	if rep.FilesNew != 1 || len(rep.Errors) != len(bad) {
		t.Fatalf("report = %+v; want 1 new and %d errors", rep, len(bad))
	}
	for _, e := range rep.Errors {
		t.Log(e)
		if _, ok := bad[e.Key]; !ok || e.Err == "" {
			t.Errorf("unexpected error %+v", e)
		}
	}
	if fs, _ := env.cat.Files(context.Background(), "", "trades"); len(fs) != 1 || fs[0].Key != keyA {
		t.Errorf("registered files = %+v; want only %s", fs, keyA)
	}
	if got := env.metric(t, "ticklake_crawler_errors_total"); got != float64(len(bad)) {
		t.Errorf("errors metric = %v; want %d", got, len(bad))
	}
	// Bad objects are not re-read while unchanged, yet still reported.
	reads := env.store.reads.Load()
	if rep := env.crawl(t); len(rep.Errors) != len(bad) || env.store.reads.Load() != reads {
		t.Errorf("second crawl: %d errors, %d reads; want %d errors, 0 reads", len(rep.Errors), env.store.reads.Load()-reads, len(bad))
	}
}

func TestCrawlRootTable(t *testing.T) {
	env := newTestEnv(t)
	env.put(t, "loose.parquet", parquetOf(t, trades(2)...))
	if rep := env.crawl(t); rep.FilesNew != 1 {
		t.Fatalf("report = %+v", rep)
	}
	tb := env.table(t, "root")
	if len(tb.PartitionKeys) != 0 || tb.Location != env.store.URL() || tb.Parameters[catalog.ParamRecordCount] != "2" {
		t.Errorf("root table = %+v", tb)
	}
}

func TestRegister(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	env.put(t, keyA, parquetOf(t, trades(3)...))
	env.put(t, keyQ, parquetOf(t, trades(1)...))
	env.put(t, "trades/dt=2026-11-02/hr=14/bad.parquet", []byte("not parquet, definitely not"))
	env.put(t, "_dead_letters/x.parquet", []byte("x"))

	if err := env.c.Register(ctx, []string{keyA, keyQ, "_dead_letters/x.parquet"}); err != nil {
		t.Fatal(err)
	}
	for name, rows := range map[string]string{"trades": "3", "quotes": "1"} {
		if tb := env.table(t, name); tb.Parameters[catalog.ParamRecordCount] != rows {
			t.Errorf("%s record_count = %s; want %s", name, tb.Parameters[catalog.ParamRecordCount], rows)
		}
	}
	reads := env.store.reads.Load()
	if err := env.c.Register(ctx, []string{keyA}); err != nil || env.store.reads.Load() != reads {
		t.Errorf("registering a known file again: %v, %d reads", err, env.store.reads.Load()-reads)
	}
	tests := []struct {
		name, key, want string
	}{
		{"missing", "trades/dt=2026-11-02/hr=14/missing.parquet", "does not exist"},
		{"corrupt", "trades/dt=2026-11-02/hr=14/bad.parquet", "bad.parquet: not a readable Parquet file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := env.c.Register(ctx, []string{tt.key})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Register(%s) = %v; want error containing %q", tt.key, err, tt.want)
			}
		})
	}
}

func TestRegisterDuringCrawl(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	var keys []string
	for i := range 20 {
		key := strings.Replace(keyA, "00000000000000000002", strings.Repeat("0", 18)+string(rune('a'+i))+"x", 1)
		env.put(t, key, parquetOf(t, trades(1)...))
		keys = append(keys, key)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(keys))
	for _, key := range keys {
		wg.Add(2)
		go func() { defer wg.Done(); errs <- env.c.Register(ctx, []string{key}) }()
		go func() { defer wg.Done(); _, err := env.c.Crawl(ctx); errs <- err }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	tb := env.table(t, "trades")
	if tb.Parameters[catalog.ParamObjectCount] != "20" || tb.Parameters[catalog.ParamRecordCount] != "20" || tb.Version != 1 {
		t.Errorf("table after concurrent registration = %+v", tb)
	}
}

func TestRun(t *testing.T) {
	env := newTestEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- env.c.Run(ctx, 5*time.Millisecond) }()
	for deadline := time.Now().Add(5 * time.Second); env.metric(t, "ticklake_crawler_crawls_total") < 2; {
		if time.Now().After(deadline) {
			t.Fatal("Run did not crawl twice within 5s")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after cancel; want nil", err)
	}
	if err := env.c.Run(context.Background(), 0); err == nil {
		t.Error("Run(0) did not fail")
	}
	reports := make(chan Report, 1)
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go env.c.RunReports(ctx, time.Hour, func(r Report) { reports <- r })
	select {
	case r := <-reports:
		if r.Duration <= 0 {
			t.Errorf("report = %+v; want a crawl's report", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunReports handed no report within 5s")
	}
}

func TestNewValidates(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"empty database", Config{RootTable: "root"}, "Database"},
		{"bad root table", Config{Database: catalog.DefaultDatabase, RootTable: "Root Table"}, "RootTable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(env.store, env.cat, tt.cfg, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v; want error naming %s", err, tt.want)
			}
		})
	}
	if _, err := New(env.store, env.cat, DefaultConfig(), nil, env.reg); err == nil {
		t.Error("registering the metrics twice did not fail")
	}
	if _, err := New(nil, env.cat, DefaultConfig(), nil, nil); err == nil {
		t.Error("nil store accepted")
	}
}
