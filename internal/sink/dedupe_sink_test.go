package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/tick"
)

// seqTrade is a trade of sym with seq, its event time derived from seq.
func seqTrade(sym string, seq int64) *kgo.Record {
	ts := eventBase.Add(time.Duration(seq) * time.Second)
	tr := tick.Trade{Symbol: sym, Ts: ts.UnixNano(), Price: 100, Size: seq, Exchange: "Q", Side: "B", Seq: seq}
	return &kgo.Record{Topic: tick.TopicTrades, Key: []byte(sym), Value: tr.AppendJSON(nil), Timestamp: ts}
}

// seqTrades makes the trades of seqs from..to (inclusive) of every symbol.
func seqTrades(from, to int64, syms ...string) []*kgo.Record {
	var recs []*kgo.Record
	for seq := from; seq <= to; seq++ {
		for _, sym := range syms {
			recs = append(recs, seqTrade(sym, seq))
		}
	}
	return recs
}

// sentLog remembers what every produced record was, by partition and offset.
type sentLog map[partOffset]*kgo.Record

func (l sentLog) add(recs []*kgo.Record) {
	for _, r := range recs {
		l[partOffset{r.Partition, r.Offset}] = r
	}
}

// checkDeduped checks the trades in the lake: every offset below the high
// watermarks is in a data file or, as a duplicate, in _errors, never both;
// every (producer id, symbol, seq) is in the data once. It returns how many
// duplicates _errors holds.
func checkDeduped(t *testing.T, store *lake.Dir, hw map[partKey]int64, sent sentLog) int {
	t.Helper()
	dups := map[partOffset]bool{}
	for pk, byOff := range readErrors(t, store) {
		for off, b := range byOff {
			if pk.topic != tick.TopicTrades {
				continue
			}
			if !strings.HasPrefix(b.Reason, "duplicate: ") {
				t.Errorf("%v@%d in _errors: %q, want a duplicate", pk, off, b.Reason)
			}
			dups[partOffset{pk.part, off}] = true
		}
	}
	rows := readLake(t, store)[tick.TopicTrades]
	checkOffsets(t, tick.TopicTrades, rows, hw, dups)
	type rec struct {
		pid int64
		sym string
		seq int64
	}
	seen := map[rec]int64{}
	for _, r := range rows {
		s := sent[partOffset{r.part, r.offset}]
		if s == nil {
			t.Fatalf("row at %d@%d was not produced by the test", r.part, r.offset)
		}
		seq, _ := parseSeq(s.Value)
		k := rec{s.ProducerID, string(s.Key), seq}
		if prev, ok := seen[k]; ok {
			t.Errorf("%s seq %d of producer %d in the data twice: offsets %d and %d", k.sym, k.seq, k.pid, prev, r.offset)
		}
		seen[k] = r.offset
	}
	return len(dups)
}

