package kafkatest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// startTimeout bounds a node's start: JVM start-up, storage recovery and
// joining the quorum.
const startTimeout = 90 * time.Second

// Cluster is a running Kafka cluster of one or three nodes.
type Cluster struct {
	opts      Options
	lib       string
	dir       string
	clusterID string
	nodes     []*node
	tls       TLSFiles
	admin     *kadm.Client
	adminCl   *kgo.Client
}

// Start formats and starts a cluster shaped by opts and waits until every
// node is a live broker. Close stops it.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	c, err := newCluster(opts)
	if err != nil {
		return nil, err
	}
	if err := c.format(ctx); err != nil {
		return nil, err
	}
	for i := range c.nodes {
		if err := c.nodes[i].start(c.lib); err != nil {
			c.Close()
			return nil, err
		}
	}
	if c.adminCl, err = kgo.NewClient(kgo.SeedBrokers(c.Brokers()...)); err != nil {
		c.Close()
		return nil, fmt.Errorf("creating admin client: %w", err)
	}
	c.admin = kadm.NewClient(c.adminCl)
	if err := c.WaitBrokers(ctx, len(c.nodes)); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func newCluster(opts Options) (*Cluster, error) {
	if opts.Nodes == 0 {
		opts.Nodes = 1
	}
	if opts.Nodes != 1 && opts.Nodes != 3 {
		return nil, fmt.Errorf("kafkatest: %d nodes; use 1 or 3", opts.Nodes)
	}
	lib, err := findLib(opts.Lib)
	if err != nil {
		return nil, err
	}
	dir := opts.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "kafkatest-"); err != nil {
			return nil, fmt.Errorf("creating cluster dir: %w", err)
		}
	}
	c := &Cluster{opts: opts, lib: lib, dir: dir, clusterID: newClusterID()}
	ports := &portPicker{}
	defer ports.release()
	for i := range opts.Nodes {
		n := &node{id: i + 1, dir: filepath.Join(dir, fmt.Sprintf("node%d", i+1)), heapMB: opts.HeapMB}
		if err := os.MkdirAll(n.dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating node dir: %w", err)
		}
		for _, p := range []*int{&n.ports.plain, &n.ports.secure, &n.ports.controller} {
			if *p, err = ports.pick(); err != nil {
				return nil, err
			}
		}
		c.nodes = append(c.nodes, n)
	}
	if opts.SCRAM != nil {
		if c.tls, err = makeTLS(dir); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// findLib returns the jar folder, from dir or EnvLib, after checking it
// holds the broker.
func findLib(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv(EnvLib)
	}
	if dir == "" {
		return "", fmt.Errorf("kafkatest: %s is not set; run scripts/test-deps.sh (make test sets it)", EnvLib)
	}
	jars, _ := filepath.Glob(filepath.Join(dir, "kafka_2.13-*.jar"))
	if len(jars) == 0 {
		return "", fmt.Errorf("kafkatest: %s holds no kafka_2.13 jar; rerun scripts/test-deps.sh", dir)
	}
	return dir, nil
}

// newClusterID returns a random Kafka cluster id (a base64url UUID). Like
// Kafka's own, it never starts with '-', which the storage tool would take
// for an option.
func newClusterID() string {
	b := make([]byte, 16)
	for {
		rand.Read(b)
		if id := base64.RawURLEncoding.EncodeToString(b); id[0] != '-' {
			return id
		}
	}
}

// format writes each node's config and formats its storage, in parallel.
func (c *Cluster) format(ctx context.Context) error {
	if err := writeFile(filepath.Join(c.dir, "log4j2.properties"), log4jConfig); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(c.nodes))
	for i, n := range c.nodes {
		n.config = filepath.Join(n.dir, "server.properties")
		n.log4j = filepath.Join(c.dir, "log4j2.properties")
		if err := writeFile(n.config, c.serverProperties(i)); err != nil {
			return err
		}
		args := []string{"format", "-t", c.clusterID, "-c", n.config}
		if u := c.opts.SCRAM; u != nil {
			for _, m := range []string{"SCRAM-SHA-256", "SCRAM-SHA-512"} {
				args = append(args, "--add-scram", fmt.Sprintf("%s=[name=%s,password=%s]", m, u.Name, u.Password))
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = n.runTool(ctx, c.lib, "kafka.tools.StorageTool", args...)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Brokers returns the PLAINTEXT listener of every node, host:port.
func (c *Cluster) Brokers() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = fmt.Sprintf("127.0.0.1:%d", n.ports.plain)
	}
	return out
}

// SecureBrokers returns the SASL_SSL listener of every node (only with
// Options.SCRAM).
func (c *Cluster) SecureBrokers() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = fmt.Sprintf("127.0.0.1:%d", n.ports.secure)
	}
	return out
}

