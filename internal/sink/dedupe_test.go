package sink

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestParseSeq(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  int64
		ok    bool
	}{
		{"trade as ticklake writes it", `{"symbol":"AAPL","ts":1,"price":1.5,"size":1,"exchange":"Q","conditions":["@"],"side":"B","seq":1234}`, 1234, true},
		{"quote as ticklake writes it", `{"symbol":"F","ts":1,"bid":1,"bid_size":1,"ask":2,"ask_size":1,"exchange":"N","seq":7}`, 7, true},
		{"trailing newline and spaces", "{\"symbol\":\"F\",\"seq\":42} \n", 42, true},
		{"seq first", `{"seq":9,"symbol":"F","ts":1}`, 9, true},
		{"seq spaced", `{"symbol":"F", "seq" : 3}`, 0, false}, // not the field name we look for: no de-duplication
		{"seq spaced after colon", `{"symbol":"F","seq": 5 ,"ts":1}`, 5, true},
		{"negative", `{"symbol":"F","seq":-2}`, -2, true},
		{"no seq", `{"symbol":"F","ts":1}`, 0, false},
		{"seq not a number", `{"symbol":"F","seq":"x"}`, 0, false},
		{"not an object", `[1,2]`, 0, false},
		{"empty", ``, 0, false},
		{"digits only", `5}`, 0, false},
		{"minus only", `{"seq":-}`, 0, false},
		{"long seq", `{"symbol":"F","seq":1234567890123456789}`, 1234567890123456789, true},
		{"too large", `{"seq":99999999999999999999}`, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseSeq([]byte(tc.value))
			if got != tc.want || ok != tc.ok {
				t.Errorf("parseSeq(%s) = %d, %v; want %d, %v", tc.value, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// seqRec is a record of producer pid with symbol sym and seq at offset.
func seqRec(pid int64, sym string, seq, offset int64) *kgo.Record {
	return &kgo.Record{Key: []byte(sym), Value: fmt.Appendf(nil, `{"symbol":%q,"seq":%d}`, sym, seq), ProducerID: pid, Offset: offset}
}

func TestDedupeCheck(t *testing.T) {
	txn := seqRec(1, "AAPL", 1, 9)
	txn.Attrs = kgo.NewRecordAttrs(kgo.RecordAttrsOpts{Transactional: true})
	tests := []struct {
		name string
		recs []*kgo.Record
		want []string // per record: "", "dup", "gap"
	}{
		{"in order", []*kgo.Record{seqRec(1, "AAPL", 1, 0), seqRec(1, "AAPL", 2, 1), seqRec(1, "MSFT", 1, 2)}, []string{"", "", ""}},
		{"resent run", []*kgo.Record{seqRec(1, "AAPL", 1, 0), seqRec(1, "AAPL", 2, 1), seqRec(1, "AAPL", 1, 2), seqRec(1, "AAPL", 2, 3), seqRec(1, "AAPL", 3, 4)},
			[]string{"", "", "dup", "dup", ""}},
		{"two producers, same seqs", []*kgo.Record{seqRec(1, "AAPL", 1, 0), seqRec(2, "AAPL", 1, 1), seqRec(1, "AAPL", 2, 2), seqRec(2, "AAPL", 2, 3)}, []string{"", "", "", ""}},
		{"gap kept", []*kgo.Record{seqRec(1, "AAPL", 1, 0), seqRec(1, "AAPL", 5, 1), seqRec(1, "AAPL", 3, 2)}, []string{"", "gap", "dup"}},
		{"first seq of a producer is no gap", []*kgo.Record{seqRec(1, "AAPL", 100, 0)}, []string{""}},
		{"not idempotent", []*kgo.Record{seqRec(-1, "AAPL", 1, 0), seqRec(-1, "AAPL", 1, 1)}, []string{"", ""}},
		{"no key", []*kgo.Record{seqRec(1, "", 1, 0), seqRec(1, "", 1, 1)}, []string{"", ""}},
		{"transactional", []*kgo.Record{txn, txn}, []string{"", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDedupe(nil)
			for i, r := range tc.recs {
				c := d.check(r)
				got := ""
				switch {
				case c.dup != "":
					got = "dup"
				case c.gap:
					got = "gap"
				}
				if got != tc.want[i] {
					t.Fatalf("record %d (%s seq of producer %d): %q, want %q (%+v)", i, r.Value, r.ProducerID, got, tc.want[i], c)
				}
				c.note(r)
			}
		})
	}
}

func TestDuplicateReason(t *testing.T) {
	d := newDedupe(nil)
	for _, r := range []*kgo.Record{seqRec(5, "AAPL", 1233, 10), seqRec(5, "AAPL", 1234, 11)} {
		d.check(r).note(r)
	}
	tests := []struct {
		name string
		rec  *kgo.Record
		want string
	}{
		{"the last seq again", seqRec(5, "AAPL", 1234, 20), "duplicate: AAPL seq 1234 of producer 5 already written at offset 11"},
		{"an older seq", seqRec(5, "AAPL", 1233, 21), "duplicate: AAPL seq 1233 of producer 5 already written (its offset is not kept; seq 1234 was written at offset 11)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.check(tc.rec).dup; got != tc.want {
				t.Errorf("reason %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDedupeStateEviction(t *testing.T) {
	d := newDedupe(nil)
	// Producer 1 is seen last at offset 0, producers 100.. at 20_000_000+.
	for _, r := range []*kgo.Record{seqRec(1, "AAPL", 1, 0), seqRec(2, "AAPL", 1, 15_000_000)} {
		d.check(r).note(r)
	}
	for i := range int64(maxProducers) {
		r := seqRec(100+i, "MSFT", 1, 20_000_000+i)
		d.check(r).note(r)
	}
	placeholder := seqRec(999, "TSLA", 1, 20_000_100) // checked, never noted: its row was refused
	d.check(placeholder)
	to := int64(20_000_200)
	st := d.state(to)
	if len(st) != maxProducers {
		t.Fatalf("state keeps %d producers, want %d: %v", len(st), maxProducers, st)
	}
	for _, gone := range []int64{1, 2, 999} {
		if _, ok := st[gone]; ok {
			t.Errorf("producer %d kept, want it evicted", gone)
		}
	}
	// The live state after evict decides as the stored state does.
	d.evict(to)
	restored := newDedupe(st.clone())
	for _, r := range []*kgo.Record{seqRec(1, "AAPL", 1, to), seqRec(100, "MSFT", 1, to+1), seqRec(115, "MSFT", 2, to+2)} {
		a, b := d.check(r), restored.check(r)
		if a.dup != b.dup || a.gap != b.gap {
			t.Errorf("%s of producer %d: live %+v, restored %+v", r.Value, r.ProducerID, a, b)
		}
		a.note(r)
		b.note(r)
	}
	if !strings.Contains(fmt.Sprint(st[100]), "MSFT") {
		t.Errorf("state of producer 100 = %v, want MSFT", st[100])
	}
}

func BenchmarkDedupeCheck(b *testing.B) {
	syms := []string{"AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "META", "GOOGL", "JPM"}
	recs := make([]*kgo.Record, 1024)
	for i := range recs {
		sym := syms[i%len(syms)]
		recs[i] = seqRec(7, sym, int64(i), int64(i))
		recs[i].Value = fmt.Appendf(nil, `{"symbol":%q,"ts":1793628000000000000,"price":101.25,"size":100,"exchange":"Q","conditions":["@"],"side":"B","seq":%d}`, sym, i)
	}
	d := newDedupe(nil)
	b.ResetTimer()
	for i := range b.N {
		j := i % len(recs)
		if j == 0 {
			d = newDedupe(nil) // seqs start again: a new producer run
		}
		r := recs[j]
		c := d.check(r)
		if c.dup != "" {
			b.Fatalf("record %d taken for a duplicate: %s", i, c.dup)
		}
		c.note(r)
	}
}

func TestMarkerKeepsAnEmptyState(t *testing.T) {
	tests := []struct {
		name    string
		seqs    seqState
		wantNil bool
	}{
		{"no de-duplication", nil, true},
		{"empty state", seqState{}, false},
		{"a producer", seqState{7: {"AAPL": {seq: 3, off: 9}}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, err := json.Marshal(marker{From: 1, To: 2, Seqs: tc.seqs})
			if err != nil {
				t.Fatal(err)
			}
			var m marker
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			if (m.Seqs == nil) != tc.wantNil || m.Seqs.symbols() != tc.seqs.symbols() {
				t.Errorf("%s decodes to %v, want %v", body, m.Seqs, tc.seqs)
			}
			if tc.seqs.symbols() > 0 && m.Seqs[7]["AAPL"] != (seqPos{seq: 3, off: 9}) {
				t.Errorf("%s decodes to %v", body, m.Seqs)
			}
		})
	}
}

// check looks r up as the loop does, reading its seq first.
func (d *dedupe) check(r *kgo.Record) seqCheck {
	seq, ok := parseSeq(r.Value)
	return d.checkSeq(r, seq, ok)
}

// TestDedupeMatchesPlainLookups checks the lookup cache against plain maps:
// many symbols (more than the cache's slots, so slots are taken over), two
// producers taking turns, resent and skipped seqs, and an eviction.
func TestDedupeMatchesPlainLookups(t *testing.T) {
	d := newDedupe(nil)
	last := map[int64]map[string]int64{} // reference: producer -> symbol -> last seq written
	rng := rand.New(rand.NewPCG(3, 4))
	for off := range int64(20_000) {
		if off == 10_000 {
			d.evict(off + evictAfterOffsets) // drops both producers
			clear(last)
		}
		pid := int64(1 + rng.IntN(2))
		sym := fmt.Sprintf("S%d", rng.IntN(200))
		if last[pid] == nil {
			last[pid] = map[string]int64{}
		}
		prev, seen := last[pid][sym]
		seq := prev + int64(rng.IntN(3)) - 1 // one back, the same, or the next
		if !seen {
			seq = int64(rng.IntN(5))
		}
		r := seqRec(pid, sym, seq, off)
		c := d.check(r)
		if wantDup := seen && seq <= prev; (c.dup != "") != wantDup {
			t.Fatalf("offset %d: %s seq %d of producer %d after %d (seen %v): dup %q, want dup %v", off, sym, seq, pid, prev, seen, c.dup, wantDup)
		}
		if c.dup == "" {
			c.note(r)
			last[pid][sym] = seq
		}
	}
}
