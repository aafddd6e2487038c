package cli

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

var update = flag.Bool("update", false, "rewrite docs/cli.md from the commands' flags")

const cliDoc = "../../docs/cli.md"

// TestCLIDocIsCurrent keeps docs/cli.md's flag table equal to the flags the
// commands really have. Run `go test ./internal/cli -run CLIDoc -update`
// after changing a flag.
func TestCLIDocIsCurrent(t *testing.T) {
	want := renderCLIDoc(newRoot(&env{}))
	if *update {
		if err := os.WriteFile(cliDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(cliDoc)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("docs/cli.md is stale: run go test ./internal/cli -run CLIDoc -update")
	}
}

type flagRow struct {
	usage, def string
	cmds       []string
}

func renderCLIDoc(root *cobra.Command) string {
	rows := map[string]*flagRow{}
	var b bytes.Buffer
	b.WriteString(cliDocHead)
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		fmt.Fprintf(&b, "| `ticklake %s` | %s |\n", c.Use, c.Short)
		c.Flags().VisitAll(func(f *pflag.Flag) {
			r, ok := rows[f.Name]
			if !ok {
				r = &flagRow{usage: f.Usage, def: f.DefValue}
				rows[f.Name] = r
			}
			r.cmds = append(r.cmds, c.Name())
		})
	}
	b.WriteString(cliDocFlags)
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		rows[f.Name] = &flagRow{usage: f.Usage, def: f.DefValue, cmds: []string{"all"}}
	})
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := rows[n]
		def := r.def
		if def == "" || def == "[]" {
			def = "–"
		} else {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `--%s` | `%s` | %s | %s | %s |\n", n, envName(n), def, strings.Join(r.cmds, ", "),
			strings.ReplaceAll(r.usage, "|", "\\|"))
	}
	return b.String()
}

const cliDocHead = `# Command line

Generated from the commands themselves (` + "`go test ./internal/cli -run CLIDoc -update`" + `);
a test fails when it drifts. ` + "`ticklake <command> --help`" + ` says the same.

Every flag can also be set as an environment variable (the second column) or
as a key of the YAML file given with ` + "`--config`" + ` (key = flag name, lists as
YAML lists or comma-separated). A flag on the command line wins over the
environment, which wins over the file. A key that no command knows, or a value
a flag refuses, stops the command with one line naming it. Variables starting
with ` + "`TICKLAKE_TEST_`" + ` belong to the test harness and are ignored.

Naming: ` + "`--brokers`" + ` for Kafka clients, ` + "`--kafka-*`" + ` for Kafka client
options, ` + "`--kafka-listen`" + ` for the embedded broker in ` + "`up`" + `, ` + "`--lake`" + `,
` + "`--catalog`" + `, ` + "`--data-dir`" + `, ` + "`--http`" + `.

## Commands

| command | what it does |
|---|---|
`

const cliDocFlags = `
## Flags

| flag | environment | default | commands | meaning |
|---|---|---|---|---|
`
