package tick

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
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
	`{"symbol":"A","ts":1234567890123456789}`,
	`{"symbol":"A","ts":9223372036854775808}`,
	`{"symbol":"A","ts":-9223372036854775808}`,
	`{"symbol":"A","ts":00000000000000001}`,
	`{"symbol":"A","ts":1234567812345678.5}`,
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
	`{"symbol":"ABCDEFGH","ts":-1762092000000000001,"price":-0.5,"size":-0,"exchange":"Q\\","conditions":["@","F","T","I","X"],"side":"","seq":12345678901234567}`,
	`{"symbol":"AAPL","ts":1,"price":1234567.1234567,"size":12345678,"exchange":"é","conditions":[],"side":"S","seq":0}`,
	`{"symbol":"AAPL","ts":1,"price":12345678.5,"size":1,"exchange":"Q","conditions":[" ]"],"side":"S","seq":01}`,
	`{"symbol":"MSFT","ts":1,"bid":0.0001,"bid_size":0,"ask":1e2,"ask_size":9223372036854775807,"exchange":"N","seq":-8}`,
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
		// Again, with the strings and lists now in the decoder's caches.
		if gotT, gotTErr = d.Trade(b); (wantTErr == nil) != (gotTErr == nil) || (wantTErr == nil && !reflect.DeepEqual(wantT, gotT)) {
			t.Errorf("second Trade(%q) = %+v, %v; DecodeTrade = %+v, %v", b, gotT, gotTErr, wantT, wantTErr)
		}
		if gotQ, gotQErr = d.Quote(b); (wantQErr == nil) != (gotQErr == nil) || (wantQErr == nil && !reflect.DeepEqual(wantQ, gotQ)) {
			t.Errorf("second Quote(%q) = %+v, %v; DecodeQuote = %+v, %v", b, gotQ, gotQErr, wantQ, wantQErr)
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

func TestDecimalMatchesStrconv(t *testing.T) {
	tests := []struct {
		name string
		in   string
		fast bool // whether decimal takes it
	}{
		{"price", "187.25", true},
		{"integer", "100", true},
		{"zero", "0", true},
		{"negative zero", "-0", true},
		{"negative zero fraction", "-0.0", true},
		{"small fraction", "0.000001", true},
		{"2^53", "9007199254740992", true},
		{"2^53 plus one", "9007199254740993", false},
		{"seventeen digits", "1.2345678901234567", false},
		{"inexact tenth", "0.1", true},
		{"exponent", "1e3", false},
		{"leading zero", "01.5", false},
		{"no fraction digits", "1.", false},
		{"no integer digits", ".5", false},
		{"plus sign", "+1", false},
		{"minus only", "-", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := decimal([]byte(tc.in))
			if ok != tc.fast {
				t.Fatalf("decimal(%q) ok = %v, want %v", tc.in, ok, tc.fast)
			}
			if !ok {
				return
			}
			want, err := strconv.ParseFloat(tc.in, 64)
			if err != nil || math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("decimal(%q) = %v, strconv = %v, %v", tc.in, got, want, err)
			}
		})
	}
}

func TestDecimalMatchesStrconvOnRandomPrices(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		ints := strconv.FormatUint(r.Uint64N(1_000_000_000), 10)
		frac := strconv.FormatUint(r.Uint64N(10_000_000), 10)
		in := ints + "." + strings.Repeat("0", r.IntN(4)) + frac
		if r.IntN(2) == 0 {
			in = "-" + in
		}
		got, ok := decimal([]byte(in))
		want, err := strconv.ParseFloat(in, 64)
		if err != nil {
			t.Fatal(err)
		}
		if ok && math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("decimal(%q) = %v, strconv = %v", in, got, want)
		}
	}
}

func TestDecoderSequenceMatchesEncodingJSON(t *testing.T) {
	lists := []string{
		`{"symbol":"A","ts":5,"conditions":["@","F"],"side":"B"}`,
		`{"symbol":"A","ts":5,"conditions":["@","F"],"side":"S"}`,
		`{"symbol":"A","ts":5,"conditions":["@","F","T"]}`,
		`{"symbol":"A","ts":5,"conditions":["@","F"]x}`,
		`{"symbol":"A","ts":5,"conditions":["@"]}`,
		`{"symbol":"A","ts":5,"conditions":[]}`,
		`{"symbol":"A","ts":5,"conditions":[],"seq":-0}`,
		`{"symbol":"A","ts":5,"conditions":["@","F"`,
		`{"symbol":"A","ts":5,"conditions":["@","F"],"seq":1.5}`,
		`{"symbol":"A","ts":5,"conditions":["@","F"],"seq":-12e1}`,
		`{"symbol":"A","ts":-9223372036854775808}`,
		`{"symbol":"A","ts":9223372036854775807}`,
		`{"symbol":"A","ts":9223372036854775808}`,
	}
	values := append(append([]string{}, lists...), decodeSeeds...)
	tests := []struct {
		name  string
		order func(i int) int
	}{
		{"in order", func(i int) int { return i % len(values) }},
		{"reversed", func(i int) int { return len(values) - 1 - i%len(values) }},
		{"strided", func(i int) int { return (i * 7) % len(values) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			for i := range 3 * len(values) {
				b := []byte(values[tc.order(i)])
				want, wantErr := DecodeTrade(b)
				got, gotErr := d.Trade(b)
				if (wantErr == nil) != (gotErr == nil) || (wantErr == nil && !reflect.DeepEqual(want, got)) {
					t.Fatalf("value %d, Trade(%s) = %+v, %v; DecodeTrade = %+v, %v", i, b, got, gotErr, want, wantErr)
				}
			}
		})
	}
}

func BenchmarkDecodeQuote(b *testing.B) {
	v := []byte(decodeSeeds[1])
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			DecodeQuote(v)
		}
	})
	b.Run("Decoder", func(b *testing.B) {
		d := NewDecoder()
		for b.Loop() {
			d.Quote(v)
		}
	})
}
