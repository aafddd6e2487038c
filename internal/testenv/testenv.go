// Package testenv reads the TICKLAKE_TEST_* settings that `make test`
// (scripts/test-deps.sh) provides: paths of the real servers and tools the
// tests start. A developer running `go test` alone gets a skip that says how
// to get them; under CI a missing setting fails the test, so nothing is
// skipped there.
package testenv

import (
	"os"
	"testing"
)

// Lookup returns the value of the environment variable name. When it is
// unset the test is skipped, or failed when CI is set; what says what the
// setting is for.
func Lookup(t testing.TB, name, what string) string {
	t.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not set under CI: %s; .ci/run must run `make test`, which sets it", name, what)
	}
	t.Skipf("%s is not set (%s); `make test` sets it via scripts/test-deps.sh", name, what)
	return ""
}
