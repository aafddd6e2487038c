package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"
)

const (
	shellPrompt = "ticklake> "
	shellMore   = "       -> "
)

// runShell reads statements ending in ';' (possibly over several lines)
// and answers each: with a line editor and history when stdin is a
// terminal, else as a script read from stdin. An error is printed and the
// shell goes on; a script stops at its first error.
func runShell(ctx context.Context, e *env, qf *queryFlags, sess *querySession) error {
	if f, ok := e.stdin.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		return interactiveShell(ctx, e, qf, sess, f)
	}
	return scriptShell(ctx, e, qf, sess)
}

func interactiveShell(ctx context.Context, e *env, qf *queryFlags, sess *querySession, stdin *os.File) error {
	rl, err := readline.NewEx(terminalConfig(&readline.Config{
		Prompt:          shellPrompt,
		HistoryFile:     filepath.Join(qf.loc.dataDir, "query_history.txt"),
		InterruptPrompt: "^C",
		EOFPrompt:       "",
		Stdin:           stdin,
		Stdout:          e.stdout,
		Stderr:          e.stderr,
	}, stdin))
	if err != nil {
		return fmt.Errorf("starting the shell: %w", err)
	}
	defer rl.Close()
	rl.Config.DisableAutoSaveHistory = true
	fmt.Fprintln(e.stdout, `ticklake SQL shell: end statements with ';', \q quits. Tables: SHOW TABLES;`)
	var sp splitter
	for ctx.Err() == nil {
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			sp = splitter{}
			rl.SetPrompt(shellPrompt)
			continue
		}
		if err != nil { // io.EOF: Ctrl-D
			return nil
		}
		if sp.empty() && isQuit(line) {
			return nil
		}
		for _, stmt := range sp.feed(line + "\n") {
			rl.SaveHistory(stmt + ";")
			if err := sess.run(ctx, e, qf, stmt); err != nil {
				fmt.Fprintln(e.stderr, "error: "+oneLine(err))
			}
		}
		if sp.empty() {
			rl.SetPrompt(shellPrompt)
		} else {
			rl.SetPrompt(shellMore)
		}
	}
	return nil
}

// terminalConfig points the line editor's terminal handling at stdin, the
// terminal it reads, rather than the process's own descriptors.
func terminalConfig(cfg *readline.Config, stdin *os.File) *readline.Config {
	fd := int(stdin.Fd())
	var state *readline.State
	cfg.FuncIsTerminal = func() bool { return true }
	cfg.FuncMakeRaw = func() error {
		st, err := readline.MakeRaw(fd)
		state = st
		return err
	}
	cfg.FuncExitRaw = func() error {
		if state == nil {
			return nil
		}
		return readline.Restore(fd, state)
	}
	cfg.FuncGetWidth = func() int {
		if w, _, err := readline.GetSize(fd); err == nil && w > 0 {
			return w
		}
		return 80
	}
	return cfg
}

// scriptShell runs the statements of a script piped to stdin.
func scriptShell(ctx context.Context, e *env, qf *queryFlags, sess *querySession) error {
	var sp splitter
	r := bufio.NewReader(e.stdin)
	for {
		line, err := r.ReadString('\n')
		if sp.empty() && isQuit(line) {
			return nil
		}
		for _, stmt := range sp.feed(line) {
			if rerr := sess.run(ctx, e, qf, stmt); rerr != nil {
				return rerr
			}
		}
		if errors.Is(err, io.EOF) {
			if rest := strings.TrimSpace(sp.buf.String()); rest != "" {
				return sess.run(ctx, e, qf, rest)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading statements from stdin: %w", err)
		}
	}
}

func isQuit(line string) bool {
	switch strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), ";")) {
	case `\q`, "quit", "exit", ".quit", ".exit":
		return true
	}
	return false
}

// splitter cuts text into statements at the semicolons that are outside
// quotes and comments.
type splitter struct {
	buf   strings.Builder
	quote rune // ' or " while inside a quoted string or identifier
	block bool // inside /* */
	line  bool // inside -- comment
	prev  rune
}

func (s *splitter) empty() bool { return strings.TrimSpace(s.buf.String()) == "" }

// feed adds text and returns the statements it completed, without their
// semicolons; empty statements are dropped.
func (s *splitter) feed(text string) []string {
	var out []string
	for _, r := range text {
		if s.toggle(r) {
			stmt := strings.TrimSpace(s.buf.String())
			s.buf.Reset()
			if stmt != "" {
				out = append(out, stmt)
			}
			s.prev = 0
			continue
		}
		s.buf.WriteRune(r)
		s.prev = r
	}
	return out
}

// toggle tracks quoting and comments; it reports whether r ends a statement.
func (s *splitter) toggle(r rune) bool {
	switch {
	case s.line:
		s.line = r != '\n'
	case s.block:
		s.block = !(s.prev == '*' && r == '/')
	case s.quote != 0:
		if r == s.quote {
			s.quote = 0
		}
	case r == '\'' || r == '"':
		s.quote = r
	case r == '-' && s.prev == '-':
		s.line = true
	case r == '*' && s.prev == '/':
		s.block = true
		s.prev = 0 // "/*/" does not close
		return false
	case r == ';':
		return true
	}
	return false
}
