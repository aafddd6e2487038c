package tick

import (
	"encoding/json"
	"testing"
)

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		std  any
	}{
		{"trade", Event{Trade: &Trade{Symbol: "AAPL", Ts: 1764000000123456789, Price: 187.25, Size: 100, Exchange: "Q", Conditions: []string{"@", "F"}, Side: "B", Seq: 42}}, nil},
		{"trade no conditions", Event{Trade: &Trade{Symbol: "X\"Y", Ts: 1, Price: 0.0001, Size: 1, Conditions: []string{}}}, nil},
		{"quote", Event{Quote: &Quote{Symbol: "MSFT", Ts: 1764000000000000001, Bid: 410.1, BidSize: 300, Ask: 410.12, AskSize: 500, Exchange: "N", Seq: 7}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []byte
			var err error
			if tc.ev.Trade != nil {
				want, err = json.Marshal(tc.ev.Trade)
			} else {
				want, err = json.Marshal(tc.ev.Quote)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := tc.ev.AppendJSON(nil)
			if string(got) != string(want) {
				t.Fatalf("AppendJSON = %s\nencoding/json = %s", got, want)
			}
		})
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	in := Trade{Symbol: "AAPL", Ts: 1764000000123456789, Price: 187.25, Size: 100, Exchange: "Q", Conditions: []string{"@"}, Side: "S", Seq: 3}
	out, err := DecodeTrade(in.AppendJSON(nil))
	if err != nil {
		t.Fatal(err)
	}
	if out.Ts != in.Ts || out.Price != in.Price || out.Conditions[0] != "@" || out.Side != "S" {
		t.Fatalf("round trip: got %+v, want %+v", out, in)
	}
	if _, err := DecodeTrade([]byte(`{"symbol":"A"}`)); err == nil {
		t.Fatal("DecodeTrade accepted a trade without ts")
	}
	if _, err := DecodeQuote([]byte(`not json`)); err == nil {
		t.Fatal("DecodeQuote accepted garbage")
	}
}
