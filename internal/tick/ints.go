package tick

import (
	"math/bits"
	"strconv"
)

// decimalPairs holds "00" to "99": two digits per table read.
const decimalPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// pow10s[i] is 10^i.
var pow10s = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// appendInt appends v in decimal, as strconv.AppendInt(dst, v, 10) does.
// The values of a record (a 19-digit nanosecond time, sizes, sequence
// numbers) are written straight into dst from the last digit back, two at a
// time, in 32-bit arithmetic below a billion: no scratch buffer and no copy.
func appendInt(dst []byte, v int64) []byte {
	if v < 0 {
		return strconv.AppendInt(dst, v, 10)
	}
	u := uint64(v)
	n := decimalLen(u)
	if cap(dst)-len(dst) < n {
		dst = append(dst, make([]byte, n)...)[:len(dst)]
	}
	end := len(dst) + n
	b := dst[:end]
	i := end
	for u >= 1e9 {
		q := u / 1e9
		i = putNine(b, i, uint32(u-q*1e9))
		u = q
	}
	putSmall(b[:i], uint32(u))
	return b
}

// decimalLen is the number of decimal digits of u (1 for 0).
func decimalLen(u uint64) int {
	n := (bits.Len64(u) * 1233) >> 12 // floor(log10(2^len)) , at most one short
	if n < len(pow10s) && u >= pow10s[n] {
		n++
	}
	return max(n, 1)
}

// putNine writes exactly nine digits of x (< 1e9) ending at b[i] and
// returns their start.
func putNine(b []byte, i int, x uint32) int {
	for range 4 {
		q := x / 100
		r := (x - q*100) * 2
		b[i-2], b[i-1] = decimalPairs[r], decimalPairs[r+1]
		i -= 2
		x = q
	}
	b[i-1] = byte('0' + x)
	return i - 1
}

// putSmall writes x (< 1e10 fits uint32 below 2^32) as the digits filling
// all of b.
func putSmall(b []byte, x uint32) {
	i := len(b)
	for x >= 100 {
		q := x / 100
		r := (x - q*100) * 2
		b[i-2], b[i-1] = decimalPairs[r], decimalPairs[r+1]
		i -= 2
		x = q
	}
	if x >= 10 {
		b[i-2], b[i-1] = decimalPairs[2*x], decimalPairs[2*x+1]
		return
	}
	b[i-1] = byte('0' + x)
}
