// Package sim is ticklake's deterministic market simulator: a universe of
// US-equity-like symbols whose latent prices follow stochastic-volatility
// (GARCH) diffusions with jumps, tied together by market and sector factors,
// trading on the US exchange calendar with its pre-market, regular and
// after-hours sessions. Each symbol's arrivals follow the intraday U shape
// and its volatility; the streams are merged on one simulated clock into a
// single stream of tick.Events in non-decreasing event time. See
// docs/simulator.md for the model.
//
// It knows no transport and no pacing: callers pull events with Next as fast
// as they like and decide when to send them. The same Config always yields a
// byte-identical sequence of events.
package sim

import (
	"github.com/ticklake/ticklake/internal/tick"
)

// trimEvery is how many events pass between trims of the factor caches.
const trimEvery = 1 << 16

// Sim generates events. It is not safe for concurrent use.
type Sim struct {
	symbols []Symbol
	states  []*symbolState
	factors []*factor
	queue   arrivals
	n       int64
	// the records Next hands out, reused so the hot path never allocates
	trade tick.Trade
	quote tick.Quote
}

// New returns a simulator for cfg, positioned at cfg.Start.
func New(cfg Config) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	symbols, err := selectSymbols(cfg.universe(), cfg.Symbols)
	if err != nil {
		return nil, err
	}
	p := cfg.params()
	prof := newProfile(p.ExtendedVolatility)
	cal, k0 := newCalendar(cfg.Start)
	market := newFactor(cfg.Seed, "market", *p, p.MarketJumpsPerDay, p.MarketJumpSize)
	s := &Sim{symbols: symbols, factors: []*factor{market}}
	sectors := map[string]*factor{}
	for i, sym := range symbols {
		sec := sectors[sym.Sector]
		if sec == nil {
			sec = newFactor(cfg.Seed, "sector:"+sym.Sector, *p, 0, 0)
			sectors[sym.Sector] = sec
			s.factors = append(s.factors, sec)
		}
		st := newSymbolState(sym, cfg.Seed, p, prof, cal, market, sec, k0, cfg.Start.UnixNano(), cfg.activity())
		s.states = append(s.states, st)
		s.queue = append(s.queue, arrival{ns: st.nextArrival(), sym: i})
	}
	s.queue.init()
	return s, nil
}

// Next returns the next event; event times never decrease. The Trade or
// Quote it points to is reused by the next call (copy it to keep it), and a
// trade's Conditions slice is shared and must not be modified: the
// simulator makes millions of events a second and allocating each would
// double its cost.
func (s *Sim) Next() tick.Event {
	a := s.queue[0]
	st := s.states[a.sym]
	st.bridge(a.ns)
	var ev tick.Event
	// a symbol's first event is a quote, so every trade has an NBBO
	if st.rng.Float64() < st.tradeProb && st.quoteSeq > 0 && !st.halted() {
		st.trade(&s.trade)
		ev.Trade = &s.trade
	} else {
		st.quote(&s.quote)
		ev.Quote = &s.quote
	}
	s.queue[0].ns = st.nextArrival()
	s.queue.down(0)
	if s.n++; s.n%trimEvery == 0 {
		s.trim()
	}
	return ev
}

// trim drops factor minutes that every symbol has passed.
func (s *Sim) trim() {
	low := s.states[0].k
	for _, st := range s.states[1:] {
		low = min(low, st.k)
	}
	for _, f := range s.factors {
		f.trim(low)
	}
}

// Symbols returns the simulated symbols with their reference (start) prices.
func (s *Sim) Symbols() []Symbol {
	return append([]Symbol(nil), s.symbols...)
}
