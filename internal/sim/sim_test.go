package sim

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/tick"
)

var testStart = time.Date(2025, 11, 24, 14, 30, 0, 0, time.UTC)

func newTestSim(t *testing.T, cfg Config) *Sim {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return s
}

func encode(s *Sim, n int) []byte {
	var buf []byte
	for range n {
		ev := s.Next()
		buf = append(buf, ev.Topic()...)
		buf = append(buf, ' ')
		buf = ev.AppendJSON(buf)
		buf = append(buf, '\n')
	}
	return buf
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Seed: 42, Start: testStart}
	a := encode(newTestSim(t, cfg), 20000)
	b := encode(newTestSim(t, cfg), 20000)
	if !bytes.Equal(a, b) {
		t.Fatal("two simulators with the same Config produced different events")
	}
	cfg.Seed = 43
	if c := encode(newTestSim(t, cfg), 20000); bytes.Equal(a, c) {
		t.Fatal("seeds 42 and 43 produced the same events")
	}
}

func TestSymbolPathIndependentOfSelection(t *testing.T) {
	all := newTestSim(t, Config{Seed: 7, Start: testStart})
	one := newTestSim(t, Config{Seed: 7, Start: testStart, Symbols: []string{"AAPL"}})
	var fromAll []byte
	for len(fromAll) < 200*100 {
		if ev := all.Next(); ev.Key() == "AAPL" {
			fromAll = ev.AppendJSON(fromAll)
		}
	}
	var fromOne []byte
	for len(fromOne) < len(fromAll) {
		ev := one.Next()
		if ev.Key() != "AAPL" {
			t.Fatalf("selected only AAPL, got %s", ev.Key())
		}
		fromOne = ev.AppendJSON(fromOne)
	}
	if !bytes.Equal(fromAll, fromOne) {
		t.Fatal("AAPL's events depend on which other symbols are selected")
	}
}

type seqs struct{ trade, quote int64 }

func TestEventInvariants(t *testing.T) {
	s := newTestSim(t, Config{Seed: 1, Start: testStart})
	last := testStart.UnixNano()
	seen := map[string]*seqs{}
	for _, sym := range s.Symbols() {
		seen[sym.Symbol] = &seqs{}
	}
	for i := range 50000 {
		ev := s.Next()
		if ev.Time().UnixNano() < last {
			t.Fatalf("event %d: time %v went backwards from %d", i, ev.Time(), last)
		}
		last = ev.Time().UnixNano()
		sq := seen[ev.Key()]
		if sq == nil {
			t.Fatalf("event %d: unknown symbol %q", i, ev.Key())
		}
		if ev.Trade != nil {
			sq.trade++
			checkTrade(t, ev.Trade, sq.trade)
		} else {
			sq.quote++
			checkQuote(t, ev.Quote, sq.quote)
		}
	}
	for sym, sq := range seen {
		if sq.trade == 0 || sq.quote == 0 {
			t.Errorf("%s: %d trades, %d quotes in 50000 events; every symbol should trade", sym, sq.trade, sq.quote)
		}
	}
}

func checkTrade(t *testing.T, tr *tick.Trade, wantSeq int64) {
	// no t.Helper(): it costs a stack walk, and this runs per event
	if tr.Seq != wantSeq {
		t.Fatalf("%s trade seq %d, want %d", tr.Symbol, tr.Seq, wantSeq)
	}
	if tr.Conditions == nil {
		t.Fatalf("%s trade %d: nil Conditions", tr.Symbol, tr.Seq)
	}
	if tr.Side != "B" && tr.Side != "S" {
		t.Fatalf("%s trade %d: side %q", tr.Symbol, tr.Seq, tr.Side)
	}
	if tr.Size <= 0 || tr.Price <= 0 || tr.Exchange == "" {
		t.Fatalf("bad trade %+v", tr)
	}
	checkOnGrid(t, tr.Symbol, tr.Price)
}

func checkQuote(t *testing.T, q *tick.Quote, wantSeq int64) {
	// no t.Helper(): it costs a stack walk, and this runs per event
	if q.Seq != wantSeq {
		t.Fatalf("%s quote seq %d, want %d", q.Symbol, q.Seq, wantSeq)
	}
	if q.Bid <= 0 || q.Ask <= q.Bid {
		t.Fatalf("crossed, locked or non-positive quote %+v", q)
	}
	if q.BidSize <= 0 || q.AskSize <= 0 || q.BidSize%100 != 0 || q.Exchange == "" {
		t.Fatalf("bad quote sizes or venue %+v", q)
	}
	checkOnGrid(t, q.Symbol, q.Bid)
	checkOnGrid(t, q.Symbol, q.Ask)
}

