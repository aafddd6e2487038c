package sim

import (
	"bytes"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

// Symbol describes one simulated instrument and the parameters its model uses.
type Symbol struct {
	// Symbol is the ticker, upper case (e.g. "AAPL").
	Symbol string `yaml:"symbol"`
	// Name is the issuer's name.
	Name string `yaml:"name"`
	// Sector is a GICS-like sector label; symbols of one sector share a
	// sector factor.
	Sector string `yaml:"sector"`
	// Price is the reference (start) price in dollars.
	Price float64 `yaml:"price"`
	// Volatility is the annualised volatility of log returns (0.3 = 30%).
	Volatility float64 `yaml:"volatility"`
	// ADV is the average daily volume in shares; it sets the arrival rates.
	ADV int64 `yaml:"adv"`
}

// validate reports the first problem with s, naming the field and the fix.
func (s Symbol) validate() error {
	switch {
	case s.Symbol == "":
		return fmt.Errorf("a symbol has no ticker; set symbol")
	case s.Sector == "":
		return fmt.Errorf("symbol %s has no sector; set sector (symbols of a sector move together)", s.Symbol)
	case !(s.Price > 0) || s.Price > 1e6:
		return fmt.Errorf("symbol %s: price %v; give a start price in dollars between 0 and 1e6", s.Symbol, s.Price)
	case !(s.Volatility > 0) || s.Volatility > 5:
		return fmt.Errorf("symbol %s: volatility %v; give an annualised volatility such as 0.3 (max 5)", s.Symbol, s.Volatility)
	case s.ADV <= 0:
		return fmt.Errorf("symbol %s: adv %d; give the average daily volume in shares (> 0)", s.Symbol, s.ADV)
	}
	return nil
}

// LoadUniverse reads a universe from a YAML file: a list of mappings with
// the keys symbol, name, sector, price, volatility and adv.
func LoadUniverse(path string) ([]Symbol, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading universe: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var u []Symbol
	if err := dec.Decode(&u); err != nil {
		return nil, fmt.Errorf("parsing universe %s: %w (want a YAML list of {symbol, name, sector, price, volatility, adv})", path, err)
	}
	if err := validateUniverse(u); err != nil {
		return nil, fmt.Errorf("universe %s: %w", path, err)
	}
	return u, nil
}

func validateUniverse(u []Symbol) error {
	if len(u) == 0 {
		return fmt.Errorf("the universe is empty; list at least one symbol")
	}
	seen := make(map[string]bool, len(u))
	for _, s := range u {
		if err := s.validate(); err != nil {
			return err
		}
		if seen[s.Symbol] {
			return fmt.Errorf("symbol %s is listed twice; list each symbol once", s.Symbol)
		}
		seen[s.Symbol] = true
	}
	return nil
}

// DefaultUniverse returns ticklake's built-in universe of US-equity-like
// symbols over eleven sectors. The first 26 are the walking skeleton's
// (sorted by ticker) and keep their places, so `--symbols N` picks the
// same names as before; newer names follow. It returns a fresh slice.
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
		{"QQQ", "Invesco QQQ Trust", "Exchange Traded Fund", 492.10, 0.19, 35_000_000},
		{"IWM", "iShares Russell 2000 ETF", "Exchange Traded Fund", 221.70, 0.22, 30_000_000},
		{"AVGO", "Broadcom Inc.", "Information Technology", 166.30, 0.45, 25_000_000},
		{"ORCL", "Oracle Corp.", "Information Technology", 172.40, 0.32, 9_000_000},
		{"INTC", "Intel Corp.", "Information Technology", 22.85, 0.48, 60_000_000},
		{"CRM", "Salesforce Inc.", "Information Technology", 289.60, 0.33, 6_000_000},
		{"GS", "Goldman Sachs Group Inc.", "Financials", 512.80, 0.26, 2_500_000},
		{"MS", "Morgan Stanley", "Financials", 104.20, 0.27, 7_000_000},
		{"WFC", "Wells Fargo & Co.", "Financials", 58.75, 0.28, 17_000_000},
		{"SOFI", "SoFi Technologies Inc.", "Financials", 9.65, 0.60, 45_000_000},
		{"UNH", "UnitedHealth Group Inc.", "Health Care", 583.10, 0.24, 3_500_000},
		{"LLY", "Eli Lilly and Co.", "Health Care", 902.45, 0.32, 3_000_000},
		{"MRK", "Merck & Co. Inc.", "Health Care", 111.30, 0.21, 8_500_000},
		{"ABBV", "AbbVie Inc.", "Health Care", 193.20, 0.22, 6_000_000},
		{"SLB", "Schlumberger Ltd.", "Energy", 42.60, 0.32, 12_000_000},
		{"OXY", "Occidental Petroleum Corp.", "Energy", 52.10, 0.30, 10_000_000},
		{"COP", "ConocoPhillips", "Energy", 108.75, 0.27, 7_000_000},
		{"CAT", "Caterpillar Inc.", "Industrials", 365.90, 0.28, 2_800_000},
		{"BA", "Boeing Co.", "Industrials", 152.40, 0.38, 8_000_000},
		{"GE", "GE Aerospace", "Industrials", 184.20, 0.30, 5_500_000},
		{"UPS", "United Parcel Service Inc.", "Industrials", 131.80, 0.26, 4_000_000},
		{"HON", "Honeywell International Inc.", "Industrials", 206.30, 0.20, 3_200_000},
		{"NEE", "NextEra Energy Inc.", "Utilities", 79.40, 0.22, 10_000_000},
		{"DUK", "Duke Energy Corp.", "Utilities", 113.60, 0.17, 3_000_000},
		{"SO", "Southern Co.", "Utilities", 88.90, 0.17, 4_500_000},
		{"LIN", "Linde plc", "Materials", 468.20, 0.18, 2_000_000},
		{"FCX", "Freeport-McMoRan Inc.", "Materials", 47.30, 0.40, 12_000_000},
		{"NEM", "Newmont Corp.", "Materials", 52.85, 0.35, 9_000_000},
		{"PLD", "Prologis Inc.", "Real Estate", 121.60, 0.27, 3_500_000},
		{"O", "Realty Income Corp.", "Real Estate", 61.20, 0.20, 5_000_000},
		{"HD", "Home Depot Inc.", "Consumer Discretionary", 398.70, 0.22, 3_400_000},
		{"NKE", "Nike Inc. Class B", "Consumer Discretionary", 78.35, 0.33, 11_000_000},
		{"COST", "Costco Wholesale Corp.", "Consumer Staples", 903.10, 0.20, 2_000_000},
		{"PEP", "PepsiCo Inc.", "Consumer Staples", 163.90, 0.16, 6_000_000},
		{"VZ", "Verizon Communications Inc.", "Communication Services", 41.70, 0.19, 18_000_000},
		{"GME", "GameStop Corp.", "Consumer Discretionary", 24.80, 0.90, 12_000_000},
		{"NOK", "Nokia Oyj ADR", "Information Technology", 4.62, 0.35, 25_000_000},
		{"ACHR", "Archer Aviation Inc.", "Industrials", 6.85, 0.85, 20_000_000},
	}
}
