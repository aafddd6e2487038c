package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/duckdb/duckdb-go/v2"
)

func TestExpandAthenaViews(t *testing.T) {
	const bars = `WITH bars_1m AS (SELECT symbol, date_trunc('minute', ts) AS minute, `
	tests := []struct {
		name, sql string
		prefix    string // the expansion starts so ("" = sent as written)
		rest      string // and ends so
		views     []string
	}{
		{name: "a table alone is sent as written", sql: "SELECT count(*) FROM trades"},
		{name: "bars_1m", sql: "SELECT * FROM bars_1m WHERE symbol = 'AAPL'", prefix: bars,
			rest: ") AS trades FROM \"ticklake\".\"trades\" GROUP BY 1, 2)\nSELECT * FROM bars_1m WHERE symbol = 'AAPL'", views: []string{"bars_1m"}},
		{name: "both, qualified by the database", sql: "select * from ticklake.daily d join TICKLAKE.bars_1m b on b.symbol = d.symbol",
			prefix: bars, rest: "\nselect * from daily d join bars_1m b on b.symbol = d.symbol", views: []string{"bars_1m", "daily"}},
		{name: "qualified by catalog and database, quoted", sql: `SELECT * FROM awsdatacatalog."ticklake"."Daily"`,
			prefix: "WITH daily AS (", rest: ")\nSELECT * FROM \"Daily\"", views: []string{"daily"}},
		{name: "after the statement's own WITH", sql: "WITH x AS (SELECT 1 AS a) SELECT * FROM daily, x",
			prefix: "WITH daily AS (", rest: " d),\n x AS (SELECT 1 AS a) SELECT * FROM daily, x", views: []string{"daily"}},
		{name: "after WITH RECURSIVE", sql: "WITH RECURSIVE x(a) AS (SELECT 1) SELECT * FROM bars_1m, x",
			prefix: "WITH RECURSIVE bars_1m AS (", rest: ",\n x(a) AS (SELECT 1) SELECT * FROM bars_1m, x", views: []string{"bars_1m"}},
		{name: "the statement's own daily wins", sql: "WITH daily AS (SELECT 1 AS a) SELECT * FROM daily"},
		{name: "names in literals and comments", sql: "SELECT 'daily', \"x\" -- bars_1m\nFROM trades /* daily */"},
		{name: "a column of an alias", sql: "SELECT d.daily FROM trades d"},
		{name: "another database's table", sql: "SELECT * FROM other.daily"},
		{name: "a function of that name", sql: "SELECT daily(1)"},
		{name: "not a query", sql: "EXPLAIN SELECT * FROM daily"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, shift := expandAthenaViews(tt.sql, "ticklake")
			if tt.prefix == "" {
				if got != tt.sql || shift != 0 {
					t.Fatalf("got %q (shift %d), want it sent as written", got, shift)
				}
				return
			}
			if !strings.HasPrefix(got, tt.prefix) || !strings.HasSuffix(got, tt.rest) || shift != 1 {
				t.Fatalf("got %q (shift %d)\nwant it to start %q and end %q", got, shift, tt.prefix, tt.rest)
			}
			for _, v := range athenaMarketViews {
				want := strings.Contains(strings.Join(tt.views, " "), v.name)
				if strings.Contains(got, v.name+" AS (") != want {
					t.Errorf("%s defined: %v, want %v", v.name, !want, want)
				}
			}
		})
	}
}

