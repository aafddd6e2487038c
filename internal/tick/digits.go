package tick

import "encoding/binary"

// ParseDigits returns the value of b when b is 1 to 19 ASCII decimal digits
// (19 digits always fit a uint64), and false for anything else. It reads
// eight digits at a time: a produce time or an event time has 19.
func ParseDigits(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	v, n := digitsPrefix(b)
	return v, n == len(b)
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
