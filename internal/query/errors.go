package query

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ErrBadQuery marks errors caused by the statement itself: syntax errors,
// unknown tables or columns, refused (non-read) statements, conversion
// errors. An HTTP front end answers them with 400.
var ErrBadQuery = errors.New("bad query")

// ErrTimeout marks a query that ran out of time and was interrupted.
var ErrTimeout = errors.New("query timed out")

// badQuery wraps a DuckDB error about the statement into one line marked
// with ErrBadQuery.
func badQuery(err error, sql string) error {
	return &queryError{msg: "query: " + oneLine(err.Error(), sql)}
}

// queryError is a one-line error that matches ErrBadQuery.
type queryError struct{ msg string }

func (e *queryError) Error() string        { return e.msg }
func (e *queryError) Is(target error) bool { return target == ErrBadQuery }

var lineRE = regexp.MustCompile(`^LINE (\d+): (.*)$`)

// oneLine folds DuckDB's multi-line message (text, then "LINE n: snippet"
// and a caret line) into one line ending in "(line n, position p)", p being
// the 1-based column in the statement's line n.
func oneLine(msg, sql string) string {
	lines := strings.Split(msg, "\n")
	var keep []string
	where := ""
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \t\r")
		if m := lineRE.FindStringSubmatch(l); m != nil && i+1 < len(lines) && strings.Contains(lines[i+1], "^") {
			where = position(m[1], m[2], strings.Index(lines[i+1], "^")-(len(l)-len(m[2])), sql)
			i++
			continue
		}
		if s := strings.TrimSpace(l); s != "" {
			keep = append(keep, s)
		}
	}
	out := strings.Join(keep, " ")
	if where != "" {
		out += " (" + where + ")"
	}
	return out
}

// position locates the caret: col is its 0-based offset inside snippet, a
// piece of the statement's line (possibly cut short with "...").
func position(lineNo, snippet string, col int, sql string) string {
	n, _ := strconv.Atoi(lineNo)
	where := "line " + lineNo
	if col < 0 {
		return where
	}
	if s, ok := strings.CutPrefix(snippet, "..."); ok {
		snippet, col = s, col-3
	}
	snippet = strings.TrimSuffix(snippet, "...")
	srcLines := strings.Split(sql, "\n")
	off := 0
	if n >= 1 && n <= len(srcLines) {
		if i := strings.Index(srcLines[n-1], snippet); i >= 0 {
			off = i
		}
	}
	return fmt.Sprintf("%s, position %d", where, off+col+1)
}
