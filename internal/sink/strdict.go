package sink

import (
	"encoding/binary"
	"slices"
	"strings"
	"unsafe"
)

// strDict numbers the strings of one table (symbols, exchanges, sides,
// conditions) so that buffered rows hold small ids instead of strings: rows
// without pointers cost the garbage collector nothing to scan and copy
// without write barriers. Ids only grow until clear.
type strDict struct {
	ids  map[string]uint32
	strs []string
	// The last string seen in each of 256 slots, by its data pointer: the
	// decoder interns strings, so a repeated string is the same pointer and
	// most lookups end here, without hashing.
	last [256]dictSlot
	// The ids of the strings one tick.Decoder numbered, by their refs:
	// see idRef.
	byRef refIDs
}

// dictSlot is one entry of strDict's cache.
type dictSlot struct {
	s  string
	id uint32
	ok bool
}

func newStrDict() *strDict { return &strDict{ids: make(map[string]uint32)} }

// id returns the id of s, numbering it on first sight.
func (d *strDict) id(s string) uint32 {
	// Multiplying spreads the pointer's bits: allocations of short strings
	// share their low bits.
	slot := &d.last[(uint64(uintptr(unsafe.Pointer(unsafe.StringData(s))))*0x9e3779b97f4a7c15)>>56]
	if slot.ok && slot.s == s {
		return slot.id
	}
	id, ok := d.ids[s]
	if !ok {
		id = uint32(len(d.strs))
		d.ids[s] = id
		d.strs = append(d.strs, s)
	}
	*slot = dictSlot{s: s, id: id, ok: true}
	return id
}

// idRef returns the id of s, which the table's tick.Decoder numbered ref
// (0: unnumbered): a ref seen before costs one load, no hashing. Every ref
// given to one strDict must come from the same Decoder.
func (d *strDict) idRef(ref uint32, s string) uint32 {
	if id, ok := d.byRef.lookup(ref); ok {
		return id
	}
	id := d.id(s)
	d.byRef.set(ref, id)
	return id
}

// refIDs maps the refs a tick.Decoder gives its strings or lists to a
// dictionary's ids, stored plus one (0: not seen yet).
type refIDs []uint32

// lookup returns the id of ref, if it was set.
func (r refIDs) lookup(ref uint32) (uint32, bool) {
	if ref < uint32(len(r)) {
		if id := r[ref]; id != 0 {
			return id - 1, true
		}
	}
	return 0, false
}

// set records id as the id of ref, growing r; ref 0 (unnumbered) is not
// recorded.
func (r *refIDs) set(ref, id uint32) {
	if ref == 0 {
		return
	}
	if int(ref) >= len(*r) {
		*r = slices.Grow(*r, int(ref)+1-len(*r))[:ref+1]
	}
	(*r)[ref] = id + 1
}

// str returns the string of id.
func (d *strDict) str(id uint32) string { return d.strs[id] }

// len is the number of strings numbered.
func (d *strDict) len() int { return len(d.strs) }

// ranks returns each id's place in the byte order of the strings: rank[id].
func (d *strDict) ranks() []uint32 {
	order := make([]uint32, len(d.strs)) // sorted position -> id
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(d.strs[a], d.strs[b]) })
	rank := make([]uint32, len(d.strs))
	for r, id := range order {
		rank[id] = uint32(r)
	}
	return rank
}

// clear forgets every string; ids given before must no longer be used. The
// strings go to a new array: frozen views of the old one stay valid.
func (d *strDict) clear() {
	clear(d.ids)
	clear(d.byRef)
	d.strs = nil
	d.last = [256]dictSlot{}
}

// frozen returns a read-only view of the strings numbered so far, for a
// range encoded on another goroutine while d numbers more: d only appends
// past the view's end, and clear leaves the view's array alone.
func (d *strDict) frozen() *strDict {
	return &strDict{strs: d.strs[:len(d.strs):len(d.strs)]}
}

// listDict numbers the distinct string lists of one table (the conditions
// of trades): a handful of combinations repeat, so a row holds one id and
// the writer hands the same list to every row that has it.
type listDict struct {
	ids   map[string]uint32 // length-prefixed elements -> id
	lists [][]string
	elems [][]uint32 // each list's elements as ids of strs, for the writer
	strs  *strDict
	key   []byte
	last  []string // the list last numbered, and its id
	lastN uint32
	byRef refIDs // like strDict's
}

// newListDict numbers lists whose elements strs numbers.
func newListDict(strs *strDict) *listDict {
	return &listDict{ids: make(map[string]uint32), strs: strs}
}

// id returns the id of l's elements, numbering them on first sight. A nil
// and an empty list are the same list, as they are in Parquet.
func (d *listDict) id(l []string) uint32 {
	if d.last != nil && slices.Equal(l, d.last) {
		return d.lastN
	}
	d.key = d.key[:0]
	for _, s := range l {
		d.key = binary.AppendUvarint(d.key, uint64(len(s)))
		d.key = append(d.key, s...)
	}
	id, ok := d.ids[string(d.key)]
	if !ok {
		id = uint32(len(d.lists))
		d.ids[string(d.key)] = id
		d.lists = append(d.lists, slices.Clip(slices.Clone(l)))
		ids := make([]uint32, len(l))
		for j, e := range l {
			ids[j] = d.strs.id(e)
		}
		d.elems = append(d.elems, ids)
	}
	d.last, d.lastN = d.lists[id], id
	return id
}

// idRef returns the id of l, which the table's tick.Decoder numbered ref
// (0: unnumbered), like strDict.idRef.
func (d *listDict) idRef(ref uint32, l []string) uint32 {
	if id, ok := d.byRef.lookup(ref); ok {
		return id
	}
	id := d.id(l)
	d.byRef.set(ref, id)
	return id
}

// list returns the list of id; callers must not modify it.
func (d *listDict) list(id uint32) []string { return d.lists[id] }

// elemIDs returns the strs ids of list id's elements; callers must not
// modify them.
func (d *listDict) elemIDs(id uint32) []uint32 { return d.elems[id] }

// len is the number of lists numbered.
func (d *listDict) len() int { return len(d.lists) }

// clear forgets every list; ids given before must no longer be used. Like
// strDict's, it leaves frozen views alone. The lists' elements are
// numbered in strs, which must be cleared with it.
func (d *listDict) clear() {
	clear(d.ids)
	clear(d.byRef)
	d.lists, d.elems, d.last, d.lastN = nil, nil, nil, 0
}

// frozen returns a read-only view of the lists numbered so far, whose
// element ids are in strs, a frozen view of d's strDict taken after it.
func (d *listDict) frozen(strs *strDict) *listDict {
	n := len(d.lists)
	return &listDict{lists: d.lists[:n:n], elems: d.elems[:n:n], strs: strs}
}
