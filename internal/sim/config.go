package sim

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config selects what the simulator generates. The same Config always yields
// the same sequence of events.
type Config struct {
	// Seed seeds every random stream of the model.
	Seed int64
	// Symbols restricts the universe to these tickers; empty means all of
	// DefaultUniverse.
	Symbols []string
	// Start is the simulated clock's start: the first events fall shortly
	// after it. It must be set; DefaultConfig uses the current time.
	Start time.Time
}

// DefaultConfig returns a Config with seed 1, every symbol, and the simulated
// clock starting now (truncated to the millisecond).
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
	_, err := selectSymbols(DefaultUniverse(), c.Symbols)
	return err
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
