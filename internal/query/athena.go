package query

// This file holds the Athena runner: the same statements and results as the
// embedded engine, answered by Amazon Athena over the Glue catalog.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"

	"github.com/ticklake/ticklake/internal/awsconfig"
)

// Runner answers SQL with a Result: the embedded Engine, or Athena.
type Runner interface {
	// Query runs one statement. Errors wrap ErrBadQuery when the statement
	// is at fault and ErrTimeout when it ran out of time.
	Query(ctx context.Context, sql string) (*Result, error)
	// SetHistory records every query in h; nil stops recording.
	SetHistory(h *History)
	// Close releases the runner.
	Close() error
}

var (
	_ Runner = (*Engine)(nil)
	_ Runner = (*Athena)(nil)
)

// AthenaConfig says where and how statements run on Athena. Zero fields
// take the defaults of DefaultAthenaConfig.
type AthenaConfig struct {
	// Region is the AWS region of the workgroup, e.g. eu-west-1.
	Region string
	// Endpoint overrides Athena's endpoint (a moto server in tests, a VPC
	// endpoint in production); empty uses AWS's.
	Endpoint string
	// Workgroup runs the queries; its settings may override OutputLocation.
	Workgroup string
	// OutputLocation is the s3:// prefix Athena writes results to; empty
	// leaves it to the workgroup.
	OutputLocation string
	// Database is the Glue database unqualified table names resolve in.
	Database string
	// Catalog is the Athena data catalog (AwsDataCatalog is Glue's).
	Catalog string
	// Timeout bounds every query, queueing and result paging included; on
	// expiry the query is stopped on Athena too.
	Timeout time.Duration
	// MaxRows caps the rows a result holds; Stats.Truncated is set beyond.
	MaxRows int
	// PollInterval is the first wait between status checks; it doubles up
	// to MaxPollInterval.
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// Credentials overrides the default AWS credential chain when set.
	Credentials aws.CredentialsProvider
}

// DefaultAthenaConfig returns the defaults: the primary workgroup, the
// ticklake database in AwsDataCatalog, a 60 s timeout, at most 100 000
// rows, and status checks every 100 ms growing to 2 s.
func DefaultAthenaConfig() AthenaConfig {
	return AthenaConfig{
		Workgroup:       "primary",
		Database:        DefaultConfig().Database,
		Catalog:         "AwsDataCatalog",
		Timeout:         60 * time.Second,
		MaxRows:         100_000,
		PollInterval:    100 * time.Millisecond,
		MaxPollInterval: 2 * time.Second,
	}
}

