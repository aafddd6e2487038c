package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestQueryTutorialLake runs docs/query.md's example: the tutorial's
// stock_market_N.json objects crawled, then queried by their normalised
// column names.
func TestQueryTutorialLake(t *testing.T) {
	lakeDir, cat := t.TempDir(), filepath.Join(t.TempDir(), "tutorial.db")
	for i, r := range []struct {
		index    string
		adjClose float64
	}{{"HSI", 2568.3}, {"HSI", 2600.5}, {"NYA", 528.69}} {
		obj := fmt.Sprintf("{\n  \"Index\": %q, \"Date\": \"1986-12-%02d\", \"Adj Close\": %v, \"CloseUSD\": %v\n}\n", r.index, 29+i, r.adjClose, r.adjClose/2)
		if err := os.WriteFile(filepath.Join(lakeDir, fmt.Sprintf("stock_market_%d.json", i)), []byte(obj), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := runQueryCLI(t, "", "crawl", "--lake", lakeDir, "--catalog", cat, "--root-table", "stock_market"); code != 0 {
		t.Fatalf("crawl: exit %d: %s", code, stderr)
	}
	tests := []struct{ name, sql, want string }{
		{"average per index", `SELECT "index", avg(closeusd) AS usd FROM stock_market GROUP BY 1 ORDER BY 1`, "index,usd\nHSI,1292.2\nNYA,264.345\n"},
		{"adj_close", `SELECT adj_close FROM stock_market WHERE "date" = '1986-12-29'`, "adj_close\n2568.3\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// No --lake: the catalog says where the lake is.
			code, stdout, stderr := runQueryCLI(t, "", "query", "--catalog", cat, "--no-history", "-f", "csv", tt.sql)
			if code != 0 || stdout != tt.want {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, tt.want)
			}
		})
	}
}
