package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog/glue/gluetest"
)

// motoAthenaResult queues the result set moto answers the next Athena
// query with (moto runs no SQL), laid out as Athena's: labels first.
func motoAthenaResult(t *testing.T, endpoint string, rows ...string) {
	t.Helper()
	data := []any{}
	for _, r := range append([]string{"n"}, rows...) {
		data = append(data, map[string]any{"Data": []any{map[string]string{"VarCharValue": r}}})
	}
	body, err := json.Marshal(map[string]any{"region": gluetest.Region, "results": []any{map[string]any{
		"rows":        data,
		"column_info": []any{map[string]any{"Name": "n", "Label": "n", "Type": "bigint", "Nullable": "NULLABLE"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(endpoint+"/moto-api/static/athena/query-results", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("moto: status %d", resp.StatusCode)
	}
}

func TestQueryAthenaEngine(t *testing.T) {
	endpoint := gluetest.StartMoto(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	dir := t.TempDir()
	athena := []string{"query", "--data-dir", dir, "--engine", "athena", "--athena-region", gluetest.Region,
		"--athena-endpoint", endpoint, "--output-location", "s3://results/ticklake/"}
	motoAthenaResult(t, endpoint, "42", "7")

	code, stdout, stderr := runQueryCLI(t, "", append(athena, "--stats", "-f", "csv", "SELECT count(*) AS n FROM trades")...)
	if code != 0 || stdout != "n\n42\n7\n" || !strings.Contains(stderr, "athena ") || !strings.Contains(stderr, "2 rows returned") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runQueryCLI(t, "", "history", "--data-dir", dir)
	if code != 0 || !strings.Contains(stdout, "SELECT count(*) AS n FROM trades") || !strings.Contains(stdout, "athena:") {
		t.Fatalf("history (the engine and Athena's query id shown): exit %d, %q", code, stdout)
	}

	tests := []struct {
		name, want string
		args       []string
	}{
		{"unknown workgroup", "WorkGroup does not exist", append(athena, "--workgroup", "nope", "SELECT 1")},
		{"athena flag without the engine", "--workgroup is for --engine athena", []string{"query", "--data-dir", dir, "--workgroup", "w", "SELECT 1"}},
		{"unknown engine", `invalid --engine "presto"`, []string{"query", "--data-dir", dir, "--engine", "presto", "SELECT 1"}},
		{"output location not on S3", "--output-location s3://", append(athena, "--output-location", "/tmp/r", "SELECT 1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runQueryCLI(t, "", tt.args...)
			if code != 1 || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q; want exit 1 and one line with %q", code, stderr, tt.want)
			}
		})
	}
}
