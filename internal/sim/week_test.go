package sim

import (
	"math"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/tick"
)

// weekSymbols keep the simulated week fast (about 4M events) while covering
// a mega cap, an ETF, a thin name, a cheap name and a sub-dollar name.
var weekSymbols = []string{"AAPL", "SPY", "JPM", "NFLX", "F", "MULN", "KO", "XOM"}

// week is what one pass over a simulated week collects.
type week struct {
	// mids[sym][d][m] is the quote mid at the end of regular minute m of
	// day d (NaN before the first quote).
	mids map[string][][]float64
	// volume[m] is the traded volume in regular minute m, all days.
	volume       [regularLen]float64
	trades       int
	roundLots    int
	oddLots      int
	tradesByDay  [5]int
	extendedSeen bool
}

// simulateWeek runs Monday 2025-11-17 to the following Monday, checking the
// market rules on every event, and collects what the stylized facts need.
func simulateWeek(t *testing.T) *week {
	t.Helper()
	monday := nyTime(t, "2025-11-17 00:00")
	s := newTestSim(t, Config{Seed: 2024, Start: monday, Symbols: weekSymbols, Activity: 0.25})
	w := &week{mids: map[string][][]float64{}}
	for _, sym := range weekSymbols {
		days := make([][]float64, 5)
		for d := range days {
			days[d] = make([]float64, regularLen)
			for m := range days[d] {
				days[d][m] = math.NaN()
			}
		}
		w.mids[sym] = days
	}
	r := newRuleChecker(t, monday)
	for {
		ev := s.Next()
		ns := ev.Time().UnixNano()
		if ns >= r.nextMonday {
			if got := ev.Time().In(newYork()); got.Weekday() != time.Monday || got.Hour() < 4 {
				t.Fatalf("first event after the week at %s, want Monday after 04:00 ET", got)
			}
			return w
		}
		day, minute := r.check(ev, ns)
		w.add(ev, day, minute)
	}
}

func (w *week) add(ev tick.Event, day, minute int) {
	if minute < regularOpen || minute >= regularClose {
		w.extendedSeen = true
		return
	}
	m := minute - regularOpen
	if q := ev.Quote; q != nil {
		w.mids[q.Symbol][day][m] = (q.Bid + q.Ask) / 2
		return
	}
	tr := ev.Trade
	w.trades++
	w.tradesByDay[day]++
	w.volume[m] += float64(tr.Size)
	if tr.Size%100 == 0 {
		w.roundLots++
	} else if tr.Size < 100 {
		w.oddLots++
	}
}

// ruleChecker asserts the market rules event by event.
type ruleChecker struct {
	t          *testing.T
	days       [5]int64 // 04:00 ET of Monday..Friday
	nextMonday int64
	last       int64
	tradeSeq   map[string]int64
	quoteSeq   map[string]int64
	bid, ask   map[string]float64
}

func newRuleChecker(t *testing.T, monday time.Time) *ruleChecker {
	r := &ruleChecker{t: t, last: monday.UnixNano(), tradeSeq: map[string]int64{}, quoteSeq: map[string]int64{},
		bid: map[string]float64{}, ask: map[string]float64{}}
	for d := range r.days {
		r.days[d] = monday.AddDate(0, 0, d).Add(4 * time.Hour).UnixNano()
	}
	r.nextMonday = monday.AddDate(0, 0, 7).UnixNano()
	return r
}

