// Package cli is ticklake's command line: one cobra command per stage, flags
// bound to TICKLAKE_* environment variables and an optional YAML file, and
// one clear line on stderr for every error. It only parses and wires; the
// work happens in the packages it calls.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// env carries the process's streams to the commands.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	logLevel       string
	configFile     string
	logger         *slog.Logger
}

// Main runs ticklake with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRoot(&env{stdin: stdin, stdout: stdout, stderr: stderr})
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "ticklake: "+oneLine(err))
		return 1
	}
	return 0
}

// oneLine flattens an error so that a user sees one line, never a dump.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "ticklake",
		Short: "A real-time stock market data pipeline in one binary",
		Long: `ticklake simulates (or replays) a stock market feed into Kafka, sinks it as
Parquet into a lake (a directory or S3), keeps a catalog of its tables
(SQLite or AWS Glue) and answers SQL over them (DuckDB).

Start everything on one machine with:  ticklake up

Every flag can also be set with an environment variable TICKLAKE_<FLAG>
(upper case, dashes as underscores: --data-dir = TICKLAKE_DATA_DIR) or a
key in the YAML file given by --config (key = flag name). Flags win over
the environment, which wins over the file.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: true},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindConfig(cmd, e.configFile); err != nil {
				return err
			}
			logger, err := newLogger(e.stderr, e.logLevel)
			if err != nil {
				return err
			}
			e.logger = logger
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&e.configFile, "config", "", "YAML file of flag values (keys are flag names)")
	pf.StringVar(&e.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.AddCommand(
		newUpCmd(e), newBrokerCmd(e), newProduceCmd(e), newSinkCmd(e),
		newCrawlCmd(e), newQueryCmd(e), newHistoryCmd(e), newTablesCmd(e), newDescribeCmd(e),
	)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w (see 'ticklake %s --help')", err, cmd.Name())
	})
	return root
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
