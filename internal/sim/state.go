package sim

import (
	"math"
	"math/rand/v2"
)

// Prices are held in pips (1/10000 of a dollar) so quotes sit exactly on the
// tick grid and format without float noise.
const pipsPerDollar = 10_000

// symbolState is one symbol's evolving market: its latent log-price path,
// its trading-minute state, its prevailing quote and its sequence numbers.
//
// The latent path is built minute by minute: each trading minute draws a
// log return from the market, sector and own shocks (each with GARCH
// variance) plus Merton jumps; inside the minute, event prices follow a
// Brownian bridge to the minute's end, so the one-minute returns are exactly
// the model's and the path between them is Brownian.
type symbolState struct {
	sym            Symbol
	rng            *rand.Rand
	p              *Params
	prof           *profile
	cal            *calendar
	market, sector *factor
	idio           garch
	wM, wS, wI     float64 // square roots of the variance shares
	sigmaMin       float64 // per-minute volatility of an average regular minute
	sigmaDay       float64 // daily volatility
	baseRate       float64 // events per second in an average regular minute
	tradeProb      float64 // share of events that are trades
	jumpProb       float64 // own jumps per minute
	jumpSize       float64 // in per-minute standard deviations
	lotScale       int64   // cheap names trade and quote in bigger lots

	// the current trading minute
	k         int64
	minute    int // minute of the day, 0 = 04:00 ET
	kEnd      int64
	lEnd      float64 // latent log mid at the minute's end
	varNs     float64 // bridge variance per ns
	rate      float64 // arrivals per ns
	hTot      float64 // variance multiplier of the minute (1 on average)
	regular   bool
	haltUntil int64 // LULD pause: no trades before this minute index
	refLog    float64
	refMinute int64

	// the latent path so far, and its mid in pips at t
	t   int64
	l   float64
	mid float64

	bid, ask, bidSize, askSize int64
	tradeSeq, quoteSeq         int64
}

func newSymbolState(sym Symbol, seed int64, p *Params, prof *profile, cal *calendar, market, sector *factor, k0, startNs int64, activity float64) *symbolState {
	mShare, sShare := p.MarketShare, p.SectorShare
	if sym.Sector == etfSector {
		mShare, sShare = p.ETFMarketShare, 0
	}
	sigmaDay := sym.Volatility / math.Sqrt(252)
	tradesPerSec := max(float64(sym.ADV)/(regularLen*60*p.SharesPerTrade), p.MinTradeRate) * activity
	st := &symbolState{
		sym: sym, rng: rand.New(rand.NewPCG(uint64(seed), streamID(sym.Symbol))),
		p: p, prof: prof, cal: cal, market: market, sector: sector, idio: newGARCH(*p),
		wM: math.Sqrt(mShare), wS: math.Sqrt(sShare), wI: math.Sqrt(max(1-mShare-sShare, 0)),
		sigmaMin: sigmaDay / math.Sqrt(regularLen), sigmaDay: sigmaDay,
		baseRate:  tradesPerSec * (1 + p.QuotesPerTrade),
		tradeProb: 1 / (1 + p.QuotesPerTrade),
		jumpProb:  p.JumpsPerDay / minutesPerDay,
		jumpSize:  p.JumpSize * math.Sqrt(regularLen),
		lotScale:  1,
		l:         math.Log(sym.Price),
		refLog:    math.Log(sym.Price),
		refMinute: k0,
	}
	if sym.Price < 5 {
		st.lotScale = 10
	}
	st.enterMinute(k0, startNs)
	st.mid = math.Exp(st.l) * pipsPerDollar
	st.requote()
	return st
}

// etfSector is the sector label whose members follow the market closely.
const etfSector = "Exchange Traded Fund"

