package sim

import "math/rand/v2"

// venues draws exchange codes by market share from a table of 100 slots.
type venues [100]string

// newVenues spreads codes over the table by their weights (percent).
func newVenues(weights []struct {
	code   string
	weight int
}) *venues {
	var v venues
	i := 0
	for _, w := range weights {
		for range w.weight {
			v[i] = w.code
			i++
		}
	}
	for ; i < len(v); i++ {
		v[i] = weights[0].code
	}
	return &v
}

func (v *venues) pick(rng *rand.Rand) string {
	return v[rng.IntN(len(v))]
}

// tradeVenues (read-only) includes the FINRA TRF ("D") where off-exchange
// prints land.
var tradeVenues = newVenues([]struct {
	code   string
	weight int
}{
	{"D", 35}, {"Q", 15}, {"N", 10}, {"P", 8}, {"Z", 7}, {"K", 6},
	{"V", 5}, {"J", 4}, {"Y", 3}, {"H", 3}, {"B", 2}, {"X", 1}, {"A", 1},
})

// quoteVenues (read-only) are the lit exchanges that set the NBBO.
var quoteVenues = newVenues([]struct {
	code   string
	weight int
}{
	{"Q", 22}, {"N", 16}, {"P", 14}, {"Z", 12}, {"K", 10}, {"V", 8},
	{"J", 6}, {"Y", 5}, {"H", 4}, {"B", 2}, {"X", 1},
})
