package sink

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

func TestStrDictIDRefMatchesID(t *testing.T) {
	tests := []struct {
		name string
		refs []uint32 // refs[i] numbers strs[i]; 0: unnumbered
		strs []string
	}{
		{name: "numbered", refs: []uint32{1, 2, 1, 3, 2, 3}, strs: []string{"AAPL", "Q", "AAPL", "", "Q", ""}},
		{name: "unnumbered", refs: []uint32{0, 0, 0}, strs: []string{"AAPL", "Q", "AAPL"}},
		{name: "mixed", refs: []uint32{0, 7, 7, 0, 40}, strs: []string{"AAPL", "AAPL", "AAPL", "MSFT", "MSFT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			byRef, byStr := newStrDict(), newStrDict()
			for i, s := range tc.strs {
				got, want := byRef.idRef(tc.refs[i], s), byStr.id(s)
				if got != want || byRef.str(got) != s {
					t.Fatalf("idRef(%d, %q) = %d (%q), id = %d", tc.refs[i], s, got, byRef.str(got), want)
				}
			}
		})
	}
}

func TestStrDictClearForgetsRefs(t *testing.T) {
	d := newStrDict()
	d.idRef(1, "AAPL")
	d.idRef(2, "MSFT")
	view := d.frozen()
	d.clear()
	if id := d.idRef(2, "MSFT"); id != 0 || d.str(id) != "MSFT" {
		t.Fatalf("after clear, idRef(2, MSFT) = %d (%q), want 0", id, d.str(id))
	}
	if id := d.idRef(1, "AAPL"); id != 1 || d.str(id) != "AAPL" {
		t.Fatalf("after clear, idRef(1, AAPL) = %d (%q), want 1", id, d.str(id))
	}
	if view.len() != 2 || view.str(0) != "AAPL" || view.str(1) != "MSFT" {
		t.Fatalf("frozen view changed: %d strings", view.len())
	}
}

func TestListDictIDRefMatchesID(t *testing.T) {
	lists := [][]string{{"@", "F"}, {}, {"@", "F"}, {"I"}, nil, {"T", "I"}, {"I"}}
	refs := []uint32{1, 2, 1, 3, 0, 4, 3}
	byRef, byList := newListDict(newStrDict()), newListDict(newStrDict())
	for round := range 2 {
		for i, l := range lists {
			got, want := byRef.idRef(refs[i], l), byList.id(l)
			if got != want || !slices.Equal(byRef.list(got), l) {
				t.Fatalf("round %d: idRef(%d, %q) = %d (%q), id = %d", round, refs[i], l, got, byRef.list(got), want)
			}
		}
		byRef.strs.clear()
		byRef.clear()
		byList.strs.clear()
		byList.clear()
	}
}

// TestTradeTableDecodeMatchesDecoder checks the trade table's rows against
// the decoder's trades over the decode benchmark's mix, across a clear of
// the dictionaries.
func TestTradeTableDecodeMatchesDecoder(t *testing.T) {
	tb := newTradeTable(newEncoder())
	dec := tick.NewDecoder()
	recs := append(mixTradeRecords(2000), &kgo.Record{Value: []byte(`{"symbol":"AAPL","ts":5,"conditions":["@", "F"],"side":"B"}`)})
	for round := range 2 {
		for _, r := range recs {
			v, err := tb.decode(r)
			if err != nil {
				t.Fatal(err)
			}
			want, err := dec.Trade(r.Value)
			if err != nil {
				t.Fatal(err)
			}
			got := tick.Trade{Symbol: tb.strs.str(v.sym), Ts: v.ts, Price: v.price, Size: v.size, Exchange: tb.strs.str(v.exch),
				Conditions: tb.lists.list(v.conds), Side: tb.strs.str(v.side), Seq: v.seq}
			if !slices.Equal(got.Conditions, want.Conditions) || got.Symbol != want.Symbol || got.Exchange != want.Exchange ||
				got.Side != want.Side || got.Ts != want.Ts || got.Price != want.Price || got.Size != want.Size || got.Seq != want.Seq {
				t.Fatalf("round %d: row %+v, decoder %+v", round, got, want)
			}
			if els := tb.lists.elemIDs(v.conds); len(els) != len(want.Conditions) {
				t.Fatalf("round %d: %d element ids for %q", round, len(els), want.Conditions)
			}
		}
		tb.strs.clear()
		tb.lists.clear()
	}
}

func TestQuoteTableDecodeMatchesDecoder(t *testing.T) {
	tb := newQuoteTable(newEncoder())
	dec := tick.NewDecoder()
	for round := range 2 {
		for _, r := range mixQuoteRecords(2000) {
			v, err := tb.decode(r)
			if err != nil {
				t.Fatal(err)
			}
			want, err := dec.Quote(r.Value)
			if err != nil {
				t.Fatal(err)
			}
			got := tick.Quote{Symbol: tb.strs.str(v.sym), Ts: v.ts, Bid: v.bid, BidSize: v.bidSize, Ask: v.ask, AskSize: v.askSize,
				Exchange: tb.strs.str(v.exch), Seq: v.seq}
			if got != want {
				t.Fatalf("round %d: row %+v, decoder %+v", round, got, want)
			}
		}
		tb.strs.clear()
		tb.lists.clear()
	}
}
