package crawler

import (
	"fmt"
	"slices"
	"strings"
)

// htype is a Hive type as a tree, so that nested types can be merged field
// by field. kind is a primitive name ("int", "string", "decimal(10,2)"...),
// "array", "map", "struct", or "null" for a value that was only ever null.
type htype struct {
	kind   string
	elem   *htype // array element, map value
	key    *htype // map key
	fields []hfield
}

type hfield struct {
	name string
	t    *htype
}

var nullType = &htype{kind: "null"}

func prim(kind string) *htype { return &htype{kind: kind} }

// String renders the type as Glue and Athena write it; a type never seen
// with a value is a string.
func (t *htype) String() string {
	switch t.kind {
	case "null":
		return "string"
	case "array":
		return "array<" + t.elem.String() + ">"
	case "map":
		return "map<" + t.key.String() + "," + t.elem.String() + ">"
	case "struct":
		parts := make([]string, len(t.fields))
		for i, f := range t.fields {
			parts[i] = f.name + ":" + f.t.String()
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	}
	return t.kind
}

// parseType parses a Hive type name.
func parseType(s string) (*htype, error) {
	p := &typeParser{s: s}
	t, err := p.parse()
	if err == nil && p.i != len(s) {
		err = fmt.Errorf("trailing %q", s[p.i:])
	}
	if err != nil {
		return nil, fmt.Errorf("parsing type %q: %w", s, err)
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) parse() (*htype, error) {
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune("<>,:", rune(p.s[p.i])) {
		if p.s[p.i] == '(' { // decimal(p,s), varchar(n)
			end := strings.IndexByte(p.s[p.i:], ')')
			if end < 0 {
				return nil, fmt.Errorf("unclosed ( at %d", p.i)
			}
			p.i += end
		}
		p.i++
	}
	name := strings.TrimSpace(p.s[start:p.i])
	switch name {
	case "array":
		elem, err := p.inner()
		return &htype{kind: "array", elem: elem}, err
	case "map":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		k, err := p.parse()
		if err != nil {
			return nil, err
		}
		if err := p.expect(','); err != nil {
			return nil, err
		}
		v, err := p.parse()
		if err != nil {
			return nil, err
		}
		return &htype{kind: "map", key: k, elem: v}, p.expect('>')
	case "struct":
		return p.structType()
	case "":
		return nil, fmt.Errorf("missing type at %d", start)
	}
	return prim(name), nil
}

func (p *typeParser) inner() (*htype, error) {
	if err := p.expect('<'); err != nil {
		return nil, err
	}
	t, err := p.parse()
	if err != nil {
		return nil, err
	}
	return t, p.expect('>')
}

func (p *typeParser) structType() (*htype, error) {
	if err := p.expect('<'); err != nil {
		return nil, err
	}
	t := &htype{kind: "struct"}
	for p.i < len(p.s) && p.s[p.i] != '>' {
		colon := strings.IndexByte(p.s[p.i:], ':')
		if colon < 0 {
			return nil, fmt.Errorf("struct field without a type at %d", p.i)
		}
		name := p.s[p.i : p.i+colon]
		p.i += colon + 1
		ft, err := p.parse()
		if err != nil {
			return nil, err
		}
		t.fields = append(t.fields, hfield{name: name, t: ft})
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		}
	}
	return t, p.expect('>')
}

func (p *typeParser) expect(c byte) error {
	if p.i >= len(p.s) || p.s[p.i] != c {
		return fmt.Errorf("want %q at %d", c, p.i)
	}
	p.i++
	return nil
}

// numericRank orders the numeric types a column may widen through.
var numericRank = map[string]int{"tinyint": 1, "smallint": 2, "int": 3, "bigint": 4, "float": 5, "double": 6}

// mergeType returns the type holding the values of both a and b: null fits
// anything, integers widen to the larger integer, integers and floating
// point to double, structs take the union of their fields, arrays and maps
// merge their elements. ok is false when no such type exists.
func mergeType(a, b *htype) (*htype, bool) {
	switch {
	case a.kind == "null":
		return b, true
	case b.kind == "null":
		return a, true
	case a.kind != b.kind:
		k, ok := widenNumeric(a.kind, b.kind)
		return prim(k), ok
	case a.kind == "array":
		e, ok := mergeType(a.elem, b.elem)
		return &htype{kind: "array", elem: e}, ok
	case a.kind == "map":
		k, okK := mergeType(a.key, b.key)
		v, okV := mergeType(a.elem, b.elem)
		return &htype{kind: "map", key: k, elem: v}, okK && okV
	case a.kind == "struct":
		return mergeStruct(a, b)
	}
	return a, true
}

func mergeStruct(a, b *htype) (*htype, bool) {
	out := &htype{kind: "struct", fields: slices.Clone(a.fields)}
	for _, bf := range b.fields {
		i := slices.IndexFunc(out.fields, func(f hfield) bool { return f.name == bf.name })
		if i < 0 {
			out.fields = append(out.fields, bf)
			continue
		}
		t, ok := mergeType(out.fields[i].t, bf.t)
		if !ok {
			return nil, false
		}
		out.fields[i].t = t
	}
	return out, true
}

func widenNumeric(a, b string) (string, bool) {
	ra, okA := numericRank[a]
	rb, okB := numericRank[b]
	if !okA || !okB {
		return "", false
	}
	if (ra >= numericRank["float"]) != (rb >= numericRank["float"]) {
		return "double", true
	}
	if ra > rb {
		return a, true
	}
	return b, true
}

// widen merges two Hive type names; see mergeType.
func widen(a, b string) (string, bool) {
	if a == b {
		return a, true
	}
	ta, errA := parseType(a)
	tb, errB := parseType(b)
	if errA != nil || errB != nil {
		return "", false
	}
	t, ok := mergeType(ta, tb)
	if !ok {
		return "", false
	}
	return t.String(), true
}
