package sim

import "math/rand/v2"

// venue is an exchange code with a relative weight of its market share.
type venue struct {
	code   string
	weight int
}

// tradeVenues (read-only) includes the FINRA TRF ("D") where off-exchange prints land.
var tradeVenues = []venue{
	{"D", 35}, {"Q", 15}, {"N", 10}, {"P", 8}, {"Z", 7}, {"K", 6},
	{"V", 5}, {"J", 4}, {"Y", 3}, {"H", 3}, {"B", 2}, {"X", 1}, {"A", 1},
}

// quoteVenues (read-only) are the lit exchanges that set the NBBO.
var quoteVenues = []venue{
	{"Q", 22}, {"N", 16}, {"P", 14}, {"Z", 12}, {"K", 10}, {"V", 8},
	{"J", 6}, {"Y", 5}, {"H", 4}, {"B", 2}, {"X", 1},
}

// pick draws a venue code by weight.
func pick(rng *rand.Rand, vs []venue) string {
	total := 0
	for _, v := range vs {
		total += v.weight
	}
	n := rng.IntN(total)
	for _, v := range vs {
		if n < v.weight {
			return v.code
		}
		n -= v.weight
	}
	return vs[len(vs)-1].code
}

// tradeSize draws a trade size and its sale conditions: mostly round lots,
// a quarter odd lots (condition "I"), a few blocks, and now and then an
// intermarket sweep ("F").
func tradeSize(rng *rand.Rand) (int64, []string) {
	r := rng.Float64()
	switch {
	case r < 0.25:
		return 1 + rng.Int64N(99), []string{"I"}
	case r < 0.95:
		return 100 * (1 + rng.Int64N(5)), roundLotConditions(rng)
	default:
		return 100 * (10 + rng.Int64N(91)), roundLotConditions(rng)
	}
}

func roundLotConditions(rng *rand.Rand) []string {
	r := rng.Float64()
	switch {
	case r < 0.85:
		return []string{}
	case r < 0.95:
		return []string{"@", "F"}
	default:
		return []string{"@"}
	}
}
