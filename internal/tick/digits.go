package tick

import "encoding/binary"

// ParseDigits returns the value of b when b is 1 to 19 ASCII decimal digits
// (19 digits always fit a uint64), and false for anything else. It reads
// eight digits at a time, the last eight overlapping those before: a
// produce time or an event time has 19, which take three loads and no
// loop.
func ParseDigits(b []byte) (uint64, bool) {
	n := len(b)
	if n < 8 || n > 19 {
		if n == 0 || n > 19 {
			return 0, false
		}
		v, m := digitsPrefix(b)
		return v, m == n
	}
	first, last := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	mid := first // the middle word, for 17 to 19 digits
	if n > 16 {
		mid = binary.LittleEndian.Uint64(b[8:])
	}
	if nonDigits(first)|nonDigits(mid)|nonDigits(last) != 0 {
		return 0, false
	}
	v, done := digits8(first), 8
	if n > 16 {
		v, done = v*100_000_000+digits8(mid), 16
	}
	rest := n - done // 0 to 8 digits, the top bytes of last
	return v*pow10u[rest] + leadingDigits(last>>(8*(8-rest)), rest), true
}

// digitsPrefix parses the decimal digits b starts with, at most 19 of them,
// returning their value and how many there were.
func digitsPrefix(b []byte) (v uint64, n int) {
	for n+8 <= len(b) && n+8 <= 19 {
		w := binary.LittleEndian.Uint64(b[n:])
		if !eightDigits(w) {
			break
		}
		v = v*100_000_000 + digits8(w)
		n += 8
	}
	for n < len(b) && n < 19 && b[n]-'0' < 10 {
		v = v*10 + uint64(b[n]-'0')
		n++
	}
	return v, n
}

// eightDigits reports whether the eight bytes of w are all ASCII digits:
// each byte's high nibble must be 3, and stay 3 when 6 is added (a carry
// out of a byte only happens when that byte fails already).
func eightDigits(w uint64) bool {
	const hi = 0xF0F0F0F0F0F0F0F0
	return (w&hi)|((w+0x0606060606060606)&hi)>>4 == 0x3333333333333333
}

// digits8 is the value of eight ASCII digits loaded little-endian (the
// first digit in the lowest byte): pairs of digits, then pairs of pairs,
// combined by multiplication in SWAR fashion.
func digits8(w uint64) uint64 {
	w -= 0x3030303030303030
	w = w*10 + w>>8 // the low byte of each 16-bit lane: two digits' value
	const lanes = 0x000000FF000000FF
	return ((w&lanes)*(100+1_000_000<<32) + (w>>16&lanes)*(1+10_000<<32)) >> 32
}
