package sink

import (
	"math"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// producedAt reads the record's produce-time header. It runs for every
// record: the common shape (1-18 plain digits) is parsed by hand, anything
// else by strconv, with the same result.
func producedAt(r *kgo.Record) (int64, bool) {
	for _, h := range r.Headers {
		if h.Key == tick.HeaderProducedAt {
			return parseDecimal(h.Value)
		}
	}
	return 0, false
}

// parseDecimal parses a decimal int64 as strconv.ParseInt(s, 10, 64) does,
// without allocating. Produce times have 19 digits.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 { // 19 digits cannot overflow a uint64
		return parseInt(b)
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return parseInt(b) // a sign, or not a number
		}
		n = n*10 + uint64(c-'0')
	}
	if n > math.MaxInt64 {
		return parseInt(b) // out of range
	}
	return int64(n), true
}
