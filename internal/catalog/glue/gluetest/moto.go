// Package gluetest starts a moto server (a real implementation of the Glue
// API in Python, PyPI moto[server]) for tests of the Glue catalog, and opens
// catalogs on it. scripts/test-deps.sh installs moto and exports its path
// as TICKLAKE_TEST_MOTO.
package gluetest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ticklake/ticklake/internal/catalog/glue"
	"github.com/ticklake/ticklake/internal/testenv"
)

// EnvMoto names the environment variable holding the moto_server path.
const EnvMoto = "TICKLAKE_TEST_MOTO"

// Region is the region test catalogs use.
const Region = "us-east-1"

// StartMoto starts moto_server on a free loopback port and returns its
// endpoint URL; the server stops when the test ends. Without
// TICKLAKE_TEST_MOTO the test is skipped.
func StartMoto(t testing.TB) string {
	t.Helper()
	bin := testenv.Lookup(t, EnvMoto, "moto_server, for the Glue catalog tests")
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(endpoint, 60*time.Second); err != nil {
		t.Fatalf("moto did not start: %v\n%s", err, out.String())
	}
	return endpoint
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls the server until it answers or the deadline passes.
func waitReady(endpoint string, within time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(within)
	for {
		resp, err := client.Get(endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer from %s within %v: %w", endpoint, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var dbSeq atomic.Int64

// Open opens a catalog on the moto server at endpoint, with a database name
// no other caller gets, so tests sharing one server do not see each other.
func Open(t testing.TB, endpoint string) (*glue.Catalog, string) {
	t.Helper()
	c, err := glue.Open(context.Background(), glue.Config{Region: Region, Endpoint: endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, fmt.Sprintf("ticklake_test_%d", dbSeq.Add(1))
}
