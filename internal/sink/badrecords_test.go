package sink

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/tick"
)

// readErrors reads every _errors file of the lake, keyed by topic/partition/offset.
func readErrors(t *testing.T, store lake.Store) map[partKey]map[int64]badRecord {
	t.Helper()
	ctx := context.Background()
	out := make(map[partKey]map[int64]badRecord)
	err := store.List(ctx, "_errors/", func(o lake.Object) error {
		if !strings.HasSuffix(o.Key, ".jsonl") {
			return nil
		}
		rc, err := store.Open(ctx, o.Key)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			var b badRecord
			if err := json.Unmarshal(sc.Bytes(), &b); err != nil {
				t.Fatalf("%s: line %q: %v", o.Key, sc.Text(), err)
			}
			pk := partKey{b.Topic, b.Partition}
			if out[pk] == nil {
				out[pk] = make(map[int64]badRecord)
			}
			if _, dup := out[pk][b.Offset]; dup {
				t.Errorf("%s: bad record %s/%d@%d listed twice", o.Key, b.Topic, b.Partition, b.Offset)
			}
			out[pk][b.Offset] = b
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBadRecordsGoToErrors(t *testing.T) {
	tests := []struct {
		name   string
		topic  string
		value  []byte
		reason string // substring of the reason
	}{
		{"not json", tick.TopicTrades, []byte(`{not json`), "decoding trade"},
		{"wrong type", tick.TopicTrades, []byte(`{"symbol":"AAPL","ts":"soon","price":1}`), "decoding trade"},
		{"missing fields", tick.TopicQuotes, []byte(`{"symbol":"MSFT"}`), "missing symbol or ts"},
		{"oversize", tick.TopicTrades, bytes.Repeat([]byte("x"), 2048), "oversize"},
		{"tombstone", tick.TopicQuotes, nil, "tombstone"},
	}
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 50, 20)
	recs := make([]*kgo.Record, len(tests))
	for i, tc := range tests {
		recs[i] = &kgo.Record{Topic: tc.topic, Key: []byte("AAPL"), Value: tc.value, Timestamp: eventBase}
	}
	prod.send(t, recs...)
	prod.produce(t, 50, 20)

	s := runDrain(t, brokers, store, func(c *Config) { c.MaxRecordBytes = 1024 })
	got := readErrors(t, store)
	skip := map[string]map[partOffset]bool{tick.TopicTrades: {}, tick.TopicQuotes: {}}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := recs[i]
			skip[r.Topic][partOffset{r.Partition, r.Offset}] = true
			b, ok := got[partKey{r.Topic, r.Partition}][r.Offset]
			if !ok {
				t.Fatalf("%s/%d@%d not in _errors", r.Topic, r.Partition, r.Offset)
			}
			if !strings.Contains(b.Reason, tc.reason) || !bytes.Equal(b.Raw, tc.value) {
				t.Errorf("bad record = {reason %q raw %q}, want reason with %q and raw %q", b.Reason, b.Raw, tc.reason, tc.value)
			}
		})
	}
	rows := readLake(t, store)
	checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, skip[tick.TopicTrades])
	checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, skip[tick.TopicQuotes])
	if n := s.Stats().Topics[tick.TopicTrades].BadRecords; n != 3 {
		t.Errorf("trades bad records = %d, want 3", n)
	}
}
