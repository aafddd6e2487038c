package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog/glue/gluetest"
)

// newTutorialLake lays out a lake the way the tutorial left its bucket:
// stock_market_N.json objects at the root, one record each.
func newTutorialLake(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		body := fmt.Sprintf(`{"Index": "HSI", "Date": "1986-12-31", "Open": 2568.3, "High": 2568.3, "Low": 2568.3, `+
			`"Close": 2568.3, "Adj Close": 2568.3, "Volume": 0.0, "CloseUSD": 333.%d}`, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("stock_market_%d.json", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// run runs ticklake with args and returns its output, failing on an error.
func run(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := Main(append(args, "--log-level", "error"), nil, &out, &errOut); code != 0 {
		t.Fatalf("ticklake %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

func TestCrawlTablesDescribe(t *testing.T) {
	catalogs := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "catalog.db") },
		"glue": func(t *testing.T) string {
			endpoint := gluetest.StartMoto(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "testing")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
			return "glue://?region=" + gluetest.Region + "&endpoint=" + endpoint
		},
	}
	for name, newCatalog := range catalogs {
		t.Run(name, func(t *testing.T) {
			lakeDir, cat := newTutorialLake(t, 3), newCatalog(t)
			dry := run(t, "crawl", "--lake", lakeDir, "--catalog", cat, "--root-table", "stock_market", "--dry-run")
			if !strings.Contains(dry, "dry run: would crawl 1 tables: 3 files seen, 3 new") {
				t.Errorf("dry run printed %q", dry)
			}
			if tables := run(t, "tables", "--catalog", cat); strings.Contains(tables, "stock_market") {
				t.Errorf("a dry run registered a table: %q", tables)
			}
			out := run(t, "crawl", "--lake", lakeDir, "--catalog", cat, "--root-table", "stock_market")
			if !strings.Contains(out, "crawled 1 tables: 3 files seen, 3 new") {
				t.Errorf("crawl printed %q", out)
			}
			tables := run(t, "tables", "--catalog", cat)
			if !strings.Contains(tables, "stock_market  json") {
				t.Errorf("tables printed %q", tables)
			}
			desc := run(t, "describe", "stock_market", "--catalog", cat)
			for _, want := range []string{"format      json", "adj_close  double", "Adj Close", "0 partitions, 3 files, 3 rows",
				"last crawl", "3 files seen, 3 new"} {
				if !strings.Contains(desc, want) {
					t.Errorf("describe lacks %q:\n%s", want, desc)
				}
			}
		})
	}
}

func TestCrawlRejectsBadDeleteBehavior(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Main([]string{"crawl", "--lake", t.TempDir(), "--catalog", filepath.Join(t.TempDir(), "c.db"),
		"--delete-behavior", "purge"}, nil, &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "use log, delete or deprecate") {
		t.Errorf("exit %d, stderr %q; want an error naming the valid behaviors", code, errOut.String())
	}
}
