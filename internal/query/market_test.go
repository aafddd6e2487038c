package query

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/catalog"
)

type quoteRow struct {
	Symbol  string  `parquet:"symbol"`
	Ts      int64   `parquet:"ts,timestamp(nanosecond:local)"`
	Bid     float64 `parquet:"bid"`
	Ask     float64 `parquet:"ask"`
	BidSize int64   `parquet:"bid_size"`
	AskSize int64   `parquet:"ask_size"`
}

// newMarketEngines adds to the pruned engines' lake one AAPL trade at
// 2026-11-04 01:00 UTC, which is 20:00 of 2026-11-03 in New York, and
// quotes for the examples.
func newMarketEngines(t *testing.T) (*testEngine, *Engine) {
	te, full := newPrunedEngines(t)
	late := time.Date(2026, 11, 4, 1, 0, 0, 0, time.UTC)
	addFile(t, te, "trades/dt=2026-11-04/hr=01/trades-1-00000000000000000000-00000000000000000000.parquet",
		[]tradeV1{{Symbol: "AAPL", Ts: late.UnixNano(), Price: 232, Size: 1}})
	keys := []catalog.Column{{Name: "dt", Type: "date"}, {Name: "hr", Type: "int"}}
	if err := te.cat.PutTable(t.Context(), catalog.Table{Database: catalog.DefaultDatabase, Name: "quotes", Classification: "parquet",
		PartitionKeys: keys, Columns: []catalog.Column{{Name: "symbol", Type: "string"}, {Name: "ts", Type: "timestamp"},
			{Name: "bid", Type: "double"}, {Name: "ask", Type: "double"}, {Name: "bid_size", Type: "bigint"}, {Name: "ask_size", Type: "bigint"}}}); err != nil {
		t.Fatal(err)
	}
	q := time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC)
	addQuotes(t, te, "quotes/dt=2026-11-02/hr=14/quotes-0-00000000000000000000-00000000000000000001.parquet", []quoteRow{
		{"AAPL", q.UnixNano(), 113.99, 114.01, 100, 200}, {"AAPL", q.Add(time.Minute).UnixNano(), 113.98, 114.02, 300, 100},
	})
	return te, full
}

func addQuotes(t *testing.T, te *testEngine, key string, rows []quoteRow) {
	t.Helper()
	addFile(t, te, key, rows)
}

func TestMarketViews(t *testing.T) {
	te, full := newMarketEngines(t)
	remote, _ := newRemoteEngine(t, te, noLocal{te.store}, "")
	tests := []struct {
		name  string
		sql   string
		want  string
		files int
	}{
		{"bars of one hour", "SELECT minute, open, high, low, close, volume, vwap, trades FROM bars_1m WHERE symbol = 'AAPL' AND minute >= '2026-11-02 14:00' AND minute < '2026-11-02 15:00'",
			`[["2026-11-02T14:10:00Z",114,114,114,114,2,114,1]]`, 1},
		{"bars of one minute", "SELECT symbol, close FROM bars_1m WHERE minute = TIMESTAMP '2026-11-03 16:59' ORDER BY 1",
			`[["MSFT",216]]`, 1},
		{"bars with an alias and between", "SELECT count(*) FROM bars_1m AS b WHERE b.minute BETWEEN '2026-11-02 13:00' AND '2026-11-02 13:59:59'",
			`[[2]]`, 1},
		{"bars unfiltered", "SELECT count(*), sum(trades) FROM bars_1m", `[[17,17]]`, 9},
		{"daily across the UTC date", `SELECT day, open, high, low, close, volume, trades, prev_close, "return" FROM daily WHERE symbol = 'AAPL' AND day = '2026-11-03'`,
			`[["2026-11-03",113,232,113,232,13,5,116,1]]`, 9},
		{"daily upper bound prunes", `SELECT day, close, "return" FROM daily WHERE symbol = 'MSFT' AND day <= '2026-11-02'`,
			`[["2026-11-02",216,null]]`, 4},
		{"CTE named trades does not capture the view", `WITH trades AS (SELECT 1 AS x) SELECT count(*) FROM bars_1m, trades`, `[[17]]`, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, e := range []*Engine{te.Engine, full, remote} {
				res := mustQuery(t, e, tt.sql)
				if g, _ := json.Marshal(res.Rows); string(g) != tt.want {
					t.Fatalf("rows %s, want %s", g, tt.want)
				}
				if e == te.Engine && res.Stats.FilesScanned != tt.files {
					t.Fatalf("files scanned %d, want %d (%+v)", res.Stats.FilesScanned, tt.files, res.Stats.Tables)
				}
			}
		})
	}
	res := mustQuery(t, te.Engine, "DESCRIBE bars_1m")
	if g, _ := json.Marshal(res.Rows); !strings.Contains(string(g), `"minute","TIMESTAMP"`) {
		t.Fatalf("describe = %s", g)
	}
}

// TestDocExamples runs every SQL example of docs/query.md.
func TestDocExamples(t *testing.T) {
	te, _ := newMarketEngines(t)
	doc, err := os.ReadFile("../../docs/query.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 3 {
		t.Fatalf("docs/query.md has %d SQL examples", len(blocks))
	}
	for _, b := range blocks {
		sql := strings.TrimSpace(b[1])
		name := strings.SplitN(sql, "\n", 2)[0]
		t.Run(name, func(t *testing.T) {
			res := mustQuery(t, te.Engine, sql)
			if len(res.Rows) == 0 {
				t.Fatal("no rows")
			}
		})
	}
}
