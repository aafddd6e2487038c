package tick

import (
	"reflect"
	"testing"
)

// decodeSeeds are wire values the fast path must decode exactly as
// encoding/json does: valid, odd and broken ones.
var decodeSeeds = []string{
	`{"symbol":"AAPL","ts":1762092000000000001,"price":187.25,"size":100,"exchange":"Q","conditions":["@","F"],"side":"B","seq":7}`,
	`{"symbol":"MSFT","ts":1762092000000000001,"bid":99.5,"bid_size":100,"ask":100.5,"ask_size":200,"exchange":"N","seq":8}`,
	` { "symbol" : "A" , "ts" : 5 , "conditions" : [ ] } `,
	`{"symbol":"A\u00e9","ts":5}`,
	`{"symbol":"Aé","ts":5}`,
	`{"symbol":"A","ts":5,"extra":{"x":[1,2]}}`,
	`{"symbol":"A","ts":"5"}`,
	`{"symbol":"A","ts":5.5}`,
	`{"symbol":"A","ts":1e3}`,
	`{"symbol":"A","ts":-0}`,
	`{"symbol":"A","ts":01}`,
	`{"symbol":"A","ts":99999999999999999999}`,
	`{"symbol":"A","ts":5,"price":1e400}`,
	`{"symbol":"A","ts":5,"price":-1.5E-3}`,
	`{"symbol":"A","ts":5,"price":.5}`,
	`{"symbol":"A","ts":5,"price":+1}`,
	`{"symbol":"A","ts":5,"price":null}`,
	`{"symbol":"A","ts":5,"conditions":null}`,
	`{"symbol":"A","ts":5,"conditions":[1]}`,
	`{"symbol":"A","ts":5}x`,
	`{"symbol":"A","ts":5,}`,
	`{"symbol":"A" "ts":5}`,
	`{"symbol":"","ts":5}`,
	`{"ts":5}`,
	`{}`,
	`[]`,
	`null`,
	``,
	`{not json`,
	`{"symbol":"A","symbol":"B","ts":5}`,
	`{"SYMBOL":"A","ts":5}`,
}

func FuzzDecoderMatchesEncodingJSON(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder()
		wantT, wantTErr := DecodeTrade(b)
		gotT, gotTErr := d.Trade(b)
		if (wantTErr == nil) != (gotTErr == nil) || (wantTErr == nil && !reflect.DeepEqual(wantT, gotT)) {
			t.Errorf("Trade(%q) = %+v, %v; DecodeTrade = %+v, %v", b, gotT, gotTErr, wantT, wantTErr)
		}
		wantQ, wantQErr := DecodeQuote(b)
		gotQ, gotQErr := d.Quote(b)
		if (wantQErr == nil) != (gotQErr == nil) || (wantQErr == nil && !reflect.DeepEqual(wantQ, gotQ)) {
			t.Errorf("Quote(%q) = %+v, %v; DecodeQuote = %+v, %v", b, gotQ, gotQErr, wantQ, wantQErr)
		}
	})
}

func BenchmarkDecodeTrade(b *testing.B) {
	v := []byte(decodeSeeds[0])
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			DecodeTrade(v)
		}
	})
	b.Run("Decoder", func(b *testing.B) {
		d := NewDecoder()
		for b.Loop() {
			d.Trade(v)
		}
	})
}
