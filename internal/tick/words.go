package tick

import (
	"encoding/binary"
	"math/bits"
)

// The canonical fast path reads its input eight bytes at a time: one load
// finds where a short string ends, or how many digits a number has, with
// no loop and a few predictable branches. Each mask below is exact per
// byte (no carry crosses a byte), so its lowest set bit is the first byte
// that matches.

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
	lows  = 0x7F7F7F7F7F7F7F7F
)

// load returns the eight bytes of b at i, little-endian (b[i] in the low
// byte), or false when fewer than eight remain.
func load(b []byte, i int) (uint64, bool) {
	if i < 0 || len(b)-i < 8 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[i:]), true
}

// zeroBytes marks (with the byte's high bit) each zero byte of x.
func zeroBytes(x uint64) uint64 {
	return ^((x&lows + lows) | x | lows)
}

// bytesEq marks each byte of w equal to c.
func bytesEq(w uint64, c byte) uint64 { return zeroBytes(w ^ ones*uint64(c)) }

// nonDigits marks each byte of w that is not an ASCII digit: a byte is a
// digit when it xors '0' into 0..9, i.e. its high bit stays clear and its
// low seven bits plus 0x76 stay below 0x80.
func nonDigits(w uint64) uint64 {
	x := w ^ ones*'0'
	return ((x&lows + ones*0x76) | x) & highs
}

// digitCount is how many ASCII digits w starts with (8 when all are).
func digitCount(w uint64) int {
	return bits.TrailingZeros64(nonDigits(w)) >> 3
}

// leadingDigits is the value of the first n (0 to 8) bytes of w, which are
// ASCII digits: they move to the top of the word and the bytes below become
// '0's, leading zeros that digits8 reads as such.
func leadingDigits(w uint64, n int) uint64 {
	shift := uint(64 - 8*n)
	return digits8(w<<shift | ones*'0'>>(64-shift))
}

// notPlain marks each byte of w a string cannot hold as is on the fast
// path: control bytes, non-ASCII (UTF-8 checks) and backslashes (escapes).
func notPlain(w uint64) uint64 {
	below20 := ^(w&lows + ones*0x60) & highs // low seven bits under 0x20
	return below20 | w&highs | bytesEq(w, '\\')
}

// shortString reads the plain ASCII bytes at i up to a closing quote
// within the next eight bytes: it returns them as a word (the first in the
// low byte, zeros above) and their count, 0 to 7. ok is false for anything
// else: a longer string, an escape, a control or non-ASCII byte, or fewer
// than eight bytes left.
func shortString(b []byte, i int) (key uint64, n int, ok bool) {
	w, ok := load(b, i)
	if !ok {
		return 0, 0, false
	}
	q := bytesEq(w, '"')
	if q == 0 {
		return 0, 0, false
	}
	before := (q&-q - 1) >> 7 // every bit of the bytes before the first quote
	if notPlain(w)&before != 0 {
		return 0, 0, false
	}
	return w & before, bits.TrailingZeros64(q) >> 3, true
}

// pow10u holds the powers of ten up to 10^8.
var pow10u = [...]uint64{1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000}

// digitsAt reads the decimal digits b has at i (0 <= i <= len(b)), at
// most 19 of them (they fit a uint64), and returns their value and count,
// like digitsPrefix but a word at a time.
func digitsAt(b []byte, i int) (v uint64, n int) {
	for {
		w, ok := load(b, i+n)
		if !ok {
			if w, ok = tail(b, i+n); !ok {
				return digitsPrefix(b[i:]) // b is shorter than a word: n is 0
			}
		}
		c := digitCount(w)
		if n == 16 {
			c = min(c, 3) // the 20th digit, if any, is left for the caller to see
		}
		if c < 8 {
			return v*pow10u[c] + leadingDigits(w, c), n + c
		}
		v, n = v*100_000_000+digits8(w), n+8
	}
}

// tail returns the last bytes of b from i, fewer than eight, in the low
// bytes of a word and zeros above (which are not digits), read with one
// load of b's last eight bytes; false when b is shorter than that.
func tail(b []byte, i int) (uint64, bool) {
	w, ok := load(b, len(b)-8)
	if !ok {
		return 0, false
	}
	return w >> (8 * uint(8-(len(b)-i))), true
}
