package kafka

import (
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestTrimCommitted(t *testing.T) {
	b := newTestBroker(t, "")
	adm := newTestAdmin(t, b.Addr())
	ensureTestTopic(t, adm, "trimme", 1)
	cl := newTestClient(t, b.Addr())
	recs := make([]*kgo.Record, 100)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: "trimme", Value: []byte(strconv.Itoa(i))}
	}
	if err := cl.ProduceSync(testCtx(t), recs...).FirstErr(); err != nil {
		t.Fatalf("producing: %v", err)
	}

	// Before any commit there is nothing to trim.
	if n, err := TrimCommitted(testCtx(t), adm, "sink", "trimme"); err != nil || n != 0 {
		t.Fatalf("TrimCommitted with no commits = %d, %v; want 0, nil", n, err)
	}
	commit := func(at int64) {
		offs := kadm.Offsets{}
		offs.Add(kadm.Offset{Topic: "trimme", Partition: 0, At: at, LeaderEpoch: -1})
		if err := adm.CommitAllOffsets(testCtx(t), "sink", offs); err != nil {
			t.Fatalf("committing %d: %v", at, err)
		}
	}
	tests := []struct {
		name      string
		commitAt  int64
		wantTrim  int64
		wantStart int64
	}{
		{"first trim", 60, 60, 60},
		{"nothing new", 60, 0, 60},
		{"more", 75, 15, 75},
		{"all committed keeps the last record", 100, 24, 99},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			commit(tc.commitAt)
			n, err := TrimCommitted(testCtx(t), adm, "sink", "trimme")
			if err != nil || n != tc.wantTrim {
				t.Fatalf("TrimCommitted = %d, %v; want %d", n, err, tc.wantTrim)
			}
			starts, err := adm.ListStartOffsets(testCtx(t), "trimme")
			if err != nil {
				t.Fatal(err)
			}
			if s, _ := starts.Lookup("trimme", 0); s.Offset != tc.wantStart {
				t.Fatalf("start offset %d, want %d", s.Offset, tc.wantStart)
			}
		})
	}
}

// TestTrimCommittedSurvivesRestart trims everything a group committed, closes
// the embedded broker and starts it again on its data dir: the log still
// ends where it ended, so new records get new offsets. (Trimming a
// partition's log to its end made the reloaded broker start it at 0 again.)
func TestTrimCommittedSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	b := newTestBroker(t, dir)
	adm := newTestAdmin(t, b.Addr())
	ensureTestTopic(t, adm, "trimmed", 1)
	cl := newTestClient(t, b.Addr())
	for i := range 10 {
		if err := cl.ProduceSync(testCtx(t), &kgo.Record{Topic: "trimmed", Value: []byte(strconv.Itoa(i))}).FirstErr(); err != nil {
			t.Fatalf("producing: %v", err)
		}
	}
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: "trimmed", Partition: 0, At: 10, LeaderEpoch: -1})
	if err := adm.CommitAllOffsets(testCtx(t), "sink", offs); err != nil {
		t.Fatal(err)
	}
	if _, err := TrimCommitted(testCtx(t), adm, "sink", "trimmed"); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	b.Close()

	b = newTestBroker(t, dir)
	ends, err := newTestAdmin(t, b.Addr()).ListEndOffsets(testCtx(t), "trimmed")
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := ends.Lookup("trimmed", 0); e.Offset != 10 {
		t.Fatalf("after a restart the log ends at %d, want 10", e.Offset)
	}
}
