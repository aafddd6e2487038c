package tick

import (
	"math"
	"math/bits"
)

// The canonical layout is the one Trade.AppendJSON and Quote.AppendJSON
// write (ticklake's own producers): the fields in that order, no
// whitespace. The fast paths below read it in one pass, a word at a time,
// and compare each run of keys and punctuation between two values as one
// constant (the compiler turns a compare of bytes with a constant string
// into a few 8-byte compares, no call). Every value is read with the rules
// of the general path, so they yield what encoding/json would; false means
// "not that layout", and the caller takes the general path.

// canonicalTrade decodes a trade in the canonical layout.
func (d *Decoder) canonicalTrade(b []byte, t *Trade, r *Refs) bool {
	const head = `{"symbol":"`
	if len(b) < len(head) || string(b[:len(head)]) != head {
		return false
	}
	i, ok := d.strAt(b, len(head), &t.Symbol, &r.Symbol)
	if !ok || len(b)-i < 6 || string(b[i:i+6]) != `,"ts":` {
		return false
	}
	if i, ok = intAt(b, i+6, &t.Ts); !ok || len(b)-i < 9 || string(b[i:i+9]) != `,"price":` {
		return false
	}
	if i, ok = floatAt(b, i+9, &t.Price); !ok || len(b)-i < 8 || string(b[i:i+8]) != `,"size":` {
		return false
	}
	if i, ok = intAt(b, i+8, &t.Size); !ok || len(b)-i < 13 || string(b[i:i+13]) != `,"exchange":"` {
		return false
	}
	if i, ok = d.strAt(b, i+13, &t.Exchange, &r.Exchange); !ok || len(b)-i < 14 || string(b[i:i+14]) != `,"conditions":` {
		return false
	}
	if t.Conditions, r.Conditions, i, ok = d.listAt(b, i+14); !ok || len(b)-i < 9 || string(b[i:i+9]) != `,"side":"` {
		return false
	}
	if i, ok = d.strAt(b, i+9, &t.Side, &r.Side); !ok || len(b)-i < 7 || string(b[i:i+7]) != `,"seq":` {
		return false
	}
	return lastInt(b, i+7, &t.Seq)
}

// canonicalQuote decodes a quote in the canonical layout.
func (d *Decoder) canonicalQuote(b []byte, q *Quote, r *Refs) bool {
	const head = `{"symbol":"`
	if len(b) < len(head) || string(b[:len(head)]) != head {
		return false
	}
	i, ok := d.strAt(b, len(head), &q.Symbol, &r.Symbol)
	if !ok || len(b)-i < 6 || string(b[i:i+6]) != `,"ts":` {
		return false
	}
	if i, ok = intAt(b, i+6, &q.Ts); !ok || len(b)-i < 7 || string(b[i:i+7]) != `,"bid":` {
		return false
	}
	if i, ok = floatAt(b, i+7, &q.Bid); !ok || len(b)-i < 12 || string(b[i:i+12]) != `,"bid_size":` {
		return false
	}
	if i, ok = intAt(b, i+12, &q.BidSize); !ok || len(b)-i < 7 || string(b[i:i+7]) != `,"ask":` {
		return false
	}
	if i, ok = floatAt(b, i+7, &q.Ask); !ok || len(b)-i < 12 || string(b[i:i+12]) != `,"ask_size":` {
		return false
	}
	if i, ok = intAt(b, i+12, &q.AskSize); !ok || len(b)-i < 13 || string(b[i:i+13]) != `,"exchange":"` {
		return false
	}
	if i, ok = d.strAt(b, i+13, &q.Exchange, &r.Exchange); !ok || len(b)-i < 7 || string(b[i:i+7]) != `,"seq":` {
		return false
	}
	return lastInt(b, i+7, &q.Seq)
}

// strAt reads the string whose opening quote is at i-1, interning it, and
// returns where it ends, past its closing quote. A short string seen
// before costs one load, a few masks and one compare with its cache slot.
// The slots hold plain strings only (strAtSlow checks them), so bytes
// before a quote that equal a slot's are plain too.
func (d *Decoder) strAt(b []byte, i int, dst *string, ref *uint32) (int, bool) {
	if w, ok := load(b, i); ok {
		if q := bytesEq(w, '"'); q != 0 {
			key := w & ((q&-q - 1) >> 7) // the bytes before the first quote
			if slot := d.shortSlot(key); slot.tag == key|1<<63 {
				*dst, *ref = slot.s, slot.ref
				return i + bits.TrailingZeros64(q)>>3 + 1, true
			}
		}
	}
	return d.strAtSlow(b, i, dst, ref)
}

