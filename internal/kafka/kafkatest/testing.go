package kafkatest

import (
	"context"
	"os"
	"testing"
)

// New starts a cluster for one test, or skips the test when EnvLib is unset
// (make test sets it), and stops the cluster in t.Cleanup.
func New(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if opts.Lib == "" && os.Getenv(EnvLib) == "" {
		t.Skipf("%s is not set: real Kafka tests need the jars; make test sets it (scripts/test-deps.sh)", EnvLib)
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	c, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
