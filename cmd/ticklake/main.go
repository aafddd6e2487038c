// Command ticklake runs a real-time market data pipeline: simulator → Kafka →
// Parquet lake → catalog → SQL. See the README.
package main

import (
	"os"

	"github.com/ticklake/ticklake/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
