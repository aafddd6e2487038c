package query

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
)

// substitutions are the subqueries standing in for table references of a
// rewritten statement: each reference first names a placeholder table,
// which the rendered SQL then swaps for its subquery.
type substitutions struct {
	nonce  string
	bodies []string
	// deferred is set once a subquery binds its files only as the
	// statement runs (see deferBinding).
	deferred bool
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

// apply swaps every placeholder in sql, quoted or not, for its subquery.
func (s *substitutions) apply(sql string) string {
	pairs := make([]string, 0, 4*len(s.bodies))
	for i := len(s.bodies) - 1; i >= 0; i-- { // _10 before _1
		sub := "(" + s.bodies[i] + ")"
		pairs = append(pairs, `"`+s.name(i)+`"`, sub, s.name(i), sub)
	}
	return strings.NewReplacer(pairs...).Replace(sql)
}