// TLS returns the CA and client certificate files (only with Options.SCRAM).
func (c *Cluster) TLS() TLSFiles { return c.tls }

// Admin returns an admin client on the PLAINTEXT listeners.
func (c *Cluster) Admin() *kadm.Client { return c.admin }

// Nodes returns the node count.
func (c *Cluster) Nodes() int { return len(c.nodes) }

// NodeID returns node i's broker id (i+1).
func (c *Cluster) NodeID(i int) int32 { return int32(c.nodes[i].id) }

// LogFile returns node i's log file.
func (c *Cluster) LogFile(i int) string { return c.nodes[i].logPath() }

// Kill kills node i with SIGKILL, as a crash would, and waits for it to exit.
func (c *Cluster) Kill(i int) error { return c.nodes[i].kill() }

// Stop stops node i with SIGTERM (a controlled shutdown), then SIGKILL after
// grace.
func (c *Cluster) Stop(i int, grace time.Duration) error { return c.nodes[i].stop(grace) }

// Restart starts node i again on the same ports and storage and waits until
// the cluster has all its brokers again.
func (c *Cluster) Restart(ctx context.Context, i int) error {
	if c.nodes[i].running() {
		return fmt.Errorf("kafkatest: node %d is still running; Kill or Stop it first", c.nodes[i].id)
	}
	if err := c.nodes[i].start(c.lib); err != nil {
		return err
	}
	return c.WaitBrokers(ctx, len(c.nodes))
}

// WaitBrokers polls the cluster's metadata until n brokers are registered and
// a controller is known, or startTimeout passes.
func (c *Cluster) WaitBrokers(ctx context.Context, n int) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var last error
	for {
		if err := c.exited(); err != nil {
			return err
		}
		m, err := c.freshMetadata(ctx)
		if err == nil && len(m.Brokers) >= n && m.Controller >= 0 {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("%d of %d brokers registered", len(m.Brokers), n)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafkatest: cluster not ready within %s: %v\n%s", startTimeout, last, c.logTails())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freshMetadata asks for the cluster's brokers with a new client, so that no
// connection or cache of an earlier attempt colours the answer.
func (c *Cluster) freshMetadata(ctx context.Context) (kadm.Metadata, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...))
	if err != nil {
		return kadm.Metadata{}, err
	}
	defer cl.Close()
	return kadm.NewClient(cl).BrokerMetadata(ctx)
}

// WaitInSync polls until every partition of topics has all its replicas in
// sync, or ctx ends.
func (c *Cluster) WaitInSync(ctx context.Context, topics ...string) error {
	for {
		td, err := c.admin.ListTopics(ctx, topics...)
		if err == nil && allInSync(td) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafkatest: replicas of %v not in sync: %v", topics, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func allInSync(td kadm.TopicDetails) bool {
	if len(td) == 0 {
		return false
	}
	for _, t := range td {
		if t.Err != nil || len(t.Partitions) == 0 {
			return false
		}
		for _, p := range t.Partitions {
			if p.Err != nil || len(p.ISR) != len(p.Replicas) || p.Leader < 0 {
				return false
			}
		}
	}
	return true
}

// exited reports a node that died on its own (not killed by the harness).
func (c *Cluster) exited() error {
	for _, n := range c.nodes {
		if err := n.unexpectedExit(); err != nil {
			return fmt.Errorf("%w\n%s", err, n.tail(40))
		}
	}
	return nil
}

func (c *Cluster) logTails() string {
	var b strings.Builder
	for _, n := range c.nodes {
		fmt.Fprintf(&b, "--- node %d (%s) ---\n%s\n", n.id, n.logPath(), n.tail(30))
	}
	return b.String()
}

// Close stops every node (SIGTERM, then SIGKILL after a few seconds) and
// removes the cluster's directory unless Options.Dir named it.
func (c *Cluster) Close() {
	if c.adminCl != nil {
		c.adminCl.Close()
	}
	var wg sync.WaitGroup
	for _, n := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.stop(5 * time.Second)
		}()
	}
	wg.Wait()
	if c.opts.Dir == "" {
		os.RemoveAll(c.dir)
	}
}
