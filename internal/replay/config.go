// Package replay turns CSV files into records: the original tutorial's stock
// index CSV (Index, Date, Open, High, Low, Close, Adj Close, Volume,
// CloseUSD) as JSON with exactly those field names, and generic OHLCV or
// trade CSVs with a header, their columns mapped by configuration. Rows come
// in file order or sampled at random with replacement, as the tutorial did.
//
// It knows no transport: a Source yields encoded messages that a producer
// (package kafka) paces and sends.
package replay

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultTopic is where replayed rows go unless told otherwise.
const DefaultTopic = "index_prices"

// Config says what to replay and how.
type Config struct {
	// Path is the CSV file, with a header row.
	Path string
	// Topic is the destination topic of every row.
	Topic string
	// Sample draws rows at random with replacement (forever) instead of
	// reading the file once in order.
	Sample bool
	// Seed seeds the sampling.
	Seed int64
	// Strict stops at the first bad row instead of reporting and
	// skipping it.
	Strict bool
	// KeyColumn is the column whose value keys each record; empty means
	// "Index" for the tutorial format, else no key.
	KeyColumn string
	// StringColumns are the columns kept as JSON strings; every other
	// column must hold numbers. Empty means Index and Date for the
	// tutorial format, else every column whose first value is not a
	// number.
	StringColumns []string
	// Rename maps a CSV column to the JSON field name it gets.
	Rename map[string]string
}

// DefaultConfig returns a Config for the tutorial format on DefaultTopic.
func DefaultConfig() Config {
	return Config{Topic: DefaultTopic, Seed: 1}
}

// Validate reports the first problem with c, naming the field and the fix.
func (c Config) Validate() error {
	switch {
	case c.Path == "":
		return errors.New("replay: no CSV file; pass --replay FILE.csv")
	case strings.TrimSpace(c.Topic) == "":
		return errors.New("replay: the topic is empty; pass --topic NAME (default index_prices)")
	}
	for from, to := range c.Rename {
		if from == "" || to == "" {
			return fmt.Errorf("replay: rename %q=%q; give both a column and a field name", from, to)
		}
	}
	return nil
}

// TutorialColumns are the columns of the tutorial's indexProcessed.csv, in
// order; Index and Date are strings, the rest numbers.
var TutorialColumns = []string{"Index", "Date", "Open", "High", "Low", "Close", "Adj Close", "Volume", "CloseUSD"}
