package sim

import (
	"math"

	"github.com/ticklake/ticklake/internal/tick"
)

// tickSize is the minimum price increment, in pips, at price p (pips):
// $0.01 at or above $1, $0.0001 below (SEC Rule 612).
func tickSize(p float64) int64 {
	if p >= pipsPerDollar {
		return 100
	}
	return 1
}

// requote sets the NBBO around the latent mid: a spread that widens with
// volatility, outside the regular session and, in relative terms, for cheap
// names; never crossed or locked; sizes in round lots.
func (st *symbolState) requote() {
	mid := st.mid
	tk := tickSize(mid)
	rel := st.p.SpreadBps * 1e-4 * (st.sym.Volatility / 0.25) * math.Sqrt(st.hTot)
	if !st.regular {
		rel *= 4
	}
	spread := mid*rel + st.p.SpreadFloorDollars*pipsPerDollar
	ticks := max(int64(spread/float64(tk)+st.rng.Float64()), 1)
	bid := int64(math.Floor((mid-float64(ticks*tk)/2)/float64(tk))) * tk
	bid = max(bid, tk)
	ask := bid + ticks*tk
	if ask >= pipsPerDollar && ask%100 != 0 {
		ask += 100 - ask%100 // quotes at or above $1 are in whole cents
	}
	st.bid, st.ask = bid, ask
	st.bidSize = st.quoteSize()
	st.askSize = st.quoteSize()
}

// quoteSize draws a displayed size: round lots, geometric-like, deeper for
// cheap names and thinner outside the regular session.
func (st *symbolState) quoteSize() int64 {
	mean := 4.0
	if !st.regular {
		mean = 1.5
	}
	return 100 * st.lotScale * (1 + int64(st.rng.ExpFloat64()*mean))
}

// quote sets q to the new prevailing quote at the path's current time.
func (st *symbolState) quote(q *tick.Quote) {
	st.requote()
	st.quoteSeq++
	*q = tick.Quote{
		Symbol:   st.sym.Symbol,
		Ts:       st.t,
		Bid:      dollars(st.bid),
		BidSize:  st.bidSize,
		Ask:      dollars(st.ask),
		AskSize:  st.askSize,
		Exchange: quoteVenues.pick(st.rng),
		Seq:      st.quoteSeq,
	}
}

// dollars converts pips to dollars; the division is exact to the nearest
// float, so the price prints with at most four decimals.
func dollars(pips int64) float64 {
	return float64(pips) / pipsPerDollar
}
