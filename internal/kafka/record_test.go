package kafka

import (
	"testing"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestWarmOnlyResetsWhatFillOverwrites checks that warming a used record
// leaves its buffers and every pointer as they were: the key is emptied in
// place and a grown value buffer is kept.
func TestWarmOnlyResetsWhatFillOverwrites(t *testing.T) {
	pr := new(pooledRecord)
	grown := make([]byte, 0, 1000)
	h := []kgo.RecordHeader{{Key: "k", Value: []byte("v")}}
	fill(&pr.rec, "trades", "AAPL", func(b []byte) []byte { return append(grown, `{"x":1}`...) }, time.Unix(1, 2), h)
	fill(&pr.rec, "trades", "AAPL", func(b []byte) []byte { return append(b, `{"x":1}`...) }, time.Unix(1, 2), h)
	before := pr.rec
	pr.warm()
	if len(pr.rec.Key) != 0 || cap(pr.rec.Key) != cap(before.Key) || unsafe.SliceData(pr.rec.Key) != unsafe.SliceData(before.Key) {
		t.Fatalf("warm made key %q (cap %d), want the same buffer emptied", pr.rec.Key, cap(pr.rec.Key))
	}
	if unsafe.SliceData(pr.rec.Value) != unsafe.SliceData(grown) || string(pr.rec.Value) != `{"x":1}` {
		t.Fatalf("warm changed the value to %q at another buffer", pr.rec.Value)
	}
	if pr.rec.Topic != "trades" || &pr.rec.Headers[0] != &h[0] || !pr.rec.Timestamp.Equal(time.Unix(1, 2)) {
		t.Fatalf("warm changed the topic, headers or timestamp: %+v", pr.rec)
	}
}

func TestRecordPoolRecyclesItsRecords(t *testing.T) {
	var rp recordPool
	seen := map[*kgo.Record]bool{}
	for range 100 {
		r := rp.get()
		if len(r.Key) != 0 || cap(r.Key) < 8 || cap(r.Value) < valueRoom {
			t.Fatalf("get returned key cap %d, value cap %d; want empty buffers with room", cap(r.Key), cap(r.Value))
		}
		fill(r, "quotes", "MSFT", func(b []byte) []byte { return append(b, "{}"...) }, time.Unix(0, 0), nil)
		if unsafe.SliceData(r.Value) != &(*pooledRecord)(unsafe.Pointer(r)).value[0] {
			t.Fatal("a record from get does not write its value into its own block")
		}
		seen[r] = true
		rp.put(r)
	}
	// sync.Pool may drop records (it drops some on purpose under -race),
	// but not all of them.
	if len(seen) > 50 {
		t.Fatalf("100 get/put pairs used %d records, want most recycled", len(seen))
	}
}
