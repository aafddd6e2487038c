package tick

import (
	"math"
	"strconv"
)

// appendFloat formats like encoding/json does for the values we make
// (finite, well inside the range where it picks plain decimal notation).
// Prices that are whole numbers of 1/10000 dollars, the only ones ticklake
// makes, take a fast path: such a decimal has at most ten significant
// digits, so it is the shortest form that reads back as f, which is what
// strconv's shortest formatting would print.
func appendFloat(dst []byte, f float64) []byte {
	if f >= 0 && f < 1e9 {
		pips := math.Round(f * 1e4)
		if pips/1e4 == f {
			return appendPips(dst, int64(pips))
		}
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

// appendPips writes pips/10000 in decimal without trailing zeros.
func appendPips(dst []byte, pips int64) []byte {
	dst = appendInt(dst, pips/10_000)
	frac := pips % 10_000
	if frac == 0 {
		return dst
	}
	digits := [4]byte{byte('0' + frac/1000), byte('0' + frac/100%10), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 4
	for digits[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, digits[:n]...)
}

// AppendJSONString appends s as a JSON string the way the wire values do:
// plain ASCII is copied between quotes, anything else is escaped by
// strconv.AppendQuote.
func AppendJSONString(dst []byte, s string) []byte {
	return appendString(dst, s)
}

// appendString quotes s as encoding/json does; plain ASCII (every ticker,
// exchange and condition code) skips the escaping machinery.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return strconv.AppendQuote(dst, s)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
