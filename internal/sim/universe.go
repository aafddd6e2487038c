package sim

// Symbol describes one simulated instrument and the parameters its model uses.
type Symbol struct {
	// Symbol is the ticker, upper case (e.g. "AAPL").
	Symbol string
	// Name is the issuer's name.
	Name string
	// Sector is a GICS-like sector label.
	Sector string
	// Price is the reference (start) price in dollars.
	Price float64
	// Volatility is the annualised volatility of log returns (0.3 = 30%).
	Volatility float64
	// ADV is the average daily volume in shares; it sets the arrival rates.
	ADV int64
}

// DefaultUniverse returns ticklake's built-in universe of US-equity-like
// symbols, sorted by ticker. It returns a fresh slice on every call.
func DefaultUniverse() []Symbol {
	return []Symbol{
		{"AAPL", "Apple Inc.", "Information Technology", 227.50, 0.25, 55_000_000},
		{"AMD", "Advanced Micro Devices Inc.", "Information Technology", 158.20, 0.50, 45_000_000},
		{"AMZN", "Amazon.com Inc.", "Consumer Discretionary", 186.40, 0.32, 40_000_000},
		{"BAC", "Bank of America Corp.", "Financials", 39.85, 0.27, 38_000_000},
		{"CVX", "Chevron Corp.", "Energy", 148.60, 0.24, 8_000_000},
		{"DIS", "Walt Disney Co.", "Communication Services", 92.30, 0.28, 9_000_000},
		{"F", "Ford Motor Co.", "Consumer Discretionary", 10.45, 0.38, 50_000_000},
		{"GOOGL", "Alphabet Inc. Class A", "Communication Services", 165.10, 0.30, 25_000_000},
		{"JNJ", "Johnson & Johnson", "Health Care", 161.75, 0.16, 7_000_000},
		{"JPM", "JPMorgan Chase & Co.", "Financials", 212.40, 0.22, 9_000_000},
		{"KO", "Coca-Cola Co.", "Consumer Staples", 70.15, 0.15, 13_000_000},
		{"META", "Meta Platforms Inc.", "Communication Services", 565.30, 0.38, 14_000_000},
		{"MSFT", "Microsoft Corp.", "Information Technology", 428.90, 0.24, 20_000_000},
		{"MULN", "Mullen Automotive Inc.", "Consumer Discretionary", 0.4315, 1.20, 30_000_000},
		{"NFLX", "Netflix Inc.", "Communication Services", 705.60, 0.36, 3_500_000},
		{"NVDA", "NVIDIA Corp.", "Information Technology", 121.40, 0.55, 250_000_000},
		{"PFE", "Pfizer Inc.", "Health Care", 28.90, 0.23, 35_000_000},
		{"PG", "Procter & Gamble Co.", "Consumer Staples", 171.20, 0.15, 6_500_000},
		{"PLTR", "Palantir Technologies Inc.", "Information Technology", 36.75, 0.65, 60_000_000},
		{"SIRI", "Sirius XM Holdings Inc.", "Communication Services", 24.10, 0.45, 8_000_000},
		{"SPY", "SPDR S&P 500 ETF Trust", "Exchange Traded Fund", 571.30, 0.15, 45_000_000},
		{"T", "AT&T Inc.", "Communication Services", 21.95, 0.20, 32_000_000},
		{"TSLA", "Tesla Inc.", "Consumer Discretionary", 248.50, 0.60, 95_000_000},
		{"V", "Visa Inc. Class A", "Financials", 281.35, 0.19, 6_000_000},
		{"WMT", "Walmart Inc.", "Consumer Staples", 80.45, 0.17, 15_000_000},
		{"XOM", "Exxon Mobil Corp.", "Energy", 117.80, 0.24, 16_000_000},
	}
}
