// Package sim is ticklake's deterministic market simulator: a universe of
// US-equity-like symbols, each with its own price model and Poisson arrivals
// of trades and quotes, merged on one simulated clock into a single stream of
// tick.Events in non-decreasing event time.
//
// It knows no transport and no pacing: callers pull events with Next as fast
// as they like and decide when to send them. The same Config always yields a
// byte-identical sequence of events.
package sim

import (
	"container/heap"
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/ticklake/ticklake/internal/tick"
)

// Sim generates events. It is not safe for concurrent use.
type Sim struct {
	symbols []Symbol
	states  []*symbolState
	queue   arrivals
}

// New returns a simulator for cfg, positioned at cfg.Start.
func New(cfg Config) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	symbols, err := selectSymbols(DefaultUniverse(), cfg.Symbols)
	if err != nil {
		return nil, err
	}
	s := &Sim{symbols: symbols}
	start := cfg.Start.UnixNano()
	for i, sym := range symbols {
		st := newSymbolState(sym, symbolRand(cfg.Seed, sym.Symbol), start)
		s.states = append(s.states, st)
		s.queue = append(s.queue,
			arrival{ns: start + st.wait(kindTrade), sym: i, kind: kindTrade},
			arrival{ns: start + st.wait(kindQuote), sym: i, kind: kindQuote})
	}
	heap.Init(&s.queue)
	return s, nil
}

// symbolRand gives each symbol its own stream, so a symbol's path does not
// depend on which other symbols are selected.
func symbolRand(seed int64, symbol string) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprint(h, symbol)
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// Next returns the next event; event times never decrease.
func (s *Sim) Next() tick.Event {
	a := s.queue[0]
	st := s.states[a.sym]
	var ev tick.Event
	switch a.kind {
	case kindTrade:
		ev.Trade = st.trade(a.ns)
	default:
		ev.Quote = st.quote(a.ns)
	}
	s.queue[0].ns = a.ns + st.wait(a.kind)
	heap.Fix(&s.queue, 0)
	return ev
}

// Symbols returns the simulated symbols with their reference (start) prices.
func (s *Sim) Symbols() []Symbol {
	return append([]Symbol(nil), s.symbols...)
}
