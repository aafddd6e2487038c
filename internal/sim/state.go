package sim

import (
	"math"
	"math/rand/v2"

	"github.com/ticklake/ticklake/internal/tick"
)

// Model constants. Prices are held in pips (1/10000 of a dollar) so quotes sit
// exactly on the tick grid and format without float noise.
const (
	pipsPerDollar = 10_000
	// tradingDaySeconds is one regular US session (6.5 h).
	tradingDaySeconds = 6.5 * 3600
	// tradingYearSeconds scales annualised volatility to elapsed time.
	tradingYearSeconds = 252 * tradingDaySeconds
	// sharesPerTradeEvent converts ADV into a trade rate; it is tuned so
	// the default universe makes roughly 40 trades/s at real time.
	sharesPerTradeEvent = 1000
	// minTradeRate keeps thin names trading a few times a minute, so every
	// symbol shows up within seconds of a start.
	minTradeRate = 0.5
	// quotesPerTrade is how many quote updates arrive per trade.
	quotesPerTrade = 3
)

// symbolState is one symbol's evolving market: its log-price random walk,
// its prevailing quote and its sequence numbers.
type symbolState struct {
	sym       Symbol
	rng       *rand.Rand
	logPrice  float64 // log of the mid in dollars
	walkedNs  int64   // event time the walk was last advanced to
	bid, ask  int64   // prevailing quote, pips
	bidSize   int64
	askSize   int64
	tradeSeq  int64
	quoteSeq  int64
	tradeRate float64 // trades per simulated second
}

func newSymbolState(sym Symbol, rng *rand.Rand, startNs int64) *symbolState {
	st := &symbolState{
		sym:       sym,
		rng:       rng,
		logPrice:  math.Log(sym.Price),
		walkedNs:  startNs,
		tradeRate: max(float64(sym.ADV)/(tradingDaySeconds*sharesPerTradeEvent), minTradeRate),
	}
	st.requote()
	return st
}

// wait draws the exponential gap, in ns, to the next arrival of k.
func (st *symbolState) wait(k kind) int64 {
	rate := st.tradeRate
	if k == kindQuote {
		rate *= quotesPerTrade
	}
	return int64(st.rng.ExpFloat64() / rate * 1e9)
}

// walk advances the log price to ns as geometric Brownian motion without
// drift: d(log S) = -σ²/2 dt + σ dW.
func (st *symbolState) walk(ns int64) {
	dt := float64(ns-st.walkedNs) / 1e9 / tradingYearSeconds
	st.walkedNs = ns
	if dt <= 0 {
		return
	}
	sigma := st.sym.Volatility
	st.logPrice += -0.5*sigma*sigma*dt + sigma*math.Sqrt(dt)*st.rng.NormFloat64()
}

// requote sets a fresh quote around the current mid: a spread of a few
// ticks, never crossed or locked, with round-lot sizes.
func (st *symbolState) requote() {
	mid := math.Exp(st.logPrice) * pipsPerDollar
	tickPips := tickSize(mid)
	spread := st.spreadTicks(mid) * tickPips
	bid := int64(math.Floor((mid-float64(spread)/2)/float64(tickPips))) * tickPips
	bid = max(bid, tickPips)
	ask := bid + spread
	if ask >= pipsPerDollar && ask%100 != 0 {
		ask += 100 - ask%100 // quotes at or above $1 are in whole cents
	}
	st.bid, st.ask = bid, ask
	st.bidSize = st.quoteSize(mid)
	st.askSize = st.quoteSize(mid)
}

// tickSize is the minimum price increment, in pips, at price p (pips):
// $0.01 at or above $1, $0.0001 below.
func tickSize(p float64) int64 {
	if p >= pipsPerDollar {
		return 100
	}
	return 1
}

func (st *symbolState) spreadTicks(mid float64) int64 {
	if mid < pipsPerDollar {
		return 2 + st.rng.Int64N(8)
	}
	return 1 + int64(mid/pipsPerDollar/150) + st.rng.Int64N(3)
}

func (st *symbolState) quoteSize(mid float64) int64 {
	lots := 1 + st.rng.Int64N(20)
	if mid < 5*pipsPerDollar {
		lots *= 10 // cheap stocks show deeper books
	}
	return 100 * lots
}

// quote advances the model to ns and returns the new prevailing quote.
func (st *symbolState) quote(ns int64) *tick.Quote {
	st.walk(ns)
	st.requote()
	st.quoteSeq++
	return &tick.Quote{
		Symbol:   st.sym.Symbol,
		Ts:       ns,
		Bid:      dollars(st.bid),
		BidSize:  st.bidSize,
		Ask:      dollars(st.ask),
		AskSize:  st.askSize,
		Exchange: pick(st.rng, quoteVenues),
		Seq:      st.quoteSeq,
	}
}

// trade returns an execution at ns against the prevailing quote: buyers lift
// the ask, sellers hit the bid.
func (st *symbolState) trade(ns int64) *tick.Trade {
	side, price := "B", st.ask
	if st.rng.IntN(2) == 0 {
		side, price = "S", st.bid
	}
	size, conditions := tradeSize(st.rng)
	st.tradeSeq++
	return &tick.Trade{
		Symbol:     st.sym.Symbol,
		Ts:         ns,
		Price:      dollars(price),
		Size:       size,
		Exchange:   pick(st.rng, tradeVenues),
		Conditions: conditions,
		Side:       side,
		Seq:        st.tradeSeq,
	}
}

// dollars converts pips to dollars; the division is exact to the nearest
// float, so the price prints with at most four decimals.
func dollars(pips int64) float64 {
	return float64(pips) / pipsPerDollar
}
