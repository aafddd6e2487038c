package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/sqlite"
	"github.com/ticklake/ticklake/internal/lake/s3test"
)

type cliTrade struct {
	Symbol string  `parquet:"symbol"`
	Ts     int64   `parquet:"ts,timestamp(nanosecond:local)"`
	Price  float64 `parquet:"price"`
	Size   int64   `parquet:"size"`
}

// newTestDataDir makes a data dir with a catalog and a trades table of two
// hourly partitions.
func newTestDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cat, err := sqlite.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	ctx := context.Background()
	lakeDir := filepath.Join(dir, "lake")
	tb := catalog.Table{Database: catalog.DefaultDatabase, Name: "trades", Location: "file://" + lakeDir + "/trades",
		Classification: "parquet",
		Columns: []catalog.Column{{Name: "symbol", Type: "string"}, {Name: "ts", Type: "timestamp"},
			{Name: "price", Type: "double"}, {Name: "size", Type: "bigint"}},
		PartitionKeys: []catalog.Column{{Name: "dt", Type: "date"}, {Name: "hr", Type: "int"}}}
	if err := cat.PutTable(ctx, tb); err != nil {
		t.Fatal(err)
	}
	for i, hr := range []int{14, 15} {
		key := "trades/dt=2026-11-02/hr=" + []string{"14", "15"}[i] + "/trades-0-0000000000000000000" + string(rune('0'+2*i)) + "-0000000000000000000" + string(rune('1'+2*i)) + ".parquet"
		ts := time.Date(2026, 11, 2, hr, 30, 0, 0, time.UTC).UnixNano()
		var buf bytes.Buffer
		if err := parquet.Write(&buf, []cliTrade{{"AAPL", ts, 190 + float64(i), 100}, {"MSFT", ts + 1, 410, 5}}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(lakeDir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		f := catalog.File{Key: key, Partition: []string{"2026-11-02", []string{"14", "15"}[i]}, Rows: 2, Bytes: int64(buf.Len())}
		if err := cat.AddFiles(ctx, catalog.DefaultDatabase, "trades", []catalog.File{f}); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runCLI runs ticklake with args and stdin and returns its exit code and
// streams.
func runQueryCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestQueryCommand(t *testing.T) {
	dir := newTestDataDir(t)
	out := filepath.Join(t.TempDir(), "r.parquet")
	tests := []struct {
		name       string
		args       []string
		stdin      string
		code       int
		wantOut    string
		wantStderr string
	}{
		{"table with stats", []string{"--stats", "SELECT symbol, price FROM trades WHERE dt = '2026-11-02' AND hr = 15 ORDER BY 1"}, "", 0,
			"symbol  price\n------  -----\nAAPL      191\nMSFT      410\n(2 rows)\n", "scanned 1 of 2 files"},
		{"csv", []string{"-f", "csv", "SELECT count(*) AS n FROM trades"}, "", 0, "n\n4\n", ""},
		{"json", []string{"-f", "json", "SELECT 1 AS x"}, "", 0, `"rows":[[1]]`, ""},
		{"parquet needs output", []string{"-f", "parquet", "SELECT 1"}, "", 1, "", "--format parquet needs --output"},
		{"parquet", []string{"-f", "parquet", "-o", out, "SELECT symbol FROM trades"}, "", 0, "", ""},
		{"bad format", []string{"-f", "xml", "SELECT 1"}, "", 1, "", "invalid --format"},
		{"bad sql", []string{"SELECT * FORM trades"}, "", 1, "", "(line 1, position 15)"},
		{"write refused", []string{"COPY trades TO 'x.csv'"}, "", 1, "", "file system operations are disabled"},
		{"script on stdin", nil, "SELECT 'a;b' AS s; -- one; two\nSELECT count(*)\n  AS n FROM trades\n WHERE hr = 14;\n", 0, "s\n---\na;b\n(1 row)\nn\n-\n2\n(1 row)\n", ""},
		{"script stops at an error", nil, "SELECT nosuch;\nSELECT 2;", 1, "", "nosuch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"query", "--data-dir", dir}, tt.args...)
			code, stdout, stderr := runQueryCLI(t, tt.stdin, args...)
			if code != tt.code || !strings.Contains(stdout, tt.wantOut) || !strings.Contains(stderr, tt.wantStderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, stdout, stderr, tt.code, tt.wantOut, tt.wantStderr)
			}
			if code != 0 && strings.Count(stderr, "\n") != 1 {
				t.Fatalf("stderr is not one line: %q", stderr)
			}
		})
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.HasPrefix(b, []byte("PAR1")) {
		t.Fatalf("parquet output: %v", err)
	}
}

func TestHistoryCommand(t *testing.T) {
	dir := newTestDataDir(t)
	runQueryCLI(t, "", "query", "--data-dir", dir, "SELECT count(*) FROM trades WHERE hr = 14")
	runQueryCLI(t, "", "query", "--data-dir", dir, "SELECT nosuch FROM trades")
	runQueryCLI(t, "", "query", "--data-dir", dir, "--no-history", "SELECT 'unrecorded'")
	code, stdout, stderr := runQueryCLI(t, "", "history", "--data-dir", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("history = %s", stdout)
	}
	var bad, ok struct {
		SQL, Status string
		Stats       struct {
			Files  int `json:"files_scanned"`
			Pruned int `json:"partitions_pruned"`
		}
	}
	json.Unmarshal([]byte(lines[0]), &bad)
	json.Unmarshal([]byte(lines[1]), &ok)
	if bad.Status != "failed" || ok.Status != "ok" || ok.Stats.Files != 1 || ok.Stats.Pruned != 1 {
		t.Fatalf("history = %s", stdout)
	}
	code, stdout, _ = runQueryCLI(t, "", "history", "--data-dir", dir, "-n", "1")
	if code != 0 || !strings.Contains(stdout, "failed") || !strings.Contains(stdout, "duckdb") || strings.Contains(stdout, "hr = 14") {
		t.Fatalf("table history = %s", stdout)
	}
}

func TestSplitter(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"one per line", []string{"SELECT 1;\n", "SELECT 2;\n"}, []string{"SELECT 1", "SELECT 2"}},
		{"multi-line", []string{"SELECT\n", "  1\n", ";\n"}, []string{"SELECT\n  1"}},
		{"two on a line", []string{"SELECT 1; SELECT 2;"}, []string{"SELECT 1", "SELECT 2"}},
		{"quotes", []string{"SELECT ';', \"a;b\";"}, []string{`SELECT ';', "a;b"`}},
		{"comments", []string{"SELECT 1 -- no; end\n", "/* ; */ + 1;"}, []string{"SELECT 1 -- no; end\n/* ; */ + 1"}},
		{"empty statements", []string{";;\n", " ; SELECT 3;"}, []string{"SELECT 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s splitter
			var got []string
			for _, in := range tt.in {
				got = append(got, s.feed(in)...)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || !s.empty() {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestQueryShellOnATerminal drives the interactive shell through a pty:
// a statement over two lines, an error that does not end the shell, \q.
func TestQueryShellOnATerminal(t *testing.T) {
	dir := newTestDataDir(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	go io.Copy(io.Discard, ptmx) // the terminal's echo
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- Main([]string{"query", "--data-dir", dir}, tty, &out, &errb) }()
	waitFor(t, &out, "ticklake> ")
	io.WriteString(ptmx, "SELECT count(*) AS n\r")
	waitFor(t, &out, "-> ")
	io.WriteString(ptmx, "FROM trades WHERE hr = 15;\r")
	waitFor(t, &out, "(1 row)")
	io.WriteString(ptmx, "SELECT nosuch;\r")
	waitFor(t, &errb, "error: ")
	io.WriteString(ptmx, "\\q\r")
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(out.String(), "n\n-\n2\n(1 row)") {
			t.Fatalf("exit %d, output %q, stderr %q", code, out.String(), errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the shell did not quit; output %q", out.String())
	}
	hist, err := os.ReadFile(filepath.Join(dir, "query_history.txt"))
	if err != nil || !strings.Contains(string(hist), "FROM trades WHERE hr = 15;") {
		t.Fatalf("line history %q, %v", hist, err)
	}
}

// waitFor polls b until it holds want.
func waitFor(t *testing.T, b *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %q; have %q", want, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a poller.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestQueryS3Lake queries a lake in a real S3 server (versitygw) through
// the CLI: the first run fetches the day's files into <data-dir>/cache, the
// second, a new process, finds them there.
func TestQueryS3Lake(t *testing.T) {
	srv := s3test.Start(t)
	dir := newTestDataDir(t)
	store := srv.Store(t, "")
	lakeDir := filepath.Join(dir, "lake")
	err := filepath.WalkDir(lakeDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(lakeDir, p)
		return store.Create(context.Background(), filepath.ToSlash(rel), data)
	})
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(lakeDir) // only S3 has the data now
	args := append([]string{"query", "--data-dir", dir, "--lake", srv.URL(""), "--stats"}, srv.Flags()...)
	args = append(args, "SELECT hr, count(*) AS n FROM trades WHERE dt = '2026-11-02' GROUP BY hr ORDER BY hr")
	for i, want := range []string{"cache 0 hits, 2 misses", "cache 2 hits, 0 misses"} {
		code, stdout, stderr := runQueryCLI(t, "", args...)
		if code != 0 || !strings.Contains(stdout, "14  2\n15  2\n") || !strings.Contains(stderr, want) {
			t.Fatalf("run %d: exit %d, stdout %q, stderr %q; want %q", i+1, code, stdout, stderr, want)
		}
	}
}