func (c AthenaConfig) withDefaults() AthenaConfig {
	d := DefaultAthenaConfig()
	for _, f := range []struct{ v, d *string }{
		{&c.Workgroup, &d.Workgroup}, {&c.Database, &d.Database}, {&c.Catalog, &d.Catalog},
	} {
		if *f.v == "" {
			*f.v = *f.d
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.MaxRows <= 0 {
		c.MaxRows = d.MaxRows
	}
	if c.PollInterval <= 0 {
		c.PollInterval = d.PollInterval
	}
	if c.MaxPollInterval < c.PollInterval {
		c.MaxPollInterval = max(d.MaxPollInterval, c.PollInterval)
	}
	return c
}

// Validate checks the configuration, naming the flag to fix.
func (c AthenaConfig) Validate() error {
	if c.Region == "" {
		return errors.New("athena: no region; pass --athena-region (e.g. us-east-1)")
	}
	if c.OutputLocation != "" && !strings.HasPrefix(c.OutputLocation, "s3://") {
		return fmt.Errorf("athena: output location %q is not an s3:// URL; pass --output-location s3://bucket/prefix/", c.OutputLocation)
	}
	if c.Database != "" && !identRE.MatchString(c.Database) {
		return fmt.Errorf("athena: database name %q must match [a-z_][a-z0-9_]*; pick a plain lower-case name", c.Database)
	}
	return nil
}

// athenaAPI is the part of the Athena client the runner uses.
type athenaAPI interface {
	StartQueryExecution(context.Context, *athena.StartQueryExecutionInput, ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error)
	GetQueryExecution(context.Context, *athena.GetQueryExecutionInput, ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error)
	GetQueryResults(context.Context, *athena.GetQueryResultsInput, ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error)
	StopQueryExecution(context.Context, *athena.StopQueryExecutionInput, ...func(*athena.Options)) (*athena.StopQueryExecutionOutput, error)
}

// Athena runs statements on Amazon Athena. It is safe for concurrent use.
type Athena struct {
	client athenaAPI
	cfg    AthenaConfig
	logger *slog.Logger

	mu      sync.Mutex
	history *History
}

// OpenAthena connects to Athena in cfg.Region. Credentials come from
// cfg.Credentials or the default AWS chain; with an endpoint set the
// instance metadata service is not asked. Nothing is sent until a query.
func OpenAthena(ctx context.Context, cfg AthenaConfig, logger *slog.Logger) (*Athena, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	awsCfg, err := awsconfig.Load(ctx, cfg.Region, cfg.Endpoint, cfg.Credentials)
	if err != nil {
		return nil, fmt.Errorf("athena: loading AWS configuration: %w", err)
	}
	client := athena.NewFromConfig(awsCfg, func(o *athena.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	return newAthena(client, cfg, logger), nil
}

func newAthena(client athenaAPI, cfg AthenaConfig, logger *slog.Logger) *Athena {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Athena{client: client, cfg: cfg.withDefaults(), logger: logger}
}

// Close implements Runner; the client holds nothing to release.
func (a *Athena) Close() error { return nil }

// SetHistory implements Runner.
func (a *Athena) SetHistory(h *History) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.history = h
}

// Query submits the statement, waits for it with growing pauses between
// status checks, and pages through its results. Athena checks the
// statement itself: what it refuses comes back as one line with its
// reason, wrapping ErrBadQuery when Athena blames the statement. The
// market views it names are sent defined in a WITH clause (see
// expandAthenaViews).
func (a *Athena) Query(ctx context.Context, sql string) (*Result, error) {
	start := time.Now()
	res, err := a.query(ctx, sql, start)
	a.mu.Lock()
	h := a.history
	a.mu.Unlock()
	recordQuery(h, a.logger, "athena", start, sql, res, err)
	return res, err
}

func (a *Athena) query(ctx context.Context, sql string, start time.Time) (*Result, error) {
	if strings.TrimSpace(sql) == "" {
		return nil, fmt.Errorf("athena: empty statement; send one SELECT: %w", ErrBadQuery)
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	sent, shift := expandAthenaViews(sql, a.cfg.Database)
	id, err := a.start(ctx, sent)
	if err != nil {
		return nil, a.wrapCtx(ctx, err)
	}
	exec, err := a.wait(ctx, id)
	if err != nil {
		if ctx.Err() != nil {
			a.stop(id)
		}
		var qe *queryError
		if errors.As(err, &qe) {
			err = &queryError{msg: shiftLines(qe.msg, shift)}
		}
		return nil, a.wrapCtx(ctx, err)
	}
	res, err := a.results(ctx, id, exec.StatementType)
	if err != nil {
		return nil, a.wrapCtx(ctx, err)
	}
	res.Stats.addAthena(id, exec.Statistics)
	res.Stats.ElapsedMs = ms(time.Since(start))
	return res, nil
}

func (a *Athena) start(ctx context.Context, sql string) (string, error) {
	in := &athena.StartQueryExecutionInput{
		QueryString:           aws.String(sql),
		WorkGroup:             aws.String(a.cfg.Workgroup),
		QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String(a.cfg.Database), Catalog: aws.String(a.cfg.Catalog)},
	}
	if a.cfg.OutputLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(a.cfg.OutputLocation)}
	}
	out, err := a.client.StartQueryExecution(ctx, in)
	if err != nil {
		return "", fmt.Errorf("athena: starting the query in workgroup %s: %s (check --workgroup, --output-location and --athena-region)", a.cfg.Workgroup, apiMessage(err))
	}
	return aws.ToString(out.QueryExecutionId), nil
}

// wait polls the query's state until it ends, pausing PollInterval, then
// twice as long each time up to MaxPollInterval.
func (a *Athena) wait(ctx context.Context, id string) (*types.QueryExecution, error) {
	pause := a.cfg.PollInterval
	for {
		out, err := a.client.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			return nil, fmt.Errorf("athena: checking query %s: %s", id, apiMessage(err))
		}
		exec := out.QueryExecution
		if exec == nil || exec.Status == nil {
			return nil, fmt.Errorf("athena: query %s has no status", id)
		}
		switch exec.Status.State {
		case types.QueryExecutionStateSucceeded:
			return exec, nil
		case types.QueryExecutionStateFailed:
			return nil, failed(id, exec.Status)
		case types.QueryExecutionStateCancelled:
			return nil, fmt.Errorf("athena: query %s was cancelled: %s", id, reason(exec.Status))
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, a.cfg.MaxPollInterval)
	}
}