// checkOnGrid asserts p is a whole number of ticks: $0.01 at or above $1,
// $0.0001 below. (That such prices print with at most four decimals is
// package tick's test.)
func checkOnGrid(t *testing.T, sym string, p float64) {
	// no t.Helper(): it costs a stack walk, and this runs per event
	pips := p * 10_000
	if math.Abs(pips-math.Round(pips)) > 1e-6 || (p >= 1 && int64(math.Round(pips))%100 != 0) {
		t.Fatalf("%s price %v is off the tick grid", sym, p)
	}
}

// TestArrivalRates checks a regular session's trade count against the
// rates the universe's ADVs imply, and the quote-to-trade ratio.
func TestArrivalRates(t *testing.T) {
	syms := []string{"AAPL", "JPM", "NFLX"}
	s := newTestSim(t, Config{Seed: 3, Start: testStart, Symbols: syms})
	p := DefaultParams()
	var want float64
	for _, sym := range s.Symbols() {
		want += max(float64(sym.ADV)/(23400*p.SharesPerTrade), p.MinTradeRate) * 23400
	}
	end := testStart.Add(390 * time.Minute).UnixNano()
	var trades, quotes float64
	for ev := s.Next(); ev.Time().UnixNano() < end; ev = s.Next() {
		if ev.Trade != nil {
			trades++
		} else {
			quotes++
		}
	}
	if trades < 0.7*want || trades > 1.3*want {
		t.Errorf("%.0f trades in a regular session, want about %.0f", trades, want)
	}
	if ratio := quotes / trades; ratio < 2.5 || ratio > 3.5 {
		t.Errorf("quotes per trade %.2f, want about 3", ratio)
	}
}

// TestEverySymbolTradesSoon guards the walking skeleton's promise: within 30
// seconds of a start every symbol of the universe has traded.
func TestEverySymbolTradesSoon(t *testing.T) {
	s := newTestSim(t, Config{Seed: 11, Start: testStart})
	traded := map[string]bool{}
	for ev := s.Next(); ev.Time().Sub(testStart) < 30*time.Second; ev = s.Next() {
		if ev.Trade != nil {
			traded[ev.Trade.Symbol] = true
		}
	}
	if len(traded) != len(DefaultUniverse()) {
		t.Fatalf("%d of %d symbols traded in the first 30 s", len(traded), len(DefaultUniverse()))
	}
}

func TestSubDollarTicks(t *testing.T) {
	s := newTestSim(t, Config{Seed: 5, Start: testStart, Symbols: []string{"MULN"}})
	subPenny := false
	for range 2000 {
		if q := s.Next().Quote; q != nil && q.Ask < 1 {
			n := q.Bid * 100
			subPenny = subPenny || math.Abs(n-math.Round(n)) > 1e-6
		}
	}
	if !subPenny {
		t.Fatal("a sub-dollar stock never quoted a sub-penny price")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"default", DefaultConfig(), ""},
		{"subset", Config{Start: testStart, Symbols: []string{"MSFT", "AAPL"}}, ""},
		{"zero start", Config{Seed: 1}, "Config.Start"},
		{"unknown symbol", Config{Start: testStart, Symbols: []string{"ZZZZ"}}, `unknown symbol "ZZZZ"`},
		{"lower case", Config{Start: testStart, Symbols: []string{"aapl"}}, "upper case"},
		{"duplicate", Config{Start: testStart, Symbols: []string{"AAPL", "AAPL"}}, "listed twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if _, err := New(tc.cfg); err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want error containing %q", err, tc.wantErr)
			}
			if _, err := New(tc.cfg); err == nil {
				t.Fatal("New accepted an invalid Config")
			}
		})
	}
}

// skeletonTickers are the walking skeleton's universe, which must keep its
// places so `--symbols N` stays stable.
var skeletonTickers = strings.Fields("AAPL AMD AMZN BAC CVX DIS F GOOGL JNJ JPM KO META MSFT MULN NFLX NVDA PFE PG PLTR SIRI SPY T TSLA V WMT XOM")

func TestDefaultUniverse(t *testing.T) {
	u := DefaultUniverse()
	if len(u) < 50 {
		t.Fatalf("universe has %d symbols, want at least 50", len(u))
	}
	for i, want := range skeletonTickers {
		if u[i].Symbol != want {
			t.Fatalf("symbol %d is %s, want %s (the first 26 keep their places)", i, u[i].Symbol, want)
		}
	}
	if err := validateUniverse(u); err != nil {
		t.Fatal(err)
	}
	sectors := map[string]bool{}
	for _, s := range u {
		sectors[s.Sector] = true
		if s.Name == "" {
			t.Errorf("%s has no name", s.Symbol)
		}
	}
	if len(sectors) < 8 {
		t.Errorf("%d sectors, want at least 8", len(sectors))
	}
	sim := newTestSim(t, Config{Start: testStart, Symbols: []string{"SPY", "F"}})
	if got := sim.Symbols(); len(got) != 2 || got[0].Symbol != "SPY" || got[1].Symbol != "F" {
		t.Fatalf("Symbols() = %+v, want SPY then F", got)
	}
}
