package web

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticklake/ticklake/internal/query"
)

// badQueryErr stands for an engine error caused by the statement.
type badQueryErr struct{ msg string }

func (e badQueryErr) Error() string        { return e.msg }
func (e badQueryErr) Is(target error) bool { return target == query.ErrBadQuery }

// fakeQuery answers like the engine does, by statement.
func fakeQuery(ctx context.Context, sql string) (*query.Result, error) {
	switch sql {
	case "SELECT * FORM trades":
		return nil, badQueryErr{`query: Parser Error: syntax error at or near "trades" (line 1, position 15)`}
	case "SLOW":
		return nil, query.ErrTimeout
	}
	return &query.Result{
		Columns: []query.Column{{Name: "symbol", Type: "VARCHAR"}, {Name: "ts", Type: "TIMESTAMP_NS"}},
		Rows:    [][]any{{"AAPL", "2026-11-02T14:30:00.123456789Z"}},
		Stats:   query.Stats{RowsReturned: 1},
	}, nil
}

// newTestServer serves on a free loopback port until the test ends and
// returns the base URL.
func newTestServer(t *testing.T, token string) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "ticklake_test_requests_total", Help: "test"})
	reg.MustRegister(c)
	c.Inc()
	s, err := New(Config{Addr: "127.0.0.1:0", Token: token}, Deps{
		Gatherer: reg,
		Status:   func() any { return map[string]any{"ok": true} },
		Query:    fakeQuery,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + s.Addr()
}

func do(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRoutes(t *testing.T) {
	base := newTestServer(t, "")
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"healthz", "GET", "/healthz", "", 200, "ok\n"},
		{"metrics", "GET", "/metrics", "", 200, "ticklake_test_requests_total 1"},
		{"status", "GET", "/api/status", "", 200, `{"ok":true}`},
		{"index", "GET", "/", "", 200, `<a href="/api/status">`},
		{"unknown path", "GET", "/nope", "", 404, ""},
		{"query", "POST", "/api/query", `{"sql":"SELECT 1"}`, 200,
			`{"columns":[{"name":"symbol","type":"VARCHAR"},{"name":"ts","type":"TIMESTAMP_NS"}],"rows":[["AAPL","2026-11-02T14:30:00.123456789Z"]],"stats":{`},
		{"query by GET", "GET", "/api/query", "", 405, ""},
		{"bad sql", "POST", "/api/query", `{"sql":"SELECT * FORM trades"}`, 400,
			`{"error":"query: Parser Error: syntax error at or near \"trades\" (line 1, position 15)"}`},
		{"timeout", "POST", "/api/query", `{"sql":"SLOW"}`, 504, `{"error":"query timed out"}`},
		{"unknown field", "POST", "/api/query", `{"sql":"SELECT 1","limit":5}`, 400, `unknown field \"limit\"`},
		{"not json", "POST", "/api/query", `SELECT 1`, 400, `bad request body`},
		{"empty sql", "POST", "/api/query", `{"sql":" "}`, 400, `\"sql\" is empty`},
		{"trailing data", "POST", "/api/query", `{"sql":"SELECT 1"} {}`, 400, `data after the JSON object`},
		{"too large", "POST", "/api/query", `{"sql":"` + strings.Repeat("x", maxQueryBody) + `"}`, 413, `request body over`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, tt.method, base+tt.path, "", tt.body)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Fatalf("%s %s = %d %q; want %d containing %q", tt.method, tt.path, status, body, tt.status, tt.want)
			}
			if status >= 400 && strings.HasPrefix(tt.path, "/api/") && status != 405 {
				var e errorBody
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
					t.Fatalf("error body %q is not {\"error\":...}", body)
				}
			}
		})
	}
}

func TestAuth(t *testing.T) {
	base := newTestServer(t, "s3cret")
	tests := []struct {
		name, path, token string
		status            int
	}{
		{"healthz without token", "/healthz", "", 401},
		{"metrics without token", "/metrics", "", 401},
		{"status without token", "/api/status", "", 401},
		{"index without token", "/", "", 401},
		{"wrong token", "/healthz", "s3cre", 401},
		{"healthz with token", "/healthz", "s3cret", 200},
		{"metrics with token", "/metrics", "s3cret", 200},
		{"status with token", "/api/status", "s3cret", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, "GET", base+tt.path, tt.token, "")
			if status != tt.status {
				t.Fatalf("status = %d (%s), want %d", status, body, tt.status)
			}
		})
	}
	status, _ := do(t, "POST", base+"/api/query", "", `{"sql":"SELECT 1"}`)
	if status != 401 {
		t.Fatalf("query without token = %d, want 401", status)
	}
	status, _ = do(t, "POST", base+"/api/query", "s3cret", `{"sql":"SELECT 1"}`)
	if status != 200 {
		t.Fatalf("query with token = %d, want 200", status)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name, addr, token, want string
	}{
		{"loopback v4", "127.0.0.1:8080", "", ""},
		{"loopback range", "127.5.5.5:1", "", ""},
		{"localhost", "localhost:8080", "", ""},
		{"loopback v6", "[::1]:8080", "", ""},
		{"default", "", "", ""},
		{"any without token", "0.0.0.0:8080", "",
			"refusing to serve HTTP on 0.0.0.0:8080 without --auth-token: anyone on the network could query the lake; set --auth-token or --auth-token-file, or bind 127.0.0.1"},
		{"empty host without token", ":8080", "", "refusing to serve HTTP on :8080"},
		{"lan without token", "192.168.1.5:80", "", "refusing"},
		{"any with token", "0.0.0.0:8080", "t", ""},
		{"no port", "localhost", "", "bad --http address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Config{Addr: tt.addr, Token: tt.token}.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := New(Config{Addr: "0.0.0.0:0"}, Deps{}); err == nil {
		t.Fatal("New accepted a public address without a token")
	}
}

func TestListenPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, err := New(Config{Addr: ln.Addr().String()}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Listen()
	want := "listening on " + ln.Addr().String() + ": address already in use; pass --http 127.0.0.1:0 or another address"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0"}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	resp, err := http.Get("http://" + s.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve = %v", err)
		}
	case <-time.After(shutdownTimeout + time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := http.Get("http://" + s.Addr() + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}
