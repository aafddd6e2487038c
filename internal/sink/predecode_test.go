package sink

import (
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// TestAheadPeek checks that what is read ahead of each record (its produce
// time and seq) is that record's, asked for in order with some skipped,
// and that it comes from the read-ahead: a record changed after fill does
// not change it.
func TestAheadPeek(t *testing.T) {
	rec := func(off, at, seq int64) *kgo.Record {
		r := &kgo.Record{Offset: off, Value: []byte(`{"seq":` + strconv.FormatInt(seq, 10) + `}`)}
		if at != 0 {
			r.Headers = []kgo.RecordHeader{{Key: tick.HeaderProducedAt, Value: strconv.AppendInt(nil, at, 10)}}
		}
		return r
	}
	recs := []*kgo.Record{
		rec(0, 100, 1),
		rec(1, 0, 2), // no produce time
		rec(2, 300, 3),
		rec(3, 400, 4),
		{Offset: 4, Value: []byte(`not json`), Headers: []kgo.RecordHeader{{Key: tick.HeaderProducedAt, Value: []byte("500")}}},
	}
	var a ahead[int]
	a.fill(newEncoder(), recs, 1<<20, func(*kgo.Record) (int, error) { return 0, nil })
	recs[2].Headers[0].Value = []byte("999") // read ahead already: not seen
	recs[2].Value = []byte(`{"seq":99}`)
	tests := []struct {
		name    string
		rec     *kgo.Record
		seen    bool
		at, seq int64
		hasAt   bool
		hasSeq  bool
	}{
		{name: "first", rec: recs[0], seen: true, at: 100, hasAt: true, seq: 1, hasSeq: true},
		{name: "no produce time", rec: recs[1], seen: true, seq: 2, hasSeq: true},
		{name: "read before the change", rec: recs[2], seen: true, at: 300, hasAt: true, seq: 3, hasSeq: true},
		// recs[3] skipped, as the loop skips records already in the lake
		{name: "no seq", rec: recs[4], seen: true, at: 500, hasAt: true},
		{name: "not read ahead", rec: rec(9, 900, 9), seen: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ra, seen := a.peek(tc.rec)
			if seen != tc.seen {
				t.Fatalf("seen = %v, want %v", seen, tc.seen)
			}
			if !seen {
				return
			}
			if ra.at != tc.at || ra.hasAt != tc.hasAt || ra.seq != tc.seq || ra.hasSeq != tc.hasSeq || !ra.seqRead {
				t.Fatalf("read ahead %+v; want at %d (%v), seq %d (%v)", ra, tc.at, tc.hasAt, tc.seq, tc.hasSeq)
			}
		})
	}
}