// enterMinute draws minute k's return and sets the bridge towards its end;
// the path stands at max(the minute's start, notBefore).
func (st *symbolState) enterMinute(k, notBefore int64) {
	start := st.cal.minuteStart(k)
	m := int(k % minutesPerDay)
	if m == 0 && st.t != 0 {
		// the overnight gap from 20:00 to 04:00
		st.l += st.sigmaDay * math.Sqrt(st.p.OvernightShare*st.hTot) * st.rng.NormFloat64()
	}
	st.k, st.minute, st.kEnd = k, m, start+minuteNs
	st.t = max(start, notBefore)
	st.regular = m >= regularOpen && m < regularClose
	eM, hM := st.market.at(k)
	eS, hS := st.sector.at(k)
	eI, hI := st.idio.step(st.rng.NormFloat64())
	if st.rng.Float64() < st.jumpProb {
		eI += st.jumpSize * st.rng.NormFloat64()
	}
	sd := st.sigmaMin * st.prof.vol[m]
	st.hTot = st.wM*st.wM*hM + st.wS*st.wS*hS + st.wI*st.wI*hI
	variance := sd * sd * st.hTot
	st.lEnd = st.l + sd*(st.wM*eM+st.wS*eS+st.wI*eI) - variance/2
	st.varNs = variance / float64(minuteNs)
	st.rate = st.baseRate * st.prof.rate[m] * min(max(math.Sqrt(st.hTot), 0.5), 3) / 1e9
	st.checkLULD()
}

// checkLULD pauses trading for LULDPauseMinutes when the minute's move
// leaves the band around the reference price (the price five minutes
// ago); the band doubles in the first 15 and last 25 minutes of the
// regular session, and outside it no bands apply.
func (st *symbolState) checkLULD() {
	if st.p.LULDBand <= 0 || !st.regular {
		st.refLog, st.refMinute = st.l, st.k
		return
	}
	if st.k-st.refMinute >= 5 {
		st.refLog, st.refMinute = st.l, st.k
	}
	band := st.p.LULDBand
	if st.minute < regularOpen+15 || st.minute >= regularClose-25 {
		band *= 2
	}
	if math.Abs(st.lEnd-st.refLog) > math.Log1p(band) && st.k >= st.haltUntil {
		st.haltUntil = st.k + 1 + st.p.LULDPauseMinutes
		st.refLog, st.refMinute = st.lEnd, st.k+st.p.LULDPauseMinutes
	}
}

// nextArrival draws the time of the symbol's next event: an exponential
// amount of intensity, spent minute by minute at each minute's rate.
func (st *symbolState) nextArrival() int64 {
	need := st.rng.ExpFloat64()
	for {
		if avail := st.rate * float64(st.kEnd-st.t); need < avail {
			return st.t + int64(need/st.rate)
		} else {
			need -= avail
		}
		st.t, st.l = st.kEnd, st.lEnd
		st.enterMinute(st.k+1, 0)
		st.mid = math.Exp(st.l) * pipsPerDollar
	}
}

// bridge moves the latent path to t inside the current minute and sets the
// mid there.
func (st *symbolState) bridge(t int64) {
	if t <= st.t {
		return
	}
	dt := float64(t - st.t)
	frac := dt / float64(st.kEnd-st.t)
	l := st.l + frac*(st.lEnd-st.l) + math.Sqrt(st.varNs*dt*(1-frac))*st.rng.NormFloat64()
	st.mid *= expSmall(l - st.l)
	st.l, st.t = l, t
}

// expSmall is exp(x) for the tiny log steps between events: a Taylor
// polynomial (error below 1e-16 for |x| < 1e-3) instead of math.Exp, which
// the profile showed as the simulator's biggest single cost. The mid is
// re-derived exactly from the log price every trading minute.
func expSmall(x float64) float64 {
	if x > 1e-3 || x < -1e-3 {
		return math.Exp(x)
	}
	return 1 + x*(1+x*(0.5+x*(1.0/6+x*(1.0/24))))
}

// halted reports whether an LULD pause holds trading.
func (st *symbolState) halted() bool {
	return st.k < st.haltUntil
}
