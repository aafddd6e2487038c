package tick

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestParseDigitsMatchesStrconv(t *testing.T) {
	tests := []string{
		"0", "7", "12345678", "123456789", "1764000000123456789", "9999999999999999999",
		"00000000", "0000000000000000001", "12345678x", "1234567x9", "x", "", "-1", "+1",
		"12345678901234567890", "1234/678", "1234:678", "\xff2345678",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := 1 + r.IntN(19)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		if r.IntN(4) == 0 { // a non-digit somewhere
			b[r.IntN(n)] = "/:a .\x00\xff"[r.IntN(7)]
		}
		tests = append(tests, string(b))
	}
	for _, in := range tests {
		want, err := strconv.ParseUint(in, 10, 64)
		wantOK := err == nil && in != "" && !strings.ContainsAny(in, "+-_") && len(in) <= 19
		got, ok := ParseDigits([]byte(in))
		if ok != wantOK || (ok && got != want) {
			t.Errorf("ParseDigits(%q) = %d, %v; strconv says %d, %v", in, got, ok, want, err)
		}
	}
}

func FuzzParseDigitsMatchesStrconv(f *testing.F) {
	for _, s := range []string{"0", "1764000000123456789", "12345678x", "00000000", "9999999999999999999", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := string(b)
		want, err := strconv.ParseUint(in, 10, 64)
		wantOK := err == nil && in != "" && !strings.ContainsAny(in, "+-_") && len(in) <= 19
		if got, ok := ParseDigits(b); ok != wantOK || (ok && got != want) {
			t.Errorf("ParseDigits(%q) = %d, %v; strconv says %d, %v", in, got, ok, want, err)
		}
	})
}

func BenchmarkParseDigits(b *testing.B) {
	v := []byte("1764000000123456789")
	for b.Loop() {
		ParseDigits(v)
	}
}
