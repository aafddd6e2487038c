// Package s3test starts a real S3 server (versitygw on a posix directory) for
// tests, so that S3 code is tested against S3 and not against a mock.
//
// The binary comes from TICKLAKE_TEST_VERSITYGW, which scripts/test-deps.sh
// (run by `make test`) installs and prints; tests skip without it.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/testenv"
)

// EnvBinary names the environment variable holding the versitygw binary.
const EnvBinary = "TICKLAKE_TEST_VERSITYGW"

// Test credentials and region of every server Start starts.
const (
	AccessKey = "ticklaketest"
	SecretKey = "ticklaketestsecret"
	Region    = "us-east-1"
)

const startTimeout = 30 * time.Second

// Server is one running versitygw with one bucket.
type Server struct {
	// Endpoint is the server's base URL, http://127.0.0.1:PORT.
	Endpoint string
	// Bucket exists and is empty when Start returns.
	Bucket string
	// Root is the posix directory holding the buckets.
	Root   string
	stderr *syncBuffer
}

// Start starts versitygw on a free loopback port with a fresh root directory,
// creates a bucket and stops the server when the test ends. It points the
// standard AWS credential chain of this process at the server's credentials
// (t.Setenv, so the calling test must not be parallel); child processes get
// them from Env.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := testenv.Lookup(t, EnvBinary, "versitygw, a real S3 server")
	for k, v := range credentialEnv(t.TempDir()) {
		t.Setenv(k, v)
	}
	var lastErr error
	for range 3 { // the free port may be taken between probe and start
		s, err := start(t, bin)
		if err == nil {
			s.CreateBucket(t, "lake")
			s.Bucket = "lake"
			return s
		}
		lastErr = err
	}
	t.Fatalf("starting versitygw: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: "http://" + port, Root: t.TempDir(), stderr: &syncBuffer{}}
	cmd := exec.Command(bin, "--port", port, "--quiet", "posix", s.Root)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+AccessKey, "ROOT_SECRET_KEY="+SecretKey)
	cmd.Stdout, cmd.Stderr = s.stderr, s.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	if err := waitReady(s.Endpoint, exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w; its output: %s", err, s.stderr.String())
	}
	t.Cleanup(stop)
	return s, nil
}

// waitReady polls the endpoint until it answers HTTP, the process exits or
// the deadline passes.
func waitReady(endpoint string, exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	c := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := c.Get(endpoint + "/"); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("versitygw exited before answering on %s", endpoint)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("versitygw did not answer on %s within %s", endpoint, startTimeout)
		}
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// credentialEnv are the variables that make the standard AWS credential
// chain use the test credentials and nothing of the machine's own.
func credentialEnv(dir string) map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           AccessKey,
		"AWS_SECRET_ACCESS_KEY":       SecretKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_REGION":                  Region,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "aws-credentials"),
	}
}

// Env returns the environment a child process needs to reach the server
// through the standard AWS credential chain.
func (s *Server) Env() []string {
	var env []string
	for k, v := range credentialEnv(os.TempDir()) {
		env = append(env, k+"="+v)
	}
	return env
}

// URL returns the lake URL of prefix in the bucket: s3://bucket/prefix.
func (s *Server) URL(prefix string) string {
	return "s3://" + s.Bucket + "/" + strings.TrimPrefix(prefix, "/")
}

// Options returns the lake options that reach this server.
func (s *Server) Options() lake.Options {
	return lake.Options{S3Endpoint: s.Endpoint, S3Region: Region, S3PathStyle: true}
}

// Flags returns the command-line flags that reach this server.
func (s *Server) Flags() []string {
	return []string{"--s3-endpoint", s.Endpoint, "--s3-region", Region, "--s3-path-style"}
}

// Store opens the lake at prefix of the bucket and closes it when the test
// ends.
func (s *Server) Store(t testing.TB, prefix string) lake.Store {
	t.Helper()
	st, err := lake.OpenWith(s.URL(prefix), s.Options())
	if err != nil {
		t.Fatalf("opening %s: %v", s.URL(prefix), err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Client returns a plain S3 client for the server, for checks that go
// around the lake package.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint),
		Region:       Region,
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// CreateBucket creates another bucket on the server.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
}

// syncBuffer collects the server's output for failure messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
