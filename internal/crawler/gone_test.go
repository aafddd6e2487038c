package crawler

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog"
)

func TestDeleteBehavior(t *testing.T) {
	tests := []struct {
		name        string
		behavior    DeleteBehavior
		wantFiles   int // files of trades left in the catalog
		wantParts   int
		wantRemoved int
		wantQuotes  string // "", "deprecated" or "deleted"
	}{
		{"log", DeleteLog, 2, 2, 0, ""},
		{"delete", DeleteRemove, 1, 1, 2, "deleted"},
		{"deprecate", DeleteDeprecate, 1, 1, 2, "deprecated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.DeleteBehavior = tt.behavior
			env := newTestEnvWith(t, cfg)
			ctx := context.Background()
			env.put(t, keyA, parquetOf(t, trades(3)...))
			env.put(t, keyB, parquetOf(t, trades(2)...))
			env.put(t, keyQ, parquetOf(t, trades(1)...))
			env.crawl(t)
			for _, k := range []string{keyB, keyQ} {
				if err := env.store.Delete(ctx, k); err != nil {
					t.Fatal(err)
				}
			}
			rep := env.crawl(t)
			if rep.FilesMissing != 1 || rep.FilesRemoved != tt.wantRemoved || !slices.Equal(rep.TablesGone, []string{"quotes"}) {
				t.Errorf("report = %+v; want 1 missing, %d removed, quotes gone", rep, tt.wantRemoved)
			}
			if got := env.metric(t, "ticklake_crawler_files_removed_total"); got != float64(tt.wantRemoved) {
				t.Errorf("files removed metric = %v; want %d", got, tt.wantRemoved)
			}
			fs, _ := env.cat.Files(ctx, "", "trades")
			ps, _ := env.cat.Partitions(ctx, "", "trades")
			if len(fs) != tt.wantFiles || len(ps) != tt.wantParts {
				t.Errorf("trades has %d files, %d partitions; want %d, %d", len(fs), len(ps), tt.wantFiles, tt.wantParts)
			}
			if tb := env.table(t, "trades"); tb.Parameters[catalog.ParamObjectCount] != map[bool]string{true: "2", false: "1"}[tt.behavior == DeleteLog] {
				t.Errorf("trades object count = %s", tb.Parameters[catalog.ParamObjectCount])
			}
			q, err := env.cat.Table(ctx, "", "quotes")
			switch tt.wantQuotes {
			case "deleted":
				if !errors.Is(err, catalog.ErrNotFound) {
					t.Errorf("quotes still there: %+v, %v", q, err)
				}
			case "deprecated":
				qf, _ := env.cat.Files(ctx, "", "quotes")
				if err != nil || q.Parameters[catalog.ParamDeprecated] == "" || len(qf) != 0 {
					t.Errorf("quotes = %+v (%d files), %v; want it deprecated with no files", q, len(qf), err)
				}
				// The table comes back when data does.
				env.put(t, keyQ+"2.parquet", parquetOf(t, trades(1)...))
				env.crawl(t)
				if q := env.table(t, "quotes"); q.Parameters[catalog.ParamDeprecated] != "" || q.Parameters[catalog.ParamObjectCount] != "1" {
					t.Errorf("quotes after new data = %+v", q.Parameters)
				}
			default:
				if err != nil || q.Parameters[catalog.ParamDeprecated] != "" {
					t.Errorf("quotes = %+v, %v; want it untouched", q, err)
				}
			}
		})
	}
}

func TestDryRun(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DryRun = true
	env := newTestEnvWith(t, cfg)
	env.put(t, keyA, parquetOf(t, trades(3)...))
	rep := env.crawl(t)
	if !rep.DryRun || rep.FilesNew != 1 || rep.Tables != 1 {
		t.Errorf("report = %+v; want a dry run finding 1 new file", rep)
	}
	if ts, err := env.cat.Tables(context.Background(), ""); err != nil || len(ts) != 0 {
		t.Errorf("a dry run wrote tables %+v, %v", ts, err)
	}
	if cs, _ := env.cat.Crawls(context.Background(), "", 10); len(cs) != 0 {
		t.Errorf("a dry run recorded crawls %+v", cs)
	}
}

// TestRegisterKeepsItsIndex is the event path of `up`: each Register must
// not re-read the table's whole file list from the catalog.
func TestRegisterKeepsItsIndex(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	env.put(t, keyA, parquetOf(t, trades(1)...))
	env.crawl(t)
	lists := env.cat.fileLists.Load()
	for i := range 20 {
		key := keyA + string(rune('a'+i)) + ".parquet"
		env.put(t, key, parquetOf(t, trades(1)...))
		if err := env.c.Register(ctx, []string{key}); err != nil {
			t.Fatal(err)
		}
	}
	env.crawl(t)
	if got := env.cat.fileLists.Load() - lists; got != 0 {
		t.Errorf("20 registrations and a crawl read the file list %d times; want 0", got)
	}
	if tb := env.table(t, "trades"); tb.Parameters[catalog.ParamObjectCount] != "21" {
		t.Errorf("object count = %s; want 21", tb.Parameters[catalog.ParamObjectCount])
	}
	cs, err := env.cat.Crawls(ctx, "", 10)
	if err != nil || len(cs) != 2 || cs[1].FilesNew != 1 || cs[0].FilesSeen != 21 {
		t.Errorf("crawl history = %+v, %v", cs, err)
	}
}
