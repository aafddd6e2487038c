package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// newTestCmd returns ticklake's `name` command with args parsed and the
// configuration bound, as Main would before running it.
func newTestCmd(t *testing.T, name string, args []string, file string) (*cobra.Command, error) {
	t.Helper()
	root := newRoot(&env{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer)})
	cmd, _, err := root.Find([]string{name})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags(args); err != nil {
		return cmd, err
	}
	return cmd, bindConfig(cmd, file)
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, "ticklake.yaml", "data-dir: /from/file\nhttp: 127.0.0.1:9999\nspeed: 10\nbrokers: [a:1, b:2]\n")
	t.Setenv("TICKLAKE_HTTP", "127.0.0.1:7777")
	t.Setenv("TICKLAKE_TEST_KAFKA_BROKERS", "ignored:1")
	cmd, err := newTestCmd(t, "up", []string{"--speed", "max"}, file)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, flag, want string }{
		{"file fills what nothing else set", "data-dir", "/from/file"},
		{"environment beats file", "http", "127.0.0.1:7777"},
		{"flag beats file", "speed", "max"},
		{"lists from YAML", "brokers", "[a:1,b:2]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cmd.Flags().Lookup(tc.flag).Value.String(); got != tc.want {
				t.Fatalf("--%s = %q, want %q", tc.flag, got, tc.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, file, env, envVal, want string
		args                          []string
	}{
		{name: "unknown key", file: "data-dri: x\n", want: `unknown key "data-dri"`},
		{name: "bad value in file", file: "partitions: many\n", want: `key "partitions"`},
		{name: "not a mapping", file: "- a\n- b\n", want: "YAML mapping"},
		{name: "bad env value", env: "TICKLAKE_PARTITIONS", envVal: "lots", want: "TICKLAKE_PARTITIONS"},
		{name: "unknown flag", args: []string{"--brokerz", "x"}, want: "unknown flag: --brokerz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := ""
			if tc.file != "" {
				file = writeFile(t, "c.yaml", tc.file)
			}
			if tc.env != "" {
				t.Setenv(tc.env, tc.envVal)
			}
			_, err := newTestCmd(t, "up", tc.args, file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestMainBadInputIsOneLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad speed", []string{"up", "--speed", "fast"}, `invalid --speed "fast"`},
		{"bad format", []string{"query", "--format", "xml", "SELECT 1"}, `invalid --format "xml"`},
		{"produce without brokers", []string{"produce"}, "--brokers is required"},
		{"negative linger", []string{"produce", "--brokers", "127.0.0.1:1", "--linger", "-1s"}, "--linger -1s: use a duration from 0 to 1m"},
		{"missing catalog", []string{"tables", "--catalog", "/nonexistent/dir/catalog.db"}, "catalog"},
		{"unknown command", []string{"upp"}, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Main(tc.args, strings.NewReader(""), &out, &errb)
			msg := errb.String()
			if code == 0 {
				t.Fatalf("exit 0, stderr %q", msg)
			}
			if strings.Count(strings.TrimSpace(msg), "\n") != 0 || !strings.Contains(msg, tc.want) {
				t.Fatalf("stderr = %q, want one line containing %q", msg, tc.want)
			}
		})
	}
}

func TestHelpDocumentsEveryCommand(t *testing.T) {
	var out bytes.Buffer
	if code := Main([]string{"--help"}, nil, &out, &out); code != 0 {
		t.Fatalf("--help exit %d: %s", code, out.String())
	}
	for _, c := range []string{"up", "broker", "produce", "sink", "crawl", "query", "tables", "describe"} {
		if !strings.Contains(out.String(), "  "+c+" ") {
			t.Errorf("ticklake --help does not list %q:\n%s", c, out.String())
		}
	}
}
