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

// clear forgets every string; ids given before must no longer be used.
func (d *strDict) clear() {
	clear(d.ids)
	d.strs = d.strs[:0]
	d.last = [256]dictSlot{}
}

// listDict numbers the distinct string lists of one table (the conditions
// of trades): a handful of combinations repeat, so a row holds one id and
// the writer hands the same list to every row that has it.
type listDict struct {
	ids   map[string]uint32 // length-prefixed elements -> id
	lists [][]string
	key   []byte
	last  []string // the list last numbered, and its id
	lastN uint32
}

func newListDict() *listDict { return &listDict{ids: make(map[string]uint32)} }

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
	}
	d.last, d.lastN = d.lists[id], id
	return id
}

// list returns the list of id; callers must not modify it.
func (d *listDict) list(id uint32) []string { return d.lists[id] }

// len is the number of lists numbered.
func (d *listDict) len() int { return len(d.lists) }

// clear forgets every list; ids given before must no longer be used.
func (d *listDict) clear() {
	clear(d.ids)
	clear(d.lists)
	d.lists, d.last, d.lastN = d.lists[:0], nil, 0
}
