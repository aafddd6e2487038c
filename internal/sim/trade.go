package sim

import (
	"math"

	"github.com/ticklake/ticklake/internal/tick"
)

// Sale condition sets. They are shared by every trade and must not be
// modified by consumers.
var (
	condNone      = []string{}
	condOddLot    = []string{"I"}
	condSweep     = []string{"F"}
	condExtended  = []string{"T"}
	condExtOddLot = []string{"T", "I"}
)

// trade sets t to an execution at the path's current time against the
// prevailing quote. The aggressor leans towards where the latent price has
// moved since the quote (informed flow); buyers lift the ask, sellers hit
// the bid, and a share of prints falls inside the spread off-exchange.
func (st *symbolState) trade(t *tick.Trade) {
	spread := st.ask - st.bid
	qmid := float64(st.bid+st.ask) / 2
	pBuy := 0.5 + 0.4*math.Tanh((st.mid-qmid)/float64(spread))
	side, price := "S", st.bid
	if st.rng.Float64() < pBuy {
		side, price = "B", st.ask
	}
	venue := tradeVenues.pick(st.rng)
	tk := tickSize(float64(st.bid))
	if spread >= 2*tk && st.rng.Float64() < st.p.InsideShare {
		price = st.bid + tk*(1+st.rng.Int64N(spread/tk-1))
		venue = "D"
	}
	size, odd := st.tradeSize()
	st.tradeSeq++
	*t = tick.Trade{
		Symbol:     st.sym.Symbol,
		Ts:         st.t,
		Price:      dollars(price),
		Size:       size,
		Exchange:   venue,
		Conditions: st.conditions(odd),
		Side:       side,
		Seq:        st.tradeSeq,
	}
}

// tradeSize draws a size: odd lots (about a quarter of prints), spikes at
// the round lots traders type (100, 200, 500, 1000...), and a power-law
// tail (Pareto, α = 1.5) of larger orders.
func (st *symbolState) tradeSize() (size int64, oddLot bool) {
	r := st.rng.Float64()
	switch {
	case r < 0.27:
		u := st.rng.Float64()
		return 1 + int64(99*u*u), true
	case r < 0.72:
		return st.lotScale * roundLots[st.rng.IntN(len(roundLots))], false
	}
	s := int64(min(100*math.Pow(1-st.rng.Float64(), -1/1.5), 500_000))
	if st.rng.IntN(2) == 0 {
		s -= s % 100 // big orders are often typed in round lots
	}
	return st.lotScale * s, false
}

// roundLots weights the round-lot spikes by repetition.
var roundLots = []int64{100, 100, 100, 100, 100, 100, 100, 100, 200, 200, 200, 200, 300, 300, 400, 500, 500, 500, 1000, 1000, 2000, 5000}

func (st *symbolState) conditions(oddLot bool) []string {
	switch {
	case !st.regular && oddLot:
		return condExtOddLot
	case !st.regular:
		return condExtended
	case oddLot:
		return condOddLot
	case st.rng.IntN(20) == 0:
		return condSweep
	}
	return condNone
}
