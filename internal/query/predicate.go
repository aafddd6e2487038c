package query

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A predicate is one conjunct of a WHERE clause that compares a column with
// constants: `dt = '2026-11-02'`, `hr IN (14, 15)`, `ts >= TIMESTAMP '...'`,
// `dt BETWEEN '...' AND '...'`. Only such simple shapes are understood;
// anything else is left to DuckDB and prunes nothing.
type predicate struct {
	column []string // as written: [name] or [qualifier, name]
	op     string   // eq, ne, lt, le, gt, ge, in, between
	consts []constant
}

// constant is a literal as the parser saw it: a string or an integer,
// possibly inside a CAST.
type constant struct {
	str    string
	num    int64
	isStr  bool
	isInt  bool
	castTo string // DuckDB type id of an enclosing CAST, or ""
}

var compareOps = map[string]string{
	"COMPARE_EQUAL":                "eq",
	"COMPARE_NOTEQUAL":             "ne",
	"COMPARE_LESSTHAN":             "lt",
	"COMPARE_LESSTHANOREQUALTO":    "le",
	"COMPARE_GREATERTHAN":          "gt",
	"COMPARE_GREATERTHANOREQUALTO": "ge",
}

// flipped is the operator seen from the other side: `5 < hr` is `hr > 5`.
var flipped = map[string]string{"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}

// conjuncts splits a WHERE clause at its top-level ANDs.
func conjuncts(node any) []map[string]any {
	m, ok := node.(map[string]any)
	if !ok {
		return nil
	}
	if m["type"] == "CONJUNCTION_AND" {
		var out []map[string]any
		for _, c := range asList(m["children"]) {
			out = append(out, conjuncts(c)...)
		}
		return out
	}
	return []map[string]any{m}
}

// parsePredicate recognises one conjunct; ok is false for any other shape.
func parsePredicate(m map[string]any) (predicate, bool) {
	typ, _ := m["type"].(string)
	if op, ok := compareOps[typ]; ok {
		if col, ok := columnRef(m["left"]); ok {
			c, ok := parseConstant(m["right"])
			return predicate{column: col, op: op, consts: []constant{c}}, ok
		}
		if col, ok := columnRef(m["right"]); ok {
			c, ok := parseConstant(m["left"])
			return predicate{column: col, op: flipped[op], consts: []constant{c}}, ok
		}
		return predicate{}, false
	}
	switch typ {
	case "COMPARE_IN":
		kids := asList(m["children"])
		if len(kids) < 2 {
			return predicate{}, false
		}
		col, ok := columnRef(kids[0])
		if !ok {
			return predicate{}, false
		}
		p := predicate{column: col, op: "in"}
		for _, k := range kids[1:] {
			c, ok := parseConstant(k)
			if !ok {
				return predicate{}, false
			}
			p.consts = append(p.consts, c)
		}
		return p, true
	case "COMPARE_BETWEEN":
		col, ok := columnRef(m["input"])
		lo, okLo := parseConstant(m["lower"])
		hi, okHi := parseConstant(m["upper"])
		return predicate{column: col, op: "between", consts: []constant{lo, hi}}, ok && okLo && okHi
	}
	return predicate{}, false
}

// columnRef returns the lower-cased name parts of a plain column reference.
func columnRef(node any) ([]string, bool) {
	m, ok := node.(map[string]any)
	if !ok || m["class"] != "COLUMN_REF" {
		return nil, false
	}
	parts := asList(m["column_names"])
	if len(parts) == 0 || len(parts) > 2 {
		return nil, false
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		s, ok := p.(string)
		if !ok {
			return nil, false
		}
		out[i] = strings.ToLower(s)
	}
	return out, true
}

// parseConstant reads a non-NULL string or integer literal, optionally
// wrapped in one CAST (which is how DATE '...' and TIMESTAMP '...' parse).
func parseConstant(node any) (constant, bool) {
	m, ok := node.(map[string]any)
	if !ok {
		return constant{}, false
	}
	if m["class"] == "CAST" {
		if try, _ := m["try_cast"].(bool); try {
			return constant{}, false
		}
		c, ok := parseConstant(m["child"])
		if !ok || c.castTo != "" {
			return constant{}, false
		}
		ct, _ := m["cast_type"].(map[string]any)
		c.castTo, _ = ct["id"].(string)
		return c, c.castTo != ""
	}
	if m["class"] != "CONSTANT" {
		return constant{}, false
	}
	v, _ := m["value"].(map[string]any)
	if isNull, _ := v["is_null"].(bool); isNull || v == nil {
		return constant{}, false
	}
	t, _ := v["type"].(map[string]any)
	switch t["id"] {
	case "VARCHAR":
		s, ok := v["value"].(string)
		return constant{str: s, isStr: true}, ok
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT":
		n, ok := v["value"].(json.Number)
		if !ok {
			return constant{}, false
		}
		i, err := n.Int64()
		return constant{num: i, isInt: true}, err == nil
	}
	return constant{}, false
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// partValue is where one file sits: its dt and hr partition values.
type partValue struct {
	date    time.Time // midnight UTC of dt
	hour    int
	hasDate bool
	hasHour bool
}

// span is the event-time interval [start, end) the partition covers.
func (p partValue) span() (time.Time, time.Time) {
	if p.hasHour {
		s := p.date.Add(time.Duration(p.hour) * time.Hour)
		return s, s.Add(time.Hour)
	}
	return p.date, p.date.AddDate(0, 0, 1)
}

// keepFunc tells whether a file in partition p may hold rows that pass a
// predicate. It must never say false for such a file.
type keepFunc func(p partValue) bool

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// dateKeep prunes on dt: the literal must be a plain YYYY-MM-DD string,
// compared as a string or cast to DATE (the two orders agree).
func dateKeep(pr predicate) (keepFunc, bool) {
	days := make([]time.Time, len(pr.consts))
	for i, c := range pr.consts {
		if !c.isStr || (c.castTo != "" && c.castTo != "DATE" && c.castTo != "VARCHAR") || !dateRE.MatchString(c.str) {
			return nil, false
		}
		d, err := time.Parse(time.DateOnly, c.str)
		if err != nil {
			return nil, false
		}
		days[i] = d
	}
	return func(p partValue) bool {
		if !p.hasDate {
			return true
		}
		return compareAll(pr.op, p.date.Compare, days)
	}, true
}

// hourKeep prunes on hr with integer literals.
func hourKeep(pr predicate) (keepFunc, bool) {
	hours := make([]int64, len(pr.consts))
	for i, c := range pr.consts {
		if !c.isInt || c.castTo != "" {
			return nil, false
		}
		hours[i] = c.num
	}
	return func(p partValue) bool {
		if !p.hasHour {
			return true
		}
		h := int64(p.hour)
		return compareAll(pr.op, func(x int64) int { return cmpInt(h, x) }, hours)
	}, true
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareAll applies op to a partition value (through cmp, which compares
// it with a literal) for operators on values that are constant per file.
func compareAll[T any](op string, cmp func(T) int, vals []T) bool {
	switch op {
	case "eq":
		return cmp(vals[0]) == 0
	case "ne":
		return cmp(vals[0]) != 0
	case "lt":
		return cmp(vals[0]) < 0
	case "le":
		return cmp(vals[0]) <= 0
	case "gt":
		return cmp(vals[0]) > 0
	case "ge":
		return cmp(vals[0]) >= 0
	case "between":
		return cmp(vals[0]) >= 0 && cmp(vals[1]) <= 0
	case "in":
		for _, v := range vals {
			if cmp(v) == 0 {
				return true
			}
		}
		return false
	}
	return true
}

var tsRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?$`)

// parseTimestamp reads a literal the way DuckDB casts it to a timestamp
// without time zone; strings with a zone or other forms are refused.
func parseTimestamp(c constant) (time.Time, bool) {
	if !c.isStr {
		return time.Time{}, false
	}
	m := tsRE.FindStringSubmatch(c.str)
	if m == nil {
		return time.Time{}, false
	}
	switch c.castTo {
	case "", "TIMESTAMP_NS", "VARCHAR":
	case "TIMESTAMP":
		if len(m[5]) > 7 { // more than microseconds: DuckDB would round
			return time.Time{}, false
		}
	case "DATE":
		if m[2] != "" {
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	layout := "2006-01-02"
	s := m[1]
	if m[2] != "" {
		s += " " + m[2] + ":" + m[3] + ":"
		layout += " 15:04:"
		if m[4] != "" {
			s += m[4] + m[5]
		} else {
			s += "00"
		}
		layout += "05.999999999"
	}
	t, err := time.Parse(layout, s)
	return t, err == nil
}

// timeKeep prunes on ts: a sink-written file in partition dt/hr holds only
// events of that UTC hour (the Kafka record timestamp is the event time,
// truncated to milliseconds, so it never crosses into the next hour).
func timeKeep(pr predicate) (keepFunc, bool) {
	ts := make([]time.Time, len(pr.consts))
	for i, c := range pr.consts {
		t, ok := parseTimestamp(c)
		if !ok {
			return nil, false
		}
		ts[i] = t
	}
	return func(p partValue) bool {
		if !p.hasDate {
			return true
		}
		start, end := p.span()
		return overlaps(pr.op, start, end, ts)
	}, true
}

// overlaps tells whether some instant t in [start, end) satisfies `t op ts`.
func overlaps(op string, start, end time.Time, ts []time.Time) bool {
	switch op {
	case "eq":
		return !ts[0].Before(start) && ts[0].Before(end)
	case "lt":
		return start.Before(ts[0])
	case "le":
		return !start.After(ts[0])
	case "gt", "ge":
		return end.After(ts[0])
	case "between":
		return !start.After(ts[1]) && end.After(ts[0])
	case "in":
		for _, t := range ts {
			if !t.Before(start) && t.Before(end) {
				return true
			}
		}
		return false
	}
	return true
}

// parsePart reads a file's dt and hr partition values from its key.
func parsePart(kvs map[string]string) partValue {
	var p partValue
	if d, err := time.Parse(time.DateOnly, kvs["dt"]); err == nil {
		p.date, p.hasDate = d, true
	}
	if h, err := strconv.Atoi(kvs["hr"]); err == nil && h >= 0 && h < 24 {
		p.hour, p.hasHour = h, true
	}
	return p
}