// TestAthenaViewsAnswerLikeTheEngine runs the Trino definitions on DuckDB
// (Trino's with_timezone given as a macro: the rest of them is SQL both
// dialects share) over the trades the engine reads, and compares their
// answers with the engine's market views.
func TestAthenaViewsAnswerLikeTheEngine(t *testing.T) {
	te, _ := newPrunedEngines(t)
	// Trades of New York's evening of 2026-11-03, UTC's 4th, two in one
	// minute: the day is New York's and the bar opens with the first.
	late := time.Date(2026, 11, 4, 2, 0, 10, 0, time.UTC)
	addFile(t, te, "trades/dt=2026-11-04/hr=02/trades-0-00000000000000000100-00000000000000000101.parquet", []tradeV1{
		{Symbol: "AAPL", Ts: late.UnixNano(), Price: 121, Size: 1},
		{Symbol: "AAPL", Ts: late.Add(40 * time.Second).UnixNano(), Price: 120, Size: 3},
	})
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	files := filepath.Join(te.store.Root(), "trades", "*", "*", "*.parquet")
	for _, s := range []string{
		"SET TimeZone = 'UTC'",
		"CREATE SCHEMA ticklake",
		"CREATE TABLE ticklake.trades AS SELECT symbol, CAST(ts AS TIMESTAMP) AS ts, price, size FROM read_parquet(" + quoteLiteral(files) + ")",
		"CREATE MACRO with_timezone(t, z) AS timezone(z, t)",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for _, q := range []string{
		"SELECT * FROM bars_1m ORDER BY symbol, minute",
		`SELECT * FROM daily ORDER BY symbol, day`,
		`SELECT symbol, close, "return" FROM daily WHERE day = '2026-11-03' ORDER BY symbol`,
	} {
		t.Run(q, func(t *testing.T) {
			want, _ := json.Marshal(mustQuery(t, te.Engine, q).Rows)
			expanded, _ := expandAthenaViews(q, "ticklake")
			res := queryDriver(t, db, expanded)
			got, _ := json.Marshal(res.Rows)
			if string(got) != string(want) || !strings.Contains(string(got), "120") {
				t.Errorf("Athena's definition answers\n%s\nthe engine\n%s", got, want)
			}
		})
	}
}

// queryDriver runs q on db and collects its rows as the engine does.
func queryDriver(t *testing.T, db *sql.DB, q string) *Result {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var res *Result
	err = conn.Raw(func(dc any) error {
		st, err := dc.(*duckdb.Conn).Prepare(q)
		if err != nil {
			return err
		}
		defer st.Close()
		rows, err := st.(*duckdb.Stmt).QueryContext(context.Background(), nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		res, err = collect(rows, 1000)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return res
}

// sentAthena records the statement submitted to a scripted Athena.
type sentAthena struct {
	*scriptedAthena
	sent string
}

func (s *sentAthena) StartQueryExecution(ctx context.Context, in *athena.StartQueryExecutionInput, o ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error) {
	s.sent = aws.ToString(in.QueryString)
	return s.scriptedAthena.StartQueryExecution(ctx, in, o...)
}

func TestAthenaSendsMarketViews(t *testing.T) {
	t.Run("the statement sent defines the view it names", func(t *testing.T) {
		api := &sentAthena{scriptedAthena: &scriptedAthena{states: []types.QueryExecutionStatus{state(types.QueryExecutionStateSucceeded, "", 0)},
			pages: []*types.ResultSet{page("x", "1")}}}
		if _, err := newAthena(api, AthenaConfig{Database: "market", PollInterval: 1}, nil).Query(context.Background(), "SELECT * FROM bars_1m"); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(api.sent, "WITH bars_1m AS (") || !strings.Contains(api.sent, `FROM "market"."trades"`) ||
			!strings.HasSuffix(api.sent, "\nSELECT * FROM bars_1m") {
			t.Errorf("sent %q", api.sent)
		}
	})
	t.Run("Athena's error positions point into the user's statement", func(t *testing.T) {
		api := &sentAthena{scriptedAthena: &scriptedAthena{states: []types.QueryExecutionStatus{
			state(types.QueryExecutionStateFailed, "line 2:8: Column 'nope' cannot be resolved", athenaUserError)}}}
		_, err := newAthena(api, AthenaConfig{PollInterval: 1}, nil).Query(context.Background(), "SELECT nope FROM daily")
		if !errors.Is(err, ErrBadQuery) || !strings.HasSuffix(err.Error(), "failed: line 1:8: Column 'nope' cannot be resolved") {
			t.Fatalf("err = %v, want the position in the statement as written (line 1:8)", err)
		}
	})
}

// motoRecordsExpandedViews checks, on TestAthenaOnMoto's server, that the
// statement Athena records defines the market view the user's names.
func motoRecordsExpandedViews(t *testing.T, m *motoAthena) {
	const q = "SELECT symbol, close FROM market.daily WHERE day = DATE '2026-11-03'"
	res, err := m.runner.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.client.GetQueryExecution(context.Background(), &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(res.Stats.QueryID)})
	if err != nil {
		t.Fatal(err)
	}
	sent := aws.ToString(out.QueryExecution.Query)
	if !strings.HasPrefix(sent, "WITH daily AS (") || !strings.Contains(sent, `FROM "market"."trades"`) ||
		!strings.HasSuffix(sent, "\nSELECT symbol, close FROM daily WHERE day = DATE '2026-11-03'") {
		t.Errorf("moto recorded %q", sent)
	}
}
