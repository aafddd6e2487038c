package kafkatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// node is one combined broker+controller JVM.
type node struct {
	id     int
	dir    string
	config string
	log4j  string
	heapMB int
	ports  nodePorts

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	killed bool // the harness stopped it; an exit is expected
	err    error
}

func (n *node) logPath() string { return filepath.Join(n.dir, "server.log") }

// javaArgs returns the JVM options: a small heap, the serial collector and
// the client compiler, which start fastest on a small shared machine.
func (n *node) javaArgs(lib, main string, args ...string) []string {
	heap := n.heapMB
	if heap == 0 {
		heap = 384
	}
	a := []string{
		"-Xms64m", fmt.Sprintf("-Xmx%dm", heap),
		"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.awt.headless=true",
		"-Dlog4j2.configurationFile=" + n.log4j,
		"-cp", filepath.Join(lib, "*"),
		main,
	}
	return append(a, args...)
}

// runTool runs a Kafka command-line tool to completion.
func (n *node) runTool(ctx context.Context, lib, main string, args ...string) error {
	cmd := exec.CommandContext(ctx, javaBin(), n.javaArgs(lib, main, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kafkatest: %s %s on node %d: %w\n%s", main, args[0], n.id, err, out.String())
	}
	return nil
}

// javaBin is $JAVA_HOME/bin/java, else java on the PATH.
func javaBin() string {
	if h := os.Getenv("JAVA_HOME"); h != "" {
		return filepath.Join(h, "bin", "java")
	}
	return "java"
}

// start launches the broker JVM, appending its output to server.log.
func (n *node) start(lib string) error {
	f, err := os.OpenFile(n.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("opening node log: %w", err)
	}
	cmd := exec.Command(javaBin(), n.javaArgs(lib, "kafka.Kafka", n.config)...)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group keeps a terminal's Ctrl-C for the test; the
	// death signal ends the broker if the test process dies without Close.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("kafkatest: starting node %d (is Java 17 installed?): %w", n.id, err)
	}
	done := make(chan struct{})
	n.mu.Lock()
	n.cmd, n.done, n.killed, n.err = cmd, done, false, nil
	n.mu.Unlock()
	go func() {
		err := cmd.Wait()
		f.Close()
		n.mu.Lock()
		n.err = err
		n.mu.Unlock()
		close(done)
	}()
	return nil
}

func (n *node) running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.done == nil {
		return false
	}
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// unexpectedExit reports an exit the harness did not cause.
func (n *node) unexpectedExit() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.done == nil || n.killed {
		return nil
	}
	select {
	case <-n.done:
		return fmt.Errorf("kafkatest: node %d exited: %v (log %s)", n.id, n.err, n.logPath())
	default:
		return nil
	}
}

func (n *node) signal(sig syscall.Signal) (chan struct{}, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.cmd.Process == nil {
		return nil, false
	}
	n.killed = true
	select {
	case <-n.done:
		return n.done, false
	default:
	}
	n.cmd.Process.Signal(sig)
	return n.done, true
}

func (n *node) kill() error {
	done, ok := n.signal(syscall.SIGKILL)
	if !ok {
		return fmt.Errorf("kafkatest: node %d is not running", n.id)
	}
	select {
	case <-done:
		return nil
	case <-time.After(30 * time.Second):
		return errors.New("kafkatest: node did not die within 30s of SIGKILL")
	}
}

func (n *node) stop(grace time.Duration) error {
	done, ok := n.signal(syscall.SIGTERM)
	if !ok {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-time.After(grace):
	}
	n.signal(syscall.SIGKILL)
	<-done
	return nil
}

// tail returns the last lines of the node's log.
func (n *node) tail(lines int) string {
	b, err := os.ReadFile(n.logPath())
	if err != nil {
		return err.Error()
	}
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}
