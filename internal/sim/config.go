package sim

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Config selects what the simulator generates. The same Config always yields
// the same sequence of events.
type Config struct {
	// Seed seeds every random stream of the model.
	Seed int64
	// Universe is the set of symbols to pick from; nil means
	// DefaultUniverse (see LoadUniverse for a YAML file).
	Universe []Symbol
	// Symbols restricts the universe to these tickers, in this order;
	// empty means all of the universe.
	Symbols []string
	// Start is the simulated clock's start: the first events fall shortly
	// after it, or at the next pre-market open when the market is closed
	// then. It must be set; DefaultConfig uses the current time.
	Start time.Time
	// Activity scales every arrival rate (2 doubles the events per
	// simulated second); 0 means 1.
	Activity float64
	// Params are the model's parameters; nil means DefaultParams.
	Params *Params
}

// DefaultConfig returns a Config with seed 1, every symbol of the default
// universe, and the simulated clock starting now (truncated to the
// millisecond).
func DefaultConfig() Config {
	return Config{
		Seed:  1,
		Start: time.Now().UTC().Truncate(time.Millisecond),
	}
}

// Validate reports the first problem with c, naming the field and the fix.
func (c Config) Validate() error {
	if c.Start.IsZero() {
		return errors.New("sim: start time is not set; set Config.Start (DefaultConfig uses the current time)")
	}
	if c.Activity < 0 || math.IsNaN(c.Activity) || math.IsInf(c.Activity, 0) {
		return fmt.Errorf("sim: activity %v; use a positive factor (1 = default rates) or 0 for the default", c.Activity)
	}
	if err := c.params().validate(); err != nil {
		return err
	}
	if c.Universe != nil {
		if err := validateUniverse(c.Universe); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
	}
	_, err := selectSymbols(c.universe(), c.Symbols)
	return err
}

func (c Config) universe() []Symbol {
	if c.Universe != nil {
		return c.Universe
	}
	return DefaultUniverse()
}

func (c Config) params() *Params {
	if c.Params != nil {
		return c.Params
	}
	p := DefaultParams()
	return &p
}

func (c Config) activity() float64 {
	if c.Activity == 0 {
		return 1
	}
	return c.Activity
}

// validate reports parameters the model cannot run with.
func (p *Params) validate() error {
	switch {
	case p.GARCHAlpha < 0 || p.GARCHBeta < 0 || p.GARCHAlpha+p.GARCHBeta >= 1:
		return fmt.Errorf("sim: GARCH alpha %v + beta %v must be non-negative and sum below 1", p.GARCHAlpha, p.GARCHBeta)
	case p.MarketShare < 0 || p.SectorShare < 0 || p.MarketShare+p.SectorShare > 1 || p.ETFMarketShare < 0 || p.ETFMarketShare > 1:
		return fmt.Errorf("sim: factor variance shares must be in [0, 1] and market+sector at most 1")
	case p.SharesPerTrade <= 0 || p.QuotesPerTrade < 0 || p.MinTradeRate <= 0:
		return fmt.Errorf("sim: SharesPerTrade and MinTradeRate must be positive and QuotesPerTrade non-negative")
	case p.JumpsPerDay < 0 || p.MarketJumpsPerDay < 0 || p.OvernightShare < 0 || p.ExtendedVolatility <= 0:
		return fmt.Errorf("sim: jump rates and the overnight share must not be negative, extended volatility positive")
	case p.SpreadBps < 0 || p.SpreadFloorDollars < 0 || p.InsideShare < 0 || p.InsideShare > 1 || p.LULDBand < 0 || p.LULDPauseMinutes < 0:
		return fmt.Errorf("sim: spread, inside share and LULD parameters must not be negative (inside share at most 1)")
	}
	return nil
}

// selectSymbols returns the universe entries named by want, in want's order,
// or all of universe when want is empty.
func selectSymbols(universe []Symbol, want []string) ([]Symbol, error) {
	if len(want) == 0 {
		return universe, nil
	}
	byTicker := make(map[string]Symbol, len(universe))
	for _, s := range universe {
		byTicker[s.Symbol] = s
	}
	seen := make(map[string]bool, len(want))
	out := make([]Symbol, 0, len(want))
	for _, w := range want {
		s, ok := byTicker[w]
		if !ok {
			return nil, fmt.Errorf("sim: unknown symbol %q; pick from %s (tickers are upper case)", w, tickers(universe))
		}
		if seen[w] {
			return nil, fmt.Errorf("sim: symbol %q is listed twice; list each symbol once", w)
		}
		seen[w] = true
		out = append(out, s)
	}
	return out, nil
}

func tickers(universe []Symbol) string {
	names := make([]string, len(universe))
	for i, s := range universe {
		names[i] = s.Symbol
	}
	return strings.Join(names, ",")
}
