package sim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTestUniverseFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "universe.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadUniverse(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"good", "- {symbol: ABC, name: Abc Corp., sector: Industrials, price: 12.5, volatility: 0.3, adv: 1000000}\n- {symbol: XYZ, sector: Utilities, price: 0.5, volatility: 0.8, adv: 500000}\n", ""},
		{"unknown key", "- {symbol: ABC, sector: X, price: 1, volatility: 0.3, adv: 1, beta: 2}\n", "beta"},
		{"no price", "- {symbol: ABC, sector: X, volatility: 0.3, adv: 1}\n", "price"},
		{"duplicate", "- {symbol: ABC, sector: X, price: 1, volatility: 0.3, adv: 1}\n- {symbol: ABC, sector: X, price: 1, volatility: 0.3, adv: 1}\n", "twice"},
		{"empty", "[]\n", "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := LoadUniverse(newTestUniverseFile(t, tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("LoadUniverse = %v, want error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := newTestSim(t, Config{Seed: 1, Start: testStart, Universe: u})
			seen := map[string]bool{}
			for range 2000 {
				seen[s.Next().Key()] = true
			}
			if len(seen) != 2 || !seen["ABC"] || !seen["XYZ"] {
				t.Fatalf("symbols seen %v, want ABC and XYZ", seen)
			}
		})
	}
}

// TestLULDHaltsStopTrading narrows the band until moves breach it and checks
// that the pauses take trades away while quotes go on.
func TestLULDHaltsStopTrading(t *testing.T) {
	count := func(band float64) (trades, quotes int) {
		p := DefaultParams()
		p.LULDBand = band
		s := newTestSim(t, Config{Seed: 4, Start: testStart, Symbols: []string{"TSLA"}, Params: &p})
		end := testStart.Add(2 * time.Hour).UnixNano()
		for ev := s.Next(); ev.Time().UnixNano() < end; ev = s.Next() {
			if ev.Trade != nil {
				trades++
			} else {
				quotes++
			}
		}
		return trades, quotes
	}
	freeT, freeQ := count(0)
	haltT, haltQ := count(0.002)
	if haltT > freeT*3/4 || haltQ < freeQ/2 {
		t.Fatalf("with tight bands %d trades and %d quotes, without %d and %d; want pauses to cut trades, not quotes", haltT, haltQ, freeT, freeQ)
	}
}