// stop cancels a query left running by a timeout, so it stops costing.
func (a *Athena) stop(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := a.client.StopQueryExecution(ctx, &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)}); err != nil {
		a.logger.Warn("could not stop the timed-out Athena query", "id", id, "err", err)
	}
}

// athenaUserError is Athena's AthenaError.ErrorCategory for errors of the
// statement (1 is a system error, 3 other).
const athenaUserError = 2

// failed is the one-line error of a FAILED query: Athena's reason,
// marked ErrBadQuery when Athena blames the statement.
func failed(id string, st *types.QueryExecutionStatus) error {
	msg := fmt.Sprintf("athena: query %s failed: %s", id, reason(st))
	if st.AthenaError != nil && st.AthenaError.ErrorCategory != nil && *st.AthenaError.ErrorCategory == athenaUserError {
		return &queryError{msg: msg}
	}
	return errors.New(msg)
}

func reason(st *types.QueryExecutionStatus) string {
	r := oneLine(aws.ToString(st.StateChangeReason), "")
	if r == "" {
		return "no reason given"
	}
	return r
}

// apiMessage is an AWS error's code and message without the SDK's
// operation and request-id wrapping.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + oneLine(ae.ErrorMessage(), "")
	}
	return oneLine(err.Error(), "")
}

func (a *Athena) wrapCtx(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("athena: timed out after %s (the query was stopped); narrow the query or raise --timeout: %w", a.cfg.Timeout, ErrTimeout)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("athena: %w", ctx.Err())
	}
	return err
}

// results pages through the result set, up to MaxRows rows. Athena puts
// the column labels as the first row of a SELECT's (DML) first page.
func (a *Athena) results(ctx context.Context, id string, stmt types.StatementType) (*Result, error) {
	res := &Result{Rows: [][]any{}}
	var token *string
	var cols []types.ColumnInfo
	for page := 0; ; page++ {
		out, err := a.client.GetQueryResults(ctx, &athena.GetQueryResultsInput{
			QueryExecutionId: aws.String(id), NextToken: token, MaxResults: aws.Int32(1000)})
		if err != nil {
			return nil, fmt.Errorf("athena: reading the results of query %s: %s", id, apiMessage(err))
		}
		if out.ResultSet == nil {
			break
		}
		if page == 0 && out.ResultSet.ResultSetMetadata != nil {
			cols = out.ResultSet.ResultSetMetadata.ColumnInfo
			res.Columns = athenaColumns(cols)
		}
		rows := out.ResultSet.Rows
		if page == 0 && stmt == types.StatementTypeDml && len(rows) > 0 && isHeader(rows[0], cols) {
			rows = rows[1:]
		}
		if !res.addAthenaRows(rows, cols, a.cfg.MaxRows) || out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	res.Stats.RowsReturned = int64(len(res.Rows))
	return res, nil
}

// addAthenaRows converts rows; false when the row cap was reached.
func (r *Result) addAthenaRows(rows []types.Row, cols []types.ColumnInfo, maxRows int) bool {
	for _, row := range rows {
		if len(r.Rows) >= maxRows {
			r.Stats.Truncated = true
			return false
		}
		out := make([]any, len(cols))
		for i := range cols {
			var d types.Datum
			if i < len(row.Data) {
				d = row.Data[i]
			}
			out[i] = athenaValue(cols[i], d.VarCharValue)
		}
		r.Rows = append(r.Rows, out)
	}
	return true
}

// isHeader tells whether a row holds the column labels.
func isHeader(row types.Row, cols []types.ColumnInfo) bool {
	if len(row.Data) != len(cols) {
		return false
	}
	for i, d := range row.Data {
		label := aws.ToString(cols[i].Label)
		if label == "" {
			label = aws.ToString(cols[i].Name)
		}
		if aws.ToString(d.VarCharValue) != label {
			return false
		}
	}
	return true
}

// addAthena fills the statistics Athena reports.
func (s *Stats) addAthena(id string, st *types.QueryExecutionStatistics) {
	s.Engine, s.QueryID = "athena", id
	if st == nil {
		return
	}
	s.QueueMs = float64(aws.ToInt64(st.QueryQueueTimeInMillis))
	s.PlanningMs = float64(aws.ToInt64(st.QueryPlanningTimeInMillis))
	s.ExecutionMs = float64(aws.ToInt64(st.EngineExecutionTimeInMillis))
	s.BytesScanned = aws.ToInt64(st.DataScannedInBytes)
}