func TestDuplicateSeqsGoToErrors(t *testing.T) {
	syms := []string{"AAPL", "MSFT", "NVDA"}
	tests := []struct {
		name     string
		produce  func(t *testing.T, a, b *testProducer, sent sentLog)
		wantDups int64
		wantGaps int64
	}{
		{"one producer resends a run", func(t *testing.T, a, _ *testProducer, sent sentLog) {
			for _, recs := range [][]*kgo.Record{seqTrades(1, 20, syms...), seqTrades(5, 9, syms...), seqTrades(21, 25, syms...)} {
				a.send(t, recs...)
				sent.add(recs)
			}
		}, 15, 0},
		{"a restarted producer (new producer id) starts its seqs again", func(t *testing.T, a, b *testProducer, sent sentLog) {
			for _, p := range []*testProducer{a, b} {
				recs := seqTrades(1, 20, syms...)
				p.send(t, recs...)
				sent.add(recs)
			}
		}, 0, 0},
		{"a gap is kept", func(t *testing.T, a, _ *testProducer, sent sentLog) {
			for _, recs := range [][]*kgo.Record{seqTrades(1, 5, syms...), seqTrades(8, 10, syms...)} {
				a.send(t, recs...)
				sent.add(recs)
			}
		}, 0, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			brokers := newTestCluster(t)
			store := newTestLake(t)
			a, b := newTestProducer(t, brokers), newTestProducer(t, brokers)
			sent := sentLog{}
			tc.produce(t, a, b, sent)
			hw := map[partKey]int64{}
			for pk, end := range a.hw {
				hw[pk] = max(hw[pk], end, b.hw[pk])
			}
			for pk, end := range b.hw {
				hw[pk] = max(hw[pk], end)
			}
			s := runDrain(t, brokers, store, nil)
			if n := checkDeduped(t, store, hw, sent); int64(n) != tc.wantDups {
				t.Errorf("_errors holds %d duplicates, want %d", n, tc.wantDups)
			}
			st := s.Stats().Topics[tick.TopicTrades]
			if st.Duplicates != tc.wantDups || st.SequenceGaps != tc.wantGaps {
				t.Errorf("stats count %d duplicates and %d gaps, want %d and %d", st.Duplicates, st.SequenceGaps, tc.wantDups, tc.wantGaps)
			}
		})
	}
}

