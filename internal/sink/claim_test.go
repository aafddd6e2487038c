package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/tick"
)

// readMarkers returns every claim marker of a partition in key order.
func readMarkers(t *testing.T, store lake.Store, topic string, part int32) []marker {
	t.Helper()
	c := &claims{store: store}
	var out []marker
	err := store.List(context.Background(), CommitsPrefix(topic, part), func(o lake.Object) error {
		if strings.Contains(o.Key, "_head") {
			return nil
		}
		body, err := c.get(context.Background(), o.Key)
		if err != nil {
			return err
		}
		var m marker
		if err := json.Unmarshal(body, &m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMarkersFormOneChainWithIDs(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 300, 0)
	runDrain(t, brokers, store, func(c *Config) { c.FlushRows = 25 })
	for pk, hw := range prod.hw {
		ms := readMarkers(t, store, pk.topic, pk.part)
		if len(ms) < 2 {
			t.Fatalf("%v: %d markers, want several with FlushRows=25", pk, len(ms))
		}
		next := ms[0].From
		for _, m := range ms {
			if m.From != next || m.To <= m.From || len(m.Files) == 0 || m.ClusterID == "" || m.TopicID == "" || m.Writer == "" {
				t.Errorf("%v: marker %+v does not continue the chain at %d with files and ids", pk, m, next)
			}
			next = m.To
		}
		if next != hw {
			t.Errorf("%v: chain ends at %d, want the high watermark %d", pk, next, hw)
		}
	}
}

func TestMissingFileOfClaimedRangeIsRewritten(t *testing.T) {
	tests := []struct {
		name string
		lose func(t *testing.T, store *lake.Dir, key string)
	}{
		{"file lost, head kept", func(t *testing.T, store *lake.Dir, key string) { remove(t, store, key) }},
		{"file and head lost", func(t *testing.T, store *lake.Dir, key string) {
			remove(t, store, key)
			remove(t, store, HeadKey(tick.TopicTrades, 0))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			brokers := newTestCluster(t)
			store := newTestLake(t)
			prod := newTestProducer(t, brokers)
			prod.produce(t, 200, 0)
			once := func(c *Config) { c.FlushInterval = time.Hour }
			runDrain(t, brokers, store, once)
			// A crash after the claim, before this file was written: the
			// head still points at the range's start.
			ms := readMarkers(t, store, tick.TopicTrades, 0)
			last := ms[len(ms)-1]
			key := last.Files[len(last.Files)-1]
			want := readBytes(t, store, key)
			putHead(t, store, tick.TopicTrades, 0, ms, len(ms)-1)
			tc.lose(t, store, key)

			runDrain(t, brokers, store, once)
			if got := readBytes(t, store, key); !bytes.Equal(got, want) {
				t.Errorf("%s rewritten with different bytes (%d, was %d)", key, len(got), len(want))
			}
			rows := readLake(t, store)
			checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
		})
	}
}

// TestTwoOwnersNeverDuplicate runs two sinks in different groups on one lake:
// each believes it owns every partition, as a zombie does, and both flush
// often while records arrive. The claims must let exactly one file hold
// each record.
func TestTwoOwnersNeverDuplicate(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	fast := func(c *Config) { c.FlushInterval = 30 * time.Millisecond; c.FlushRows = 40 }
	a := newTestSink(t, brokers, store, func(c *Config) { fast(c); c.Group = "owner-a" })
	b := newTestSink(t, brokers, store, func(c *Config) { fast(c); c.Group = "owner-b" })
	cancelA, waitA := startSink(t, a)
	cancelB, waitB := startSink(t, b)
	for range 20 {
		prod.produce(t, 60, 30)
	}
	total := func(topic string) int64 {
		return a.Stats().Topics[topic].Written + b.Stats().Topics[topic].Written
	}
	waitFor(t, "every record written once between the two", func() bool {
		return total(tick.TopicTrades) >= 1200 && total(tick.TopicQuotes) >= 600
	})
	cancelA()
	cancelB()
	if err := errors.Join(waitA(), waitB()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	rows := readLake(t, store)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
	checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, nil)
	if a.Stats().ClaimsLost+b.Stats().ClaimsLost == 0 {
		t.Log("no claim race happened in this run")
	}
}

func TestOtherTopicIncarnationIsRefused(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 30, 0)
	runDrain(t, brokers, store, nil)
	// The same lake, another cluster: its markers must not be followed.
	other := newTestCluster(t)
	prod2 := newTestProducer(t, other)
	prod2.produce(t, 30, 0)
	s := newTestSink(t, other, store, func(c *Config) { c.Drain = true })
	_, wait := startSink(t, s)
	err := wait()
	if err == nil || !strings.Contains(err.Error(), "fresh lake") {
		t.Fatalf("Run on another cluster's lake = %v, want an error naming the fix", err)
	}
}

func remove(t *testing.T, store *lake.Dir, key string) {
	t.Helper()
	p, _ := store.LocalPath(key)
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

func readBytes(t *testing.T, store *lake.Dir, key string) []byte {
	t.Helper()
	p, _ := store.LocalPath(key)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// putHead points a partition's head at the start of ms[i], as a crash after
// claiming ms[i] and before writing its files leaves it.
func putHead(t *testing.T, store lake.Store, topic string, part int32, ms []marker, i int) {
	t.Helper()
	m := ms[i]
	c := &claims{store: store, clusterID: m.ClusterID, topicIDs: map[string]string{topic: m.TopicID}}
	if i == 0 { // no marker ends there: a head without last
		body, _ := json.Marshal(head{Next: m.From, ClusterID: m.ClusterID, TopicID: m.TopicID})
		if err := store.Put(context.Background(), HeadKey(topic, part), body); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := c.advance(context.Background(), topic, part, ms[i-1]); err != nil {
		t.Fatal(err)
	}
}
