package tick

import "math/bits"

// Refs number the strings and the list of one decoded value within the
// Decoder that decoded it. A Decoder gives equal strings, and lists with
// equal wire bytes, the same non-zero number for its whole life, so a
// caller can index its own tables by them instead of hashing strings.
// 0 means not numbered (the value took the general path, the list is over
// maxListKey bytes, or the Decoder has numbered maxInterned strings or
// lists already): look the string or list up instead.
type Refs struct {
	Symbol, Exchange, Side uint32
	Conditions             uint32 // trades only
}

// maxInterned bounds the strings, and separately the lists, a Decoder
// interns and numbers; past it they are copied and left unnumbered.
const maxInterned = 1 << 14

// maxListKey is the longest list, in wire bytes, a Decoder remembers by its
// bytes: the same bytes then decode to the same shared list.
const maxListKey = 64

// strSlot caches one short string by its bytes read as a word: a hit costs
// one compare, no hashing of the bytes and no memeq. Only plain strings
// (no quote, backslash, control or non-ASCII byte) enter a slot: strAt
// relies on it.
type strSlot struct {
	tag uint64 // shortString's key with the top bit set (a key never has it); 0 when empty
	s   string
	ref uint32
}

// listSlot caches one decoded list by its first 16 wire bytes and length.
type listSlot struct {
	lo, hi uint64
	n      int
	list   []string
	ref    uint32
}

// listEntry is a list a Decoder numbered, by its wire bytes.
type listEntry struct {
	list []string
	ref  uint32
}

// interner is the Decoder's tables of strings and lists.
type interner struct {
	refs       map[string]uint32 // interned string -> its ref
	names      []string          // ref -> string; names[0] is unused
	short      [256]strSlot
	lists      map[string]listEntry // wire bytes -> list
	nList      uint32               // lists numbered
	shortLists [64]listSlot
}

func newInterner() interner {
	return interner{refs: make(map[string]uint32), names: []string{""}, lists: make(map[string]listEntry)}
}

// intern returns a string equal to b, shared when it was seen before, and
// its ref. b holds no zero byte (raw refuses control bytes), so a short b
// is told apart by its bytes read as a word.
func (n *interner) intern(b []byte) (string, uint32) {
	if len(b) >= 8 {
		return n.internLong(b)
	}
	var key uint64
	for i, c := range b {
		key |= uint64(c) << (8 * i)
	}
	return n.internShort(key, b)
}

// shortSlot returns the cache slot of a short string's key: the top 8
// bits of a multiplicative hash.
func (n *interner) shortSlot(key uint64) *strSlot {
	return &n.short[(key*0x9e3779b97f4a7c15)>>56]
}

// internShort interns the bytes b whose word is key (see shortString).
func (n *interner) internShort(key uint64, b []byte) (string, uint32) {
	tag := key | 1<<63
	slot := n.shortSlot(key)
	if slot.tag == tag {
		return slot.s, slot.ref
	}
	s, ref := n.internLong(b)
	*slot = strSlot{tag: tag, s: s, ref: ref}
	return s, ref
}

// internLong interns b through the map.
func (n *interner) internLong(b []byte) (string, uint32) {
	if ref, ok := n.refs[string(b)]; ok {
		return n.names[ref], ref
	}
	s := string(b)
	if len(n.names) > maxInterned {
		return s, 0
	}
	ref := uint32(len(n.names))
	n.refs[s] = ref
	n.names = append(n.names, s)
	return s, ref
}

// listKey reads the bytes at i up to the first ']' when that is within 16
// bytes: two words (zeros past the bracket) and the count.
func listKey(b []byte, i int) (lo, hi uint64, n int, ok bool) {
	lo, ok1 := load(b, i)
	hi, ok2 := load(b, i+8)
	if !ok1 || !ok2 {
		return 0, 0, 0, false
	}
	if m := bytesEq(lo, ']'); m != 0 {
		n = bits.TrailingZeros64(m)>>3 + 1
		return lo & (^uint64(0) >> (64 - 8*n)), 0, n, true
	}
	if m := bytesEq(hi, ']'); m != 0 {
		n = bits.TrailingZeros64(m)>>3 + 1
		return lo, hi & (^uint64(0) >> (64 - 8*n)), 8 + n, true
	}
	return 0, 0, 0, false
}

// listSlotOf returns the cache slot of a list key.
func (n *interner) listSlotOf(lo, hi uint64) *listSlot {
	return &n.shortLists[((lo^hi*0xff51afd7ed558ccd)*0x9e3779b97f4a7c15)>>58]
}

// numberList returns the list its wire bytes raw decoded to before, if
// any, or numbers list as theirs.
func (n *interner) numberList(raw []byte, list []string) ([]string, uint32) {
	if len(raw) > maxListKey {
		return list, 0
	}
	if e, ok := n.lists[string(raw)]; ok {
		return e.list, e.ref
	}
	if n.nList >= maxInterned {
		return list, 0
	}
	n.nList++
	n.lists[string(raw)] = listEntry{list: list, ref: n.nList}
	return list, n.nList
}
