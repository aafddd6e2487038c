package tick

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// randomTrade draws a trade in the canonical layout whose fields wander
// to the edges the fast path cares about: long and escaped strings, long,
// negative and extreme numbers, prices with many digits, odd lists.
func randomTrade(r *rand.Rand) Trade {
	return Trade{
		Symbol: randomString(r), Ts: randomInt(r), Price: randomPrice(r), Size: randomInt(r),
		Exchange: randomString(r), Conditions: randomList(r), Side: randomString(r), Seq: randomInt(r),
	}
}

func randomQuote(r *rand.Rand) Quote {
	return Quote{
		Symbol: randomString(r), Ts: randomInt(r), Bid: randomPrice(r), BidSize: randomInt(r),
		Ask: randomPrice(r), AskSize: randomInt(r), Exchange: randomString(r), Seq: randomInt(r),
	}
}

var randomStrings = []string{"", "A", "AAPL", "MSFT", "GOOGL", "BRK.B", "ABCDEFG", "ABCDEFGH", "A LONGER NAME", `Q"`, `\`, "é", "<&>", "\x01", "]", "@", "F"}

func randomString(r *rand.Rand) string { return randomStrings[r.IntN(len(randomStrings))] }

func randomInt(r *rand.Rand) int64 {
	switch r.IntN(6) {
	case 0:
		return r.Int64N(10)
	case 1:
		return r.Int64N(100_000_000)
	case 2:
		return r.Int64()
	case 3:
		return -r.Int64N(1_000_000)
	case 4:
		return []int64{math.MaxInt64, math.MinInt64, 1, -1, 10_000_000, 99_999_999, 100_000_000}[r.IntN(7)]
	}
	return 1_762_092_000_000_000_000 + r.Int64N(1e15)
}

func randomPrice(r *rand.Rand) float64 {
	switch r.IntN(5) {
	case 0:
		return float64(r.Int64N(10_000_000)) / 1e4
	case 1:
		return float64(r.Int64N(1e15)) / 1e7
	case 2:
		return -float64(r.Int64N(1e6)) / 100
	case 3:
		return r.Float64() * math.Pow(10, float64(r.IntN(40)-20))
	}
	return float64(r.Int64N(100_000_000))
}

func randomList(r *rand.Rand) []string {
	l := make([]string, r.IntN(4))
	for i := range l {
		l[i] = randomString(r)
	}
	return l
}

// checkRefs asserts that a decoder's refs number strings one to one.
type refChecker struct {
	t     *testing.T
	byRef map[uint32]string
	bySym map[string]uint32
}

func newRefChecker(t *testing.T) *refChecker {
	return &refChecker{t: t, byRef: map[uint32]string{}, bySym: map[string]uint32{}}
}

func (c *refChecker) check(ref uint32, s string) {
	c.t.Helper()
	if ref == 0 {
		return
	}
	if prev, ok := c.byRef[ref]; ok && prev != s {
		c.t.Fatalf("ref %d numbers %q and %q", ref, prev, s)
	}
	if prev, ok := c.bySym[s]; ok && prev != ref {
		c.t.Fatalf("%q has refs %d and %d", s, prev, ref)
	}
	c.byRef[ref], c.bySym[s] = s, ref
}

func TestDecoderCanonicalMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	d := NewDecoder()
	strs, lists := newRefChecker(t), newRefChecker(t)
	fast := 0
	for i := range 50_000 {
		var b []byte
		if i%2 == 0 {
			tr := randomTrade(r)
			b = tr.AppendJSON(nil)
			want, wantErr := DecodeTrade(b)
			var got Trade
			var refs Refs
			gotErr := d.TradeRefs(b, &got, &refs)
			if (wantErr == nil) != (gotErr == nil) || (wantErr == nil && !reflect.DeepEqual(want, got)) {
				t.Fatalf("TradeRefs(%s) = %+v, %v; DecodeTrade = %+v, %v", b, got, gotErr, want, wantErr)
			}
			strs.check(refs.Symbol, got.Symbol)
			strs.check(refs.Exchange, got.Exchange)
			strs.check(refs.Side, got.Side)
			lists.check(refs.Conditions, strings.Join(got.Conditions, "\x00")+"|"+string(listBytes(b)))
			if refs.Symbol != 0 {
				fast++
			}
			continue
		}
		q := randomQuote(r)
		b = q.AppendJSON(nil)
		want, wantErr := DecodeQuote(b)
		var got Quote
		var refs Refs
		gotErr := d.QuoteRefs(b, &got, &refs)
		if (wantErr == nil) != (gotErr == nil) || (wantErr == nil && !reflect.DeepEqual(want, got)) {
			t.Fatalf("QuoteRefs(%s) = %+v, %v; DecodeQuote = %+v, %v", b, got, gotErr, want, wantErr)
		}
		strs.check(refs.Symbol, got.Symbol)
		strs.check(refs.Exchange, got.Exchange)
	}
	if fast < 1000 {
		t.Fatalf("only %d trades took the canonical path", fast)
	}
}

// listBytes returns a trade's conditions as written: lists are numbered
// by their bytes.
func listBytes(b []byte) []byte {
	s := string(b)
	i := strings.Index(s, `"conditions":`) + len(`"conditions":`)
	j := strings.LastIndex(s, `,"side":`)
	return b[i:j]
}

func TestDecoderRefsOfProducedTrades(t *testing.T) {
	d := NewDecoder()
	tr := Trade{Symbol: "AAPL", Ts: 1_762_092_000_000_000_001, Price: 187.25, Size: 100, Exchange: "Q", Conditions: []string{"@", "F"}, Side: "B", Seq: 7}
	var first Refs
	for i := range 3 {
		var got Trade
		var refs Refs
		if err := d.TradeRefs(tr.AppendJSON(nil), &got, &refs); err != nil {
			t.Fatal(err)
		}
		if refs.Symbol == 0 || refs.Exchange == 0 || refs.Side == 0 || refs.Conditions == 0 {
			t.Fatalf("canonical trade left unnumbered: %+v", refs)
		}
		if i == 0 {
			first = refs
		}
		if refs != first {
			t.Fatalf("decoding %d: refs %+v, first %+v", i, refs, first)
		}
		if refs.Symbol == refs.Exchange || refs.Exchange == refs.Side {
			t.Fatalf("distinct strings share refs: %+v", refs)
		}
	}
}

func TestDecoderStopsNumberingAtMaxInterned(t *testing.T) {
	d := NewDecoder()
	strs := newRefChecker(t)
	unnumbered := 0
	for i := range maxInterned + 100 {
		tr := Trade{Symbol: "S" + strconv.Itoa(i), Ts: 1, Exchange: "Q", Conditions: []string{}}
		var got Trade
		var refs Refs
		if err := d.TradeRefs(tr.AppendJSON(nil), &got, &refs); err != nil {
			t.Fatal(err)
		}
		if got.Symbol != tr.Symbol || got.Exchange != "Q" {
			t.Fatalf("decoded %+v from %+v", got, tr)
		}
		strs.check(refs.Symbol, got.Symbol)
		strs.check(refs.Exchange, got.Exchange)
		if refs.Symbol == 0 {
			unnumbered++
		}
		if refs.Exchange == 0 {
			t.Fatalf("trade %d: the exchange seen first lost its ref", i)
		}
	}
	if unnumbered == 0 || unnumbered > 200 {
		t.Fatalf("%d symbols unnumbered, want the ones past maxInterned", unnumbered)
	}
}
