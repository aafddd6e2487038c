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
// without allocating. Produce times have 19 digits, read eight at a time.
func parseDecimal(b []byte) (int64, bool) {
	if v, ok := tick.ParseDigits(b); ok && v <= math.MaxInt64 {
		return int64(v), true
	}
	return parseInt(b) // a sign, not a number, or out of range
}