// strAtSlow is strAt for strings not in the cache of short ones.
func (d *Decoder) strAtSlow(b []byte, i int, dst *string, ref *uint32) (int, bool) {
	if key, n, ok := shortString(b, i); ok {
		*dst, *ref = d.internShort(key, b[i:i+n])
		return i + n + 1, true
	}
	s := scan{b: b, i: i - 1}
	raw, ok := s.raw()
	if !ok {
		return 0, false
	}
	*dst, *ref = d.intern(raw)
	return s.i, true
}

// listAt reads the list of strings at i, returning it, its ref and where
// it ends. The same bytes always decode to the same list, which is shared:
// lists of at most 16 bytes are found by those bytes as two words.
func (d *Decoder) listAt(b []byte, i int) ([]string, uint32, int, bool) {
	lo, hi, n, short := listKey(b, i)
	var slot *listSlot
	if short {
		slot = d.listSlotOf(lo, hi)
		if slot.n == n && slot.lo == lo && slot.hi == hi {
			return slot.list, slot.ref, i + n, true
		}
	}
	s := scan{b: b, i: i}
	var l []string
	if !s.list(d, &l) {
		return nil, 0, 0, false
	}
	l, ref := d.numberList(b[i:s.i], l)
	if short && s.i-i == n {
		*slot = listSlot{lo: lo, hi: hi, n: n, list: l, ref: ref}
	}
	return l, ref, s.i, true
}

// intAt reads a plain JSON integer at i, like scan.int: optional minus, no
// leading zeros, at most 19 digits and within int64. The caller checks
// what follows it, which rules out fractions, exponents and more digits.
// Up to 7 digits take one load.
func intAt(b []byte, i int, dst *int64) (int, bool) {
	if w, ok := load(b, i); ok {
		if n := digitCount(w); n > 0 && n < 8 && (n == 1 || b[i] != '0') {
			*dst = int64(leadingDigits(w, n))
			return i + n, true
		}
	}
	return intAtSlow(b, i, dst)
}

// intAtSlow is intAt for negative and long integers, and near the end.
func intAtSlow(b []byte, i int, dst *int64) (int, bool) {
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	v, n := digitsAt(b, i)
	if n == 0 || (n > 1 && b[i] == '0') || v > math.MaxInt64 {
		return 0, false
	}
	*dst = int64(v)
	if neg {
		*dst = -*dst
	}
	return i + n, true
}

// lastInt reads the integer at i that closes the object: what follows it
// must be the closing brace, the last byte. Up to 7 digits take one load,
// of the last eight bytes.
func lastInt(b []byte, i int, dst *int64) bool {
	if n := len(b) - 1 - i; n > 0 && n < 8 {
		if w, ok := load(b, len(b)-8); ok {
			x := w >> (8 * (7 - n)) // the number's bytes, then the brace
			if x>>(8*n) == '}' && digitCount(x) == n && (n == 1 || b[i] != '0') {
				*dst = int64(leadingDigits(x, n))
				return true
			}
		}
	}
	end, ok := intAtSlow(b, i, dst)
	return ok && end == len(b)-1 && b[end] == '}'
}

// floatAt reads a JSON number at i as encoding/json would. A price of at
// most 7 integer and 7 fraction digits takes two loads: its digits make an
// integer under 2^53 and the power of ten is exact, so their quotient is
// the correctly rounded value (see decimal). Other numbers take scan.float.
func floatAt(b []byte, i int, dst *float64) (int, bool) {
	if w, ok := load(b, i); ok {
		if n := digitCount(w); n > 0 && n < 8 && (n == 1 || b[i] != '0') {
			m, j := leadingDigits(w, n), i+n
			if b[j] != '.' {
				*dst = float64(m)
				return j, true
			}
			if w, ok := load(b, j+1); ok {
				if f := digitCount(w); f > 0 && f < 8 {
					*dst = float64(m*pow10u[f]+leadingDigits(w, f)) / pow10[f]
					return j + 1 + f, true
				}
			}
		}
	}
	s := scan{b: b, i: i}
	if !s.float(dst) {
		return 0, false
	}
	return s.i, true
}