// check asserts one event and returns its day (0 = Monday) and its minute
// of the day (0 = 04:00 ET).
func (r *ruleChecker) check(ev tick.Event, ns int64) (day, minute int) {
	t := r.t
	if ns < r.last {
		t.Fatalf("event time went backwards: %d after %d", ns, r.last)
	}
	r.last = ns
	day = -1
	for d, open := range r.days {
		if ns >= open && ns < open+minutesPerDay*minuteNs {
			day, minute = d, int((ns-open)/minuteNs)
		}
	}
	if day < 0 {
		t.Fatalf("event at %s ET is outside the sessions", ev.Time().In(newYork()))
	}
	if q := ev.Quote; q != nil {
		r.quoteSeq[q.Symbol]++
		if q.Seq != r.quoteSeq[q.Symbol] {
			t.Fatalf("%s quote seq %d, want %d", q.Symbol, q.Seq, r.quoteSeq[q.Symbol])
		}
		checkQuote(t, q, q.Seq)
		r.bid[q.Symbol], r.ask[q.Symbol] = q.Bid, q.Ask
		return day, minute
	}
	tr := ev.Trade
	r.tradeSeq[tr.Symbol]++
	checkTrade(t, tr, r.tradeSeq[tr.Symbol])
	bid, ok := r.bid[tr.Symbol]
	if !ok || tr.Price < bid || tr.Price > r.ask[tr.Symbol] {
		t.Fatalf("%s trade at %v outside the NBBO %v/%v", tr.Symbol, tr.Price, bid, r.ask[tr.Symbol])
	}
	extended := minute < regularOpen || minute >= regularClose
	if hasT := contains(tr.Conditions, "T"); hasT != extended {
		t.Fatalf("%s trade at minute %d: conditions %v; want T exactly outside the regular session", tr.Symbol, minute, tr.Conditions)
	}
	return day, minute
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestSimulatedWeek generates a trading week once, checks the market rules
// on every event, then the stylized facts of real markets on it.
func TestSimulatedWeek(t *testing.T) {
	w := simulateWeek(t)
	t.Run("every weekday trades and extended hours exist", func(t *testing.T) {
		for d, n := range w.tradesByDay {
			if n < 1000 {
				t.Errorf("day %d: %d regular-session trades", d, n)
			}
		}
		if !w.extendedSeen {
			t.Error("no pre-market or after-hours events")
		}
	})
	rets, absDeseason := w.returns()
	t.Run("heavy tails", func(t *testing.T) {
		if k := excessKurtosis(rets); k < 0.5 {
			t.Errorf("excess kurtosis of 1-minute returns %.2f, want clearly positive", k)
		} else {
			t.Logf("excess kurtosis %.2f", k)
		}
	})
	t.Run("returns uncorrelated", func(t *testing.T) {
		if ac := meanACF(rets, 1); math.Abs(ac) > 0.1 {
			t.Errorf("lag-1 autocorrelation of returns %.3f, want near 0", ac)
		} else {
			t.Logf("lag-1 autocorrelation %.3f", ac)
		}
	})
	t.Run("volatility clustering", func(t *testing.T) {
		var sum float64
		for lag := 1; lag <= 10; lag++ {
			sum += meanACF(absDeseason, lag)
		}
		if ac := sum / 10; ac < 0.02 { // the standard error is about 0.008
			t.Errorf("mean autocorrelation of deseasonalised |r| over lags 1-10 is %.3f, want positive", ac)
		} else {
			t.Logf("mean |r| autocorrelation, lags 1-10: %.3f", ac)
		}
	})
	t.Run("U-shaped volume", func(t *testing.T) {
		bucket := func(from, to int) float64 {
			var v float64
			for m := from; m < to; m++ {
				v += w.volume[m]
			}
			return v / float64(to-from)
		}
		open, midday, close := bucket(0, 30), bucket(150, 240), bucket(360, 390)
		t.Logf("volume per minute: open %.1fx, close %.1fx midday", open/midday, close/midday)
		if open < 1.5*midday || close < 1.5*midday {
			t.Errorf("volume per minute: first half hour %.0f, midday %.0f, last half hour %.0f; want a U", open, midday, close)
		}
	})
	t.Run("round lots", func(t *testing.T) {
		round, odd := float64(w.roundLots)/float64(w.trades), float64(w.oddLots)/float64(w.trades)
		t.Logf("round lots %.2f, odd lots %.2f of %d trades", round, odd, w.trades)
		if round < 0.4 || round > 0.9 || odd < 0.1 || odd > 0.4 {
			t.Errorf("round lots %.2f and odd lots %.2f of trades; want a majority of round lots and a real share of odd lots", round, odd)
		}
	})
}

// returns gives each symbol's 1-minute log mid returns per day, standardised
// per symbol, and their absolute values divided by the intraday pattern.
func (w *week) returns() (rets, absDeseason [][]float64) {
	var pattern [regularLen]float64
	var count [regularLen]float64
	for _, sym := range weekSymbols {
		for _, mids := range w.mids[sym] {
			r := minuteReturns(mids)
			sd := stddev(r)
			for i := range r {
				r[i] /= sd
				if !math.IsNaN(r[i]) {
					pattern[i+1] += math.Abs(r[i])
					count[i+1]++
				}
			}
			rets = append(rets, r)
		}
	}
	for _, r := range rets {
		a := make([]float64, len(r))
		for i, x := range r {
			a[i] = math.Abs(x) / (pattern[i+1] / count[i+1])
		}
		absDeseason = append(absDeseason, a)
	}
	return rets, absDeseason
}

// minuteReturns carries each mid forward over quiet minutes and returns the
// log returns from minute to minute (NaN before the first mid).
func minuteReturns(mids []float64) []float64 {
	last := math.NaN()
	r := make([]float64, len(mids)-1)
	for i, m := range mids {
		if math.IsNaN(m) {
			m = last
		}
		if i > 0 {
			r[i-1] = math.Log(m / last)
		}
		last = m
	}
	return r
}

func stddev(xs []float64) float64 {
	var s, ss, n float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			s, ss, n = s+x, ss+x*x, n+1
		}
	}
	mean := s / n
	return math.Sqrt(ss/n - mean*mean)
}

func excessKurtosis(series [][]float64) float64 {
	var m2, m4, n float64
	for _, xs := range series {
		for _, x := range xs {
			if !math.IsNaN(x) {
				m2, m4, n = m2+x*x, m4+x*x*x*x, n+1
			}
		}
	}
	m2 /= n
	return m4/n/(m2*m2) - 3
}

// meanACF is the autocorrelation at lag, pooled over the series (each
// demeaned on its own).
func meanACF(series [][]float64, lag int) float64 {
	var num, den float64
	for _, xs := range series {
		var s, n float64
		for _, x := range xs {
			if !math.IsNaN(x) {
				s, n = s+x, n+1
			}
		}
		mean := s / n
		for i, x := range xs {
			if math.IsNaN(x) {
				continue
			}
			den += (x - mean) * (x - mean)
			if i+lag < len(xs) && !math.IsNaN(xs[i+lag]) {
				num += (x - mean) * (xs[i+lag] - mean)
			}
		}
	}
	return num / den
}