// stripSeqs rewrites a partition's markers as an older sink wrote them:
// without de-duplication state.
func stripSeqs(t *testing.T, store *lake.Dir, topic string, part int32) {
	t.Helper()
	for _, m := range readMarkers(t, store, topic, part) {
		m.Seqs = nil
		body, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		key := CommitKey(topic, part, m.From)
		remove(t, store, key)
		if err := store.Create(context.Background(), key, body); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDedupeStateCarriesOverInMarkers writes a first run, then resends part
// of it: a new sink (a restart, or another group member taking the
// partitions) knows the seqs written before from the markers. A lake whose
// markers have no state (an older sink's) starts with none.
func TestDedupeStateCarriesOverInMarkers(t *testing.T) {
	syms := []string{"AAPL", "MSFT", "NVDA", "TSLA"}
	tests := []struct {
		name     string
		old      bool // the first run's markers have no state
		wantDups int64
	}{
		{"state in markers", false, 6 * 4},
		{"older markers without state", true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			brokers := newTestCluster(t)
			store := newTestLake(t)
			prod := newTestProducer(t, brokers)
			sent := sentLog{}
			first := seqTrades(1, 20, syms...)
			prod.send(t, first...)
			sent.add(first)
			once := func(c *Config) { c.FlushInterval = time.Hour }
			runDrain(t, brokers, store, once)
			for part := range int32(3) {
				for _, m := range readMarkers(t, store, tick.TopicTrades, part) {
					if m.Seqs == nil || m.Seqs.symbols() == 0 {
						t.Errorf("marker %s has no de-duplication state: %+v", CommitKey(tick.TopicTrades, part, m.From), m)
					}
				}
				if tc.old {
					stripSeqs(t, store, tick.TopicTrades, part)
				}
			}
			second := append(seqTrades(15, 20, syms...), seqTrades(21, 30, syms...)...)
			prod.send(t, second...)
			sent.add(second)
			s := runDrain(t, brokers, store, once)
			if tc.old {
				// Without state the resent seqs are taken as new: the data
				// holds them twice, as an older sink would have written.
				if got := s.Stats().Topics[tick.TopicTrades].Duplicates; got != 0 {
					t.Fatalf("%d duplicates found without state, want 0", got)
				}
				return
			}
			if n := checkDeduped(t, store, prod.hw, sent); int64(n) != tc.wantDups {
				t.Errorf("_errors holds %d duplicates, want %d", n, tc.wantDups)
			}
			if got := s.Stats().Topics[tick.TopicTrades].Duplicates; got != tc.wantDups {
				t.Errorf("the second run counted %d duplicates, want %d", got, tc.wantDups)
			}
		})
	}
}

// TestRewrittenRangeReproducesDuplicates loses the files of a range holding
// duplicates of records of the range before it: the sink rewriting it starts
// from the state of the marker before and makes the same bytes, _errors
// file included.
func TestRewrittenRangeReproducesDuplicates(t *testing.T) {
	syms := []string{"AAPL", "MSFT", "NVDA", "TSLA"}
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	sent := sentLog{}
	once := func(c *Config) { c.FlushInterval = time.Hour }
	for _, recs := range [][]*kgo.Record{seqTrades(1, 20, syms...), append(seqTrades(18, 20, syms...), seqTrades(21, 25, syms...)...)} {
		prod.send(t, recs...)
		sent.add(recs)
		runDrain(t, brokers, store, once)
	}
	want := map[string][]byte{}
	for part := range int32(3) {
		ms := readMarkers(t, store, tick.TopicTrades, part)
		if len(ms) < 2 {
			continue
		}
		last := ms[len(ms)-1]
		if !hasErrorsFile(last) {
			t.Fatalf("the second range of partition %d has no _errors file: %v", part, last.Files)
		}
		for _, key := range last.Files {
			want[key] = readBytes(t, store, key)
			remove(t, store, key)
		}
		putHead(t, store, tick.TopicTrades, part, ms, len(ms)-1)
	}
	if len(want) == 0 {
		t.Fatal("no partition has two ranges")
	}
	runDrain(t, brokers, store, once)
	for key, b := range want {
		if got := readBytes(t, store, key); !bytes.Equal(got, b) {
			t.Errorf("%s rewritten with different bytes:\n%s\nwas:\n%s", key, got, b)
		}
	}
	if n := checkDeduped(t, store, prod.hw, sent); n != 3*len(syms) {
		t.Errorf("_errors holds %d duplicates, want %d", n, 3*len(syms))
	}
}

func hasErrorsFile(m marker) bool {
	for _, f := range m.Files {
		if strings.HasPrefix(f, "_errors/") {
			return true
		}
	}
	return false
}

// TestTwoOwnersAgreeOnDuplicates runs two sinks in different groups on one
// lake while a producer resends runs of seqs: each believes it owns every
// partition, as a zombie does, so they race for claims and the loser
// resyncs, state included, from the winner's markers. The lake holds each
// record once, and each offset in the data or in _errors.
func TestTwoOwnersAgreeOnDuplicates(t *testing.T) {
	syms := []string{"AAPL", "MSFT", "NVDA", "TSLA", "AMZN"}
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	fast := func(c *Config) { c.FlushInterval = 30 * time.Millisecond; c.FlushRows = 25 }
	a := newTestSink(t, brokers, store, func(c *Config) { fast(c); c.Group = "owner-a" })
	b := newTestSink(t, brokers, store, func(c *Config) { fast(c); c.Group = "owner-b" })
	cancelA, waitA := startSink(t, a)
	cancelB, waitB := startSink(t, b)
	sent := sentLog{}
	var total int
	for i := range int64(20) {
		recs := seqTrades(10*i+1, 10*i+10, syms...)
		if i > 0 {
			recs = append(seqTrades(10*i-2, 10*i, syms...), recs...) // the last three again
		}
		prod.send(t, recs...)
		sent.add(recs)
		total += len(recs)
	}
	logged := func() int64 {
		var n int64
		for pk, end := range prod.hw {
			if pk.topic == tick.TopicTrades {
				n += end
			}
		}
		return n
	}
	waitFor(t, "the claim chains to reach the high watermarks", func() bool {
		for pk, end := range prod.hw {
			if pk.topic == tick.TopicTrades && !claimedTo(store, pk, end) {
				return false
			}
		}
		return true
	})
	cancelA()
	cancelB()
	if err := errors.Join(waitA(), waitB()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if int64(total) != logged() {
		t.Fatalf("produced %d, the log holds %d", total, logged())
	}
	if n := checkDeduped(t, store, prod.hw, sent); n != 19*3*len(syms) {
		t.Errorf("_errors holds %d duplicates, want %d", n, 19*3*len(syms))
	}
}

// claimedTo reports whether a marker of the partition ends at end and its
// files are in the lake; it reads a lake being written, so anything it
// cannot read yet is "not yet".
func claimedTo(store lake.Store, pk partKey, end int64) bool {
	c := &claims{store: store}
	found := false
	_ = store.List(context.Background(), CommitsPrefix(pk.topic, pk.part), func(o lake.Object) error {
		name := path.Base(o.Key)
		if strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
			return nil
		}
		var m marker
		if body, err := c.get(context.Background(), o.Key); err == nil && json.Unmarshal(body, &m) == nil && m.To == end {
			found, _ = c.complete(context.Background(), m)
		}
		return nil
	})
	return found
}

// dataOutageLake is a real local lake whose data and _errors writes fail
// while down is set, while markers are still created: a failure between a
// claim and its files.
type dataOutageLake struct {
	*lake.Dir
	down atomic.Bool
}

func (o *dataOutageLake) Create(ctx context.Context, key string, data []byte) error {
	if o.down.Load() && !strings.HasPrefix(key, "_commits/") {
		return errOutage
	}
	return o.Dir.Create(ctx, key, data)
}

// TestClaimedRangeEndsAtItsMarker fails the files of claimed ranges for a
// while as records keep arriving: the records past a claimed range wait for
// the next one, so the range's files, chain and state stay those its marker
// says.
func TestClaimedRangeEndsAtItsMarker(t *testing.T) {
	brokers := newTestCluster(t)
	dir := newTestLake(t)
	store := &dataOutageLake{Dir: dir}
	prod := newTestProducer(t, brokers)
	sent := sentLog{}
	store.down.Store(true)
	s := newTestSink(t, brokers, store, func(c *Config) { c.FlushInterval = 50 * time.Millisecond; c.FlushRows = 20 })
	_, wait := startSink(t, s)
	recs := append(seqTrades(1, 40, "AAPL", "MSFT", "NVDA"), seqTrades(30, 40, "AAPL")...)
	prod.send(t, recs...)
	sent.add(recs)
	waitFor(t, "writes to fail and be retried", func() bool { return s.Stats().Retries >= 3 })
	more := seqTrades(41, 60, "AAPL", "MSFT", "NVDA")
	prod.send(t, more...)
	sent.add(more)
	store.down.Store(false)
	waitFor(t, "the claim chains to reach the high watermarks", func() bool {
		for pk, end := range prod.hw {
			if !claimedTo(dir, pk, end) {
				return false
			}
		}
		return true
	})
	for pk := range prod.hw {
		ms := readMarkers(t, dir, pk.topic, pk.part)
		for i := 1; i < len(ms); i++ {
			if ms[i].From != ms[i-1].To {
				t.Errorf("%v: marker [%d, %d) follows [%d, %d)", pk, ms[i].From, ms[i].To, ms[i-1].From, ms[i-1].To)
			}
		}
	}
	if n := checkDeduped(t, dir, prod.hw, sent); n != 11 {
		t.Errorf("_errors holds %d duplicates, want 11", n)
	}
	select {
	case <-s.done:
		t.Fatalf("Run returned: %v", wait())
	default:
	}
}

func TestDuplicateMetrics(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	syms := []string{"AAPL", "MSFT"}
	prod.send(t, append(append(seqTrades(1, 10, syms...), seqTrades(9, 10, syms...)...), seqTrades(13, 14, syms...)...)...)
	reg := prometheus.NewRegistry()
	cfg := DefaultConfig()
	cfg.Group, cfg.Drain = "dedupe-metrics", true
	s, err := New(cfg, store, []kgo.Opt{kgo.SeedBrokers(brokers...)}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	tests := []struct {
		name, metric string
		want         float64
	}{
		{"duplicates", "ticklake_sink_duplicates_total", 4},
		{"gaps", "ticklake_sink_sequence_gaps_total", 2},
		{"written", "ticklake_sink_records_written_total", 24},
		{"bad records", "ticklake_sink_bad_records_total", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := gathered(t, reg, tc.metric, tick.TopicTrades); got != tc.want {
				t.Errorf("%s{topic=trades} = %v, want %v", tc.metric, got, tc.want)
			}
		})
	}
}

// TestRebalanceHandsOverDedupeState hands the partitions of a running sink
// to another member of its group, which then sees resent seqs written
// before it owned them: it knows them from the markers.
func TestRebalanceHandsOverDedupeState(t *testing.T) {
	syms := []string{"AAPL", "MSFT", "NVDA", "TSLA"}
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	sent := sentLog{}
	fast := func(c *Config) { c.FlushInterval = 50 * time.Millisecond; c.Group = "handover" }
	chainsAtHW := func() bool {
		for pk, end := range prod.hw {
			if !claimedTo(store, pk, end) {
				return false
			}
		}
		return true
	}
	first := seqTrades(1, 20, syms...)
	prod.send(t, first...)
	sent.add(first)
	a := newTestSink(t, brokers, store, fast)
	cancelA, waitA := startSink(t, a)
	waitFor(t, "the first sink to write the first run", chainsAtHW)
	b := newTestSink(t, brokers, store, fast)
	_, waitB := startSink(t, b)
	cancelA()
	if err := waitA(); err != nil {
		t.Fatalf("first sink: %v", err)
	}
	waitFor(t, "the second sink to own every partition", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.assigned) == 6
	})
	second := append(seqTrades(17, 20, syms...), seqTrades(21, 25, syms...)...)
	prod.send(t, second...)
	sent.add(second)
	waitFor(t, "the second sink to write the resent run", chainsAtHW)
	if got := b.Stats().Topics[tick.TopicTrades].Duplicates; got != 4*4 {
		t.Errorf("the second sink counted %d duplicates, want %d", got, 4*4)
	}
	if n := checkDeduped(t, store, prod.hw, sent); n != 4*4 {
		t.Errorf("_errors holds %d duplicates, want %d", n, 4*4)
	}
	select {
	case <-b.done:
		t.Fatalf("the second sink stopped: %v", waitB())
	default:
	}
}

