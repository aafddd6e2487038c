package tick

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestAppendIntMatchesStrconv checks appendInt against strconv.AppendInt on
// every power of ten and its neighbours, random values of every length, and
// into buffers with and without room.
func TestAppendIntMatchesStrconv(t *testing.T) {
	values := []int64{0, 1, 9, 10, 99, 100, math.MaxInt64, math.MinInt64, -1, 1763370000123456789}
	for p := int64(1); p <= 1e18; p *= 10 {
		values = append(values, p-1, p, p+1, -p)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		values = append(values, rng.Int64()>>rng.IntN(63))
	}
	for _, tt := range []struct {
		name   string
		prefix []byte
	}{
		{"nil", nil},
		{"no room", []byte(`{"ts":`)},
		{"room", append(make([]byte, 0, 64), `{"ts":`...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range values {
				want := strconv.AppendInt([]byte(string(tt.prefix)), v, 10)
				if got := appendInt(tt.prefix[:len(tt.prefix):len(tt.prefix)+cap(tt.prefix)-len(tt.prefix)], v); string(got) != string(want) {
					t.Fatalf("appendInt(%q, %d) = %q, want %q", tt.prefix, v, got, want)
				}
			}
		})
	}
}

func FuzzAppendIntMatchesStrconv(f *testing.F) {
	f.Add(int64(1763370000123456789))
	f.Add(int64(-5))
	f.Fuzz(func(t *testing.T, v int64) {
		if got, want := appendInt(nil, v), strconv.AppendInt(nil, v, 10); string(got) != string(want) {
			t.Fatalf("appendInt(%d) = %q, want %q", v, got, want)
		}
	})
}

// BenchmarkAppendInt formats a record's integers (a nanosecond time, a size
// and a sequence number) with strconv and with appendInt.
func BenchmarkAppendInt(b *testing.B) {
	vals := []int64{1763370000123456789, 300, 123456}
	buf := make([]byte, 0, 64)
	for _, bc := range []struct {
		name string
		fn   func([]byte, int64) []byte
	}{
		{"strconv", func(d []byte, v int64) []byte { return strconv.AppendInt(d, v, 10) }},
		{"appendInt", appendInt},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				buf = buf[:0]
				for _, v := range vals {
					buf = bc.fn(buf, v)
				}
			}
		})
	}
}
