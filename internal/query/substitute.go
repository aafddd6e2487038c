package query

import (
	"crypto/rand"
	"database/sql/driver"
	"encoding/hex"
	"strconv"
	"strings"
)

// substitutions are the subqueries standing in for table references of a
// rewritten statement: each reference first names a placeholder table,
// which the rendered SQL then swaps for its subquery. The subqueries'
// file lists are parameters of the statement (see fileArg).
type substitutions struct {
	nonce  string
	bodies []string
	// args bind the file-list parameters as the statement runs; with any,
	// the statement binds its files only then.
	args []driver.NamedValue
}

// newSubstitutions starts a set whose placeholder names no statement can
// hold by chance.
func newSubstitutions() *substitutions {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return &substitutions{nonce: hex.EncodeToString(b)}
}

// add returns the placeholder table name for body.
func (s *substitutions) add(body string) string {
	s.bodies = append(s.bodies, body)
	return s.name(len(s.bodies) - 1)
}

func (s *substitutions) name(i int) string {
	return "__ticklake_ref_" + s.nonce + "_" + strconv.Itoa(i)
}

// files returns a new parameter that is bound to paths as the statement
// runs, for a reader's files argument. Its name is the same at every run
// (ticklake_files_0, _1, ...): DuckDB names an unaliased scalar subquery's
// column after its text, which holds the name. A statement naming it
// itself gets the paths it reads, which it could read anyway.
func (s *substitutions) files(paths []string) fileArg {
	name := "ticklake_files_" + strconv.Itoa(len(s.args))
	s.args = append(s.args, driver.NamedValue{Name: name, Value: paths})
	return fileArg{paths: paths, param: name}
}

// apply swaps every placeholder in sql, quoted or not, for its subquery.
func (s *substitutions) apply(sql string) string {
	pairs := make([]string, 0, 4*len(s.bodies))
	for i := len(s.bodies) - 1; i >= 0; i-- { // _10 before _1
		sub := "(" + s.bodies[i] + ")"
		pairs = append(pairs, `"`+s.name(i)+`"`, sub, s.name(i), sub)
	}
	return strings.NewReplacer(pairs...).Replace(sql)
}
