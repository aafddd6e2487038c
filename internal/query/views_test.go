package query

import (
	"regexp"
	"testing"
)

// TestIsSinkFile checks the sink's file names against the regular
// expression the matcher replaced.
func TestIsSinkFile(t *testing.T) {
	re := regexp.MustCompile(`^.+-\d+-\d{20}-\d{20}\.parquet$`)
	off := "00000000000000000042"
	tests := []struct {
		name string
		file string
		want bool
	}{
		{"sink file", "trades-3-" + off + "-" + off + ".parquet", true},
		{"topic with dashes", "my-trades-12-" + off + "-" + off + ".parquet", true},
		{"no topic", "-3-" + off + "-" + off + ".parquet", false},
		{"no partition", "trades--" + off + "-" + off + ".parquet", false},
		{"letter in partition", "trades-x-" + off + "-" + off + ".parquet", false},
		{"short offset", "trades-3-42-" + off + ".parquet", false},
		{"long offset", "trades-3-0" + off + "-" + off + ".parquet", false},
		{"letter in offset", "trades-3-" + off[:19] + "x-" + off + ".parquet", false},
		{"other extension", "trades-3-" + off + "-" + off + ".json", false},
		{"temporary", "trades-3-" + off + "-" + off + ".parquet.tmp", false},
		{"plain name", "part-00000.parquet", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isSinkFile(tt.file); got != tt.want || re.MatchString(tt.file) != tt.want {
				t.Errorf("isSinkFile(%q) = %v, regexp %v; want %v", tt.file, got, re.MatchString(tt.file), tt.want)
			}
		})
	}
}