// TestResumeStateFromHead resolves a chain whose head names the marker
// ending at it: the state comes from that marker; a head naming a marker
// that is gone is refused with the fix.
func TestResumeStateFromHead(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.send(t, seqTrades(1, 10, "AAPL")...)
	s := runDrain(t, brokers, store, func(c *Config) { c.FlushInterval = time.Hour })
	c := s.claims
	var pk partKey
	for k := range prod.hw {
		pk = k
	}
	ms := readMarkers(t, store, pk.topic, pk.part)
	if len(ms) != 1 {
		t.Fatalf("%d markers, want 1", len(ms))
	}
	ch, err := c.resolve(context.Background(), pk.topic, pk.part)
	if err != nil {
		t.Fatal(err)
	}
	if ch.end != 10 || ch.seqs.symbols() != 1 || onlyPos(ch.seqs, "AAPL").seq != 10 {
		t.Fatalf("chain ends at %d with state %v, want 10 with AAPL at seq 10", ch.end, ch.seqs)
	}
	remove(t, store, CommitKey(pk.topic, pk.part, ms[0].From))
	_, err = c.resolve(context.Background(), pk.topic, pk.part)
	if err == nil || !strings.Contains(err.Error(), "remove the head") {
		t.Fatalf("resolve with the head's marker gone = %v, want an error naming the fix", err)
	}
}

// onlyPos returns the position of sym under the state's producers.
func onlyPos(st seqState, sym string) seqPos {
	for _, syms := range st {
		if p, ok := syms[sym]; ok {
			return p
		}
	}
	return seqPos{}
}
