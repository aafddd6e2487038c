package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func newTestBroker(t *testing.T, dataDir string) *Broker {
	t.Helper()
	b, err := StartBroker(BrokerConfig{Listen: "127.0.0.1:0", DataDir: dataDir}, nil)
	if err != nil {
		t.Fatalf("StartBroker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func newTestClient(t *testing.T, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cfg := ClientConfig{Brokers: []string{addr}, ClientID: "ticklake-test"}
	cl, err := kgo.NewClient(append(cfg.Opts(nil), opts...)...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func newTestAdmin(t *testing.T, addr string) *kadm.Client {
	t.Helper()
	return kadm.NewClient(newTestClient(t, addr))
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// ensureTestTopic creates a topic with the given partition count on the
// embedded broker.
func ensureTestTopic(t *testing.T, adm *kadm.Client, name string, partitions int32) {
	t.Helper()
	spec := TopicSpec{Name: name, Partitions: partitions, ReplicationFactor: 1, RetentionMs: -1, RetentionBytes: -1}
	if err := EnsureTopics(testCtx(t), adm, spec); err != nil {
		t.Fatalf("EnsureTopics(%s): %v", name, err)
	}
}

// consumeAll reads n records from topics from the start.
func consumeAll(t *testing.T, addr string, n int, topics ...string) []*kgo.Record {
	t.Helper()
	cl := newTestClient(t, addr, kgo.ConsumeTopics(topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx := testCtx(t)
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(out), n, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetching %s/%d: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	return out
}

// endOffsets sums each topic's high watermarks.
func endOffsets(t *testing.T, adm *kadm.Client, topics ...string) map[string]int64 {
	t.Helper()
	ends, err := adm.ListEndOffsets(testCtx(t), topics...)
	if err != nil {
		t.Fatalf("ListEndOffsets: %v", err)
	}
	out := map[string]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Topic] += o.Offset })
	return out
}
