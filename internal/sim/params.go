package sim

// Params are the model's parameters; docs/simulator.md explains each and
// where its default comes from. The zero value is not useful: start from
// DefaultParams.
type Params struct {
	// GARCHAlpha and GARCHBeta drive each unit-mean GARCH(1,1) variance,
	// updated every trading minute: h' = (1-α-β) + α·z²·h + β·h.
	GARCHAlpha, GARCHBeta float64
	// MarketShare and SectorShare are the parts of a stock's variance that
	// come from the market and its sector factor; the rest is its own.
	// ETFs (sector "Exchange Traded Fund") take ETFMarketShare instead.
	MarketShare, SectorShare, ETFMarketShare float64
	// JumpsPerDay is the Poisson rate of a stock's own price jumps and
	// JumpSize their standard deviation in daily volatilities (Merton).
	JumpsPerDay, JumpSize float64
	// MarketJumpsPerDay and MarketJumpSize are the same for the market.
	MarketJumpsPerDay, MarketJumpSize float64
	// ExtendedVolatility scales the per-minute volatility of the pre-market
	// and after-hours sessions relative to an average regular minute.
	ExtendedVolatility float64
	// OvernightShare is the variance of the close-to-pre-open gap, as a
	// share of one day's variance.
	OvernightShare float64
	// SharesPerTrade converts ADV into a trade rate (trades per day =
	// ADV / SharesPerTrade); larger values make fewer, bigger events.
	SharesPerTrade float64
	// QuotesPerTrade is how many NBBO updates arrive per trade.
	QuotesPerTrade float64
	// MinTradeRate is the least trade rate of a symbol in the regular
	// session, trades per second, so thin names still print.
	MinTradeRate float64
	// SpreadBps is the typical quoted spread, in basis points, of a stock
	// with 25% volatility in calm markets; it widens with volatility.
	SpreadBps float64
	// SpreadFloorDollars is added to every spread, so cheap names quote
	// wide in relative terms (a $0.40 stock quotes about 1% wide).
	SpreadFloorDollars float64
	// InsideShare is the share of trades printed inside the spread
	// (midpoint and hidden liquidity, mostly off-exchange).
	InsideShare float64
	// LULDBand is the Limit Up-Limit Down band around the reference price
	// (5% for large caps); a move beyond it halts the symbol's trading
	// for LULDPauseMinutes. Zero disables halts.
	LULDBand         float64
	LULDPauseMinutes int64
}

// DefaultParams returns the parameters documented in docs/simulator.md.
func DefaultParams() Params {
	return Params{
		GARCHAlpha:         0.08,
		GARCHBeta:          0.91,
		MarketShare:        0.35,
		SectorShare:        0.15,
		ETFMarketShare:     0.95,
		JumpsPerDay:        0.1,
		JumpSize:           1.0,
		MarketJumpsPerDay:  0.05,
		MarketJumpSize:     0.7,
		ExtendedVolatility: 0.5,
		OvernightShare:     0.2,
		SharesPerTrade:     1000,
		QuotesPerTrade:     3,
		MinTradeRate:       0.5,
		SpreadBps:          0.6,
		SpreadFloorDollars: 0.004,
		InsideShare:        0.08,
		LULDBand:           0.10,
		LULDPauseMinutes:   5,
	}
}
