package sink

import (
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

func TestParseDecimalMatchesStrconv(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"produce time", "1795651200123456789"},
		{"18 digits", "999999999999999999"},
		{"max int64", "9223372036854775807"},
		{"19 digits over int64", "9999999999999999999"},
		{"20 digits", "10000000000000000000"},
		{"overflow", "9223372036854775808"},
		{"zero", "0"},
		{"leading zeros", "000123"},
		{"negative", "-42"},
		{"plus sign", "+42"},
		{"empty", ""},
		{"letters", "12a4"},
		{"space", " 12"},
		{"underscore", "1_000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, err := strconv.ParseInt(tc.in, 10, 64)
			got, ok := parseDecimal([]byte(tc.in))
			if ok != (err == nil) || ok && got != want {
				t.Errorf("parseDecimal(%q) = %d, %v; strconv says %d, %v", tc.in, got, ok, want, err)
			}
		})
	}
}

func TestProducedAt(t *testing.T) {
	tests := []struct {
		name    string
		headers []kgo.RecordHeader
		want    int64
		ok      bool
	}{
		{"none", nil, 0, false},
		{"other headers only", []kgo.RecordHeader{{Key: tick.HeaderEventType, Value: []byte("trade")}}, 0, false},
		{"after others", []kgo.RecordHeader{{Key: tick.HeaderEventType, Value: []byte("7")}, {Key: tick.HeaderProducedAt, Value: []byte("1795651200123456789")}}, 1795651200123456789, true},
		{"not a number", []kgo.RecordHeader{{Key: tick.HeaderProducedAt, Value: []byte("soon")}}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := producedAt(&kgo.Record{Headers: tc.headers})
			if got != tc.want || ok != tc.ok {
				t.Errorf("producedAt = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
