package pipeline

import (
	"strings"
	"testing"
)

func TestSummaryNamesWhatWentToErrors(t *testing.T) {
	s := Summary{
		Produced:   map[string]int64{"quotes": 30, "trades": 10},
		Written:    map[string]int64{"quotes": 30, "trades": 7},
		Bad:        map[string]int64{"trades": 1},
		Duplicates: map[string]int64{"trades": 2},
	}
	var b strings.Builder
	if _, err := s.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	want := "ticklake stopped cleanly.\n" +
		"  quotes   produced 30, written to the lake 30\n" +
		"  trades   produced 10, written to the lake 7, to _errors 1 bad and 2 duplicates\n"
	if b.String() != want {
		t.Fatalf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
}
