package query

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/ticklake/ticklake/internal/catalog/glue/gluetest"
)

// countingAthena counts the calls made to a real client.
type countingAthena struct {
	athenaAPI
	mu     sync.Mutex
	calls  map[string]int
	states []string // the states GetQueryExecution answered, in turn
}

func (c *countingAthena) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
}

func (c *countingAthena) n(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

func (c *countingAthena) GetQueryExecution(ctx context.Context, in *athena.GetQueryExecutionInput, o ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error) {
	c.count("GetQueryExecution")
	out, err := c.athenaAPI.GetQueryExecution(ctx, in, o...)
	if err == nil && out.QueryExecution != nil && out.QueryExecution.Status != nil {
		c.mu.Lock()
		c.states = append(c.states, string(out.QueryExecution.Status.State))
		c.mu.Unlock()
	}
	return out, err
}

func (c *countingAthena) GetQueryResults(ctx context.Context, in *athena.GetQueryResultsInput, o ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error) {
	c.count("GetQueryResults")
	return c.athenaAPI.GetQueryResults(ctx, in, o...)
}

type motoAthena struct {
	endpoint string
	client   *athena.Client
	counted  *countingAthena
	runner   *Athena
}

// newTestMotoAthena starts moto and opens a runner on it, as the CLI does,
// with its client's calls counted.
func newTestMotoAthena(t *testing.T, cfg AthenaConfig) *motoAthena {
	t.Helper()
	endpoint := gluetest.StartMoto(t)
	cfg.Region, cfg.Endpoint = gluetest.Region, endpoint
	cfg.Credentials = credentials.NewStaticCredentialsProvider("testing", "testing", "")
	cfg.PollInterval = time.Millisecond
	r, err := OpenAthena(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := r.client.(*athena.Client)
	counted := &countingAthena{athenaAPI: client, calls: map[string]int{}}
	r.client = counted
	return &motoAthena{endpoint: endpoint, client: client, counted: counted, runner: r}
}

// post sends a moto control request.
func (m *motoAthena) post(t *testing.T, path string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(m.endpoint+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("moto %s: status %d", path, resp.StatusCode)
	}
}

func mcell(s string) map[string]string { return map[string]string{"VarCharValue": s} }

func TestAthenaOnMoto(t *testing.T) {
	m := newTestMotoAthena(t, AthenaConfig{Workgroup: "primary", OutputLocation: "s3://results/ticklake/", Database: "market"})
	// moto runs no SQL: it answers the next query with this result set,
	// laid out as Athena's (the first row of a SELECT holds the labels).
	colInfo := func(name, typ string, prec, scale int) map[string]any {
		return map[string]any{"Name": name, "Label": name, "Type": typ, "Precision": prec, "Scale": scale, "Nullable": "NULLABLE"}
	}
	m.post(t, "/moto-api/static/athena/query-results", map[string]any{"region": gluetest.Region, "results": []any{map[string]any{
		"column_info": []any{colInfo("symbol", "varchar", 0, 0), colInfo("n", "bigint", 19, 0), colInfo("big", "bigint", 19, 0),
			colInfo("px", "double", 17, 0), colInfo("ts", "timestamp", 3, 0), colInfo("amount", "decimal", 18, 3),
			colInfo("halted", "boolean", 0, 0), colInfo("dt", "date", 0, 0)},
		"rows": []any{
			map[string]any{"Data": []any{mcell("symbol"), mcell("n"), mcell("big"), mcell("px"), mcell("ts"), mcell("amount"), mcell("halted"), mcell("dt")}},
			map[string]any{"Data": []any{mcell("AAPL"), mcell("42"), mcell("9007199254740993"), mcell("NaN"), mcell("2026-11-02 14:30:00.123"), mcell("12.500"), mcell("true"), mcell("2026-11-02")}},
			map[string]any{"Data": []any{mcell("MSFT"), map[string]any{}, mcell("1"), mcell("1.5"), map[string]any{}, mcell("0.001"), mcell("false"), map[string]any{}}},
		},
	}}})
	// Executions stay QUEUED, then RUNNING, for two status checks each.
	m.post(t, "/moto-api/state-manager/set-transition", map[string]any{
		"model_name": "athena::execution", "transition": map[string]any{"progression": "manual", "times": 2}})
	const sql = "SELECT symbol, count(*) AS n FROM trades GROUP BY 1"
	res, err := m.runner.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("columns typed as the embedded engine's", func(t *testing.T) {
		var got []string
		for _, c := range res.Columns {
			got = append(got, c.Name+" "+c.Type)
		}
		want := "symbol VARCHAR,n BIGINT,big BIGINT,px DOUBLE,ts TIMESTAMP,amount DECIMAL(18,3),halted BOOLEAN,dt DATE"
		if strings.Join(got, ",") != want {
			t.Errorf("columns = %s, want %s", strings.Join(got, ","), want)
		}
	})
	t.Run("header row dropped, values JSON-safe", func(t *testing.T) {
		b, err := json.Marshal(res.Rows)
		if err != nil {
			t.Fatal(err)
		}
		want := `[["AAPL",42,"9007199254740993",null,"2026-11-02T14:30:00.123Z",12.500,true,"2026-11-02"],` +
			`["MSFT",null,1,1.5,null,0.001,false,null]]`
		if string(b) != want {
			t.Errorf("rows = %s\nwant   %s", b, want)
		}
	})
	t.Run("polled until SUCCEEDED", func(t *testing.T) {
		got := strings.Join(m.counted.states, " ")
		if !strings.HasPrefix(got, "QUEUED") || !strings.Contains(got, "RUNNING") || !strings.HasSuffix(got, "SUCCEEDED") ||
			strings.Count(got, "SUCCEEDED") != 1 {
			t.Errorf("states seen = %s; want QUEUED ... RUNNING ... SUCCEEDED, stopping at SUCCEEDED", got)
		}
		if n := m.counted.n("GetQueryResults"); n != 1 {
			t.Errorf("GetQueryResults called %d times, want 1 (moto sends one page)", n)
		}
	})
	t.Run("submitted with workgroup, database and output location", func(t *testing.T) {
		out, err := m.client.GetQueryExecution(context.Background(), &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(res.Stats.QueryID)})
		if err != nil {
			t.Fatal(err)
		}
		q := out.QueryExecution
		if aws.ToString(q.Query) != sql || aws.ToString(q.QueryExecutionContext.Database) != "market" ||
			aws.ToString(q.QueryExecutionContext.Catalog) != "AwsDataCatalog" {
			t.Errorf("query %q in %+v", aws.ToString(q.Query), q.QueryExecutionContext)
		}
		if loc := aws.ToString(q.ResultConfiguration.OutputLocation); !strings.HasPrefix(loc, "s3://results/ticklake/") {
			t.Errorf("output location %q", loc)
		}
	})
	t.Run("stats name Athena", func(t *testing.T) {
		if res.Stats.Engine != "athena" || res.Stats.QueryID == "" || res.Stats.RowsReturned != 2 {
			t.Errorf("stats = %+v", res.Stats)
		}
	})
	t.Run("same writers", func(t *testing.T) {
		var b bytes.Buffer
		if err := res.WriteParquet(&b); err != nil {
			t.Fatal(err)
		}
		if err := res.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("market views sent defined in a WITH", func(t *testing.T) { motoRecordsExpandedViews(t, m) })
}

func TestAthenaOnMotoErrors(t *testing.T) {
	m := newTestMotoAthena(t, AthenaConfig{Workgroup: "nope"})
	_, err := m.runner.Query(context.Background(), "SELECT 1")
	if err == nil || !strings.Contains(err.Error(), "WorkGroup does not exist") || !strings.Contains(err.Error(), "--workgroup") {
		t.Fatalf("err = %v, want moto's reason and the flag to fix", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans lines: %q", err)
	}
}

// scriptedAthena plays Athena's answers that moto cannot give: FAILED and
// CANCELLED queries, paginated results, queries that never end.
type scriptedAthena struct {
	states  []types.QueryExecutionStatus // returned in turn; the last repeats
	pages   []*types.ResultSet
	polls   int
	tokens  []string
	stopped bool
}

func (s *scriptedAthena) StartQueryExecution(context.Context, *athena.StartQueryExecutionInput, ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error) {
	return &athena.StartQueryExecutionOutput{QueryExecutionId: aws.String("q1")}, nil
}

func (s *scriptedAthena) GetQueryExecution(context.Context, *athena.GetQueryExecutionInput, ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error) {
	st := s.states[min(s.polls, len(s.states)-1)]
	s.polls++
	return &athena.GetQueryExecutionOutput{QueryExecution: &types.QueryExecution{
		Status: &st, StatementType: types.StatementTypeDml,
		Statistics: &types.QueryExecutionStatistics{EngineExecutionTimeInMillis: aws.Int64(120), DataScannedInBytes: aws.Int64(4096),
			QueryQueueTimeInMillis: aws.Int64(30), QueryPlanningTimeInMillis: aws.Int64(15)},
	}}, nil
}

func (s *scriptedAthena) GetQueryResults(_ context.Context, in *athena.GetQueryResultsInput, _ ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error) {
	s.tokens = append(s.tokens, aws.ToString(in.NextToken))
	i := len(s.tokens) - 1
	out := &athena.GetQueryResultsOutput{ResultSet: s.pages[i]}
	if i+1 < len(s.pages) {
		out.NextToken = aws.String("page" + string(rune('1'+i)))
	}
	return out, nil
}

func (s *scriptedAthena) StopQueryExecution(context.Context, *athena.StopQueryExecutionInput, ...func(*athena.Options)) (*athena.StopQueryExecutionOutput, error) {
	s.stopped = true
	return &athena.StopQueryExecutionOutput{}, nil
}

func state(st types.QueryExecutionState, reason string, category int32) types.QueryExecutionStatus {
	s := types.QueryExecutionStatus{State: st}
	if reason != "" {
		s.StateChangeReason = aws.String(reason)
		s.AthenaError = &types.AthenaError{ErrorCategory: aws.Int32(category)}
	}
	return s
}

func page(rows ...string) *types.ResultSet {
	rs := &types.ResultSet{ResultSetMetadata: &types.ResultSetMetadata{ColumnInfo: []types.ColumnInfo{
		{Name: aws.String("x"), Label: aws.String("x"), Type: aws.String("integer")}}}}
	for _, r := range rows {
		rs.Rows = append(rs.Rows, types.Row{Data: []types.Datum{{VarCharValue: aws.String(r)}}})
	}
	return rs
}

func TestAthenaScripted(t *testing.T) {
	ok := state(types.QueryExecutionStateSucceeded, "", 0)
	tests := []struct {
		name      string
		api       *scriptedAthena
		cfg       AthenaConfig
		wantRows  string
		wantErr   string
		badQuery  bool
		timeout   bool
		truncated bool
	}{
		{
			name: "results paged through NextToken, header only on the first page",
			api: &scriptedAthena{states: []types.QueryExecutionStatus{state(types.QueryExecutionStateRunning, "", 0), ok},
				pages: []*types.ResultSet{page("x", "1", "2"), page("3"), page("4", "5")}},
			wantRows: "[[1],[2],[3],[4],[5]]",
		},
		{
			name: "row cap stops paging",
			api:  &scriptedAthena{states: []types.QueryExecutionStatus{ok}, pages: []*types.ResultSet{page("x", "1", "2"), page("3"), page("4")}},
			cfg:  AthenaConfig{MaxRows: 3}, wantRows: "[[1],[2],[3]]", truncated: true,
		},
		{
			name: "FAILED by the statement is a bad query with Athena's reason",
			api: &scriptedAthena{states: []types.QueryExecutionStatus{
				state(types.QueryExecutionStateFailed, "line 1:8: Column 'nope' cannot be resolved\n", athenaUserError)}},
			wantErr: "athena: query q1 failed: line 1:8: Column 'nope' cannot be resolved", badQuery: true,
		},
		{
			name:    "FAILED by Athena is not the statement's fault",
			api:     &scriptedAthena{states: []types.QueryExecutionStatus{state(types.QueryExecutionStateFailed, "Athena internal error", 1)}},
			wantErr: "athena: query q1 failed: Athena internal error",
		},
		{
			name:    "CANCELLED",
			api:     &scriptedAthena{states: []types.QueryExecutionStatus{state(types.QueryExecutionStateCancelled, "stopped by user", 3)}},
			wantErr: "athena: query q1 was cancelled: stopped by user",
		},
		{
			name:    "timeout stops the query",
			api:     &scriptedAthena{states: []types.QueryExecutionStatus{state(types.QueryExecutionStateRunning, "", 0)}},
			cfg:     AthenaConfig{Timeout: 50 * time.Millisecond},
			wantErr: "athena: timed out after 50ms", timeout: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.PollInterval = time.Millisecond
			r := newAthena(tt.api, tt.cfg, nil)
			res, err := r.Query(context.Background(), "SELECT x FROM t")
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %q, want one line starting %q", err, tt.wantErr)
				}
				if errors.Is(err, ErrBadQuery) != tt.badQuery || errors.Is(err, ErrTimeout) != tt.timeout {
					t.Errorf("ErrBadQuery %v, ErrTimeout %v; want %v, %v", errors.Is(err, ErrBadQuery), errors.Is(err, ErrTimeout), tt.badQuery, tt.timeout)
				}
				if tt.timeout && !tt.api.stopped {
					t.Error("the timed-out query was not stopped on Athena")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(res.Rows)
			if string(b) != tt.wantRows || res.Stats.Truncated != tt.truncated {
				t.Errorf("rows = %s truncated %v, want %s %v", b, res.Stats.Truncated, tt.wantRows, tt.truncated)
			}
			s := res.Stats
			if s.ExecutionMs != 120 || s.BytesScanned != 4096 || s.QueueMs != 30 || s.PlanningMs != 15 {
				t.Errorf("stats = %+v, want Athena's figures", s)
			}
			if tt.api.tokens[0] != "" || (len(tt.api.tokens) > 1 && tt.api.tokens[1] != "page1") {
				t.Errorf("tokens sent = %q", tt.api.tokens)
			}
		})
	}
}

func TestAthenaValue(t *testing.T) {
	tests := []struct {
		name, typ, in string
		want          any
	}{
		{"int", "integer", "7", int64(7)},
		{"bigint beyond 2^53", "bigint", "9007199254740993", "9007199254740993"},
		{"double", "double", "1.25", 1.25},
		{"infinity", "double", "Infinity", nil},
		{"timestamp with zone", "timestamp with time zone", "2026-11-02 09:30:00.000 America/New_York", "2026-11-02T14:30:00Z"},
		{"array as text", "array", "[1, 2]", "[1, 2]"},
		{"unparsable kept as text", "bigint", "x", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := athenaValue(types.ColumnInfo{Type: aws.String(tt.typ)}, aws.String(tt.in))
			if got != tt.want {
				t.Errorf("athenaValue(%s %q) = %#v, want %#v", tt.typ, tt.in, got, tt.want)
			}
		})
	}
}

func TestAthenaConfigValidate(t *testing.T) {
	for name, cfg := range map[string]AthenaConfig{
		"--athena-region":   {},
		"--output-location": {Region: "us-east-1", OutputLocation: "/tmp/x"},
	} {
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%+v: err = %v, want one naming %s", cfg, err, name)
		}
	}
}
