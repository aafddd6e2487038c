package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// fastRetries keeps a test's backoff short; the writer takes it from the
// client like every other producer option.
var fastRetries = kgo.RetryBackoffFn(func(int) time.Duration { return 5 * time.Millisecond })

// expectedStream is what the JSON Lines producer writes for n records of
// the test simulation: each topic and key's values in order.
func expectedStream(t *testing.T, n int64) map[string][]string {
	t.Helper()
	var buf bytes.Buffer
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, n
	p, err := NewJSONLinesProducer(&buf, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for line := range strings.Lines(buf.String()) {
		var l struct {
			Topic, Key string
			Value      json.RawMessage
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		k := l.Topic + "/" + l.Key
		want[k] = append(want[k], string(l.Value))
	}
	return want
}

// checkDelivered checks that the broker at addr holds exactly the first n
// records of the test simulation: none lost, none twice, every key's in
// order.
func checkDelivered(t *testing.T, addr string, n int64) {
	t.Helper()
	got := map[string][]string{}
	for _, r := range consumeAll(t, addr, int(n), "trades", "quotes") {
		k := r.Topic + "/" + string(r.Key)
		got[k] = append(got[k], string(r.Value))
	}
	if ends := endOffsets(t, newTestAdmin(t, addr), "trades", "quotes"); ends["trades"]+ends["quotes"] != n {
		t.Fatalf("the topics hold %v records, want %d in all", ends, n)
	}
	want := expectedStream(t, n)
	if len(got) != len(want) {
		t.Fatalf("records under %d keys, want %d", len(got), len(want))
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Fatalf("%s: %d records differ from the %d expected, or their order does", k, len(got[k]), len(w))
		}
	}
}

// answerAll answers every partition of a produce request with code.
func answerAll(req kmsg.Request, code int16) kmsg.Response {
	pr := req.(*kmsg.ProduceRequest)
	resp := pr.ResponseKind().(*kmsg.ProduceResponse)
	for _, t := range pr.Topics {
		rt := kmsg.NewProduceResponseTopic()
		rt.Topic, rt.TopicID = t.Topic, t.TopicID
		for _, p := range t.Partitions {
			rp := kmsg.NewProduceResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, code
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// TestWriterDeliversThroughFaults produces through failures a real cluster
// shows, each injected at the embedded broker or on the way back, and
// checks that the broker ends up with every record once and in order.
func TestWriterDeliversThroughFaults(t *testing.T) {
	const n = 6000
	for _, tc := range []struct {
		name   string
		inject func(b *Broker, p *Producer)
	}{
		{"leaders moving: retriable partition errors", func(b *Broker, _ *Producer) {
			var left atomic.Int32
			left.Store(5)
			b.cluster.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
				if left.Add(-1) < 0 {
					return nil, nil, false
				}
				b.cluster.KeepControl()
				return answerAll(req, kerr.NotLeaderForPartition.Code), nil, true
			})
		}},
		{"connections closed before the broker read the request", func(b *Broker, _ *Producer) {
			var left atomic.Int32
			left.Store(3)
			b.cluster.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
				if left.Add(-1) < 0 {
					return nil, nil, false
				}
				b.cluster.KeepControl()
				return nil, errors.New("injected: connection closed"), true
			})
		}},
		{"answers lost after the broker wrote the batches", func(_ *Broker, p *Producer) {
			var sent atomic.Int32
			real := p.w.send.request
			p.w.send.request = func(ctx context.Context, leader int32, req kmsg.Request) (kmsg.Response, error) {
				resp, err := real(ctx, leader, req)
				if i := sent.Add(1); err == nil && i%3 == 2 && i < 30 {
					return nil, errors.New("injected: connection lost after the write")
				}
				return resp, err
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, cl := newTestPipeline(t)
			cl = newTestClient(t, b.Addr(), fastRetries)
			cfg := DefaultProducerConfig()
			cfg.Speed, cfg.Count = 0, n
			p := newTestProducer(t, cl, cfg, nil)
			tc.inject(b, p)
			if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := total(p.Produced()); got != n {
				t.Fatalf("Produced %d records, want %d", got, n)
			}
			if got := counterValue(t, p.metrics.retries); got == 0 {
				t.Error("the retries metric counted no retry")
			}
			checkDelivered(t, b.Addr(), n)
		})
	}
}

// TestWriterFailsTheRunOnce checks the errors that must stop a run: one that
// Kafka says no retry will fix, and a retriable one that outlasts the
// client's record retries. Each ends the run promptly with one error naming
// the topic, and the records that did not land are counted as failed.
func TestWriterFailsTheRunOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int16
		want string
	}{
		{"not retriable", kerr.CorruptMessage.Code, "CORRUPT_MESSAGE"},
		{"retries exhausted", kerr.NotEnoughReplicas.Code, "NOT_ENOUGH_REPLICAS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := newTestPipeline(t)
			cl := newTestClient(t, b.Addr(), fastRetries, kgo.RecordRetries(3))
			b.cluster.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
				b.cluster.KeepControl()
				return answerAll(req, tc.code), nil, true
			})
			cfg := DefaultProducerConfig()
			cfg.Speed, cfg.Count = 0, 2000
			p := newTestProducer(t, cl, cfg, prometheus.NewRegistry())
			err := p.Run(testCtx(t), newTestSim(t))
			if err == nil || !strings.Contains(err.Error(), "producing to topic ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an error naming the topic and %s", err, tc.want)
			}
			st := p.Stats()
			if st.Acked != 0 || st.Errors == 0 || st.Errors > st.Sent {
				t.Fatalf("stats %+v: want nothing acknowledged and the failed records counted", st)
			}
			if got := counterValue(t, p.metrics.errors); got != float64(st.Errors) {
				t.Fatalf("errors metric %v, want %d", got, st.Errors)
			}
		})
	}
}

// TestPacedRecordsAreNotHeldForALinger runs the producer on events an hour
// apart from now, with a linger of a minute: the first record's batch must
// go to the broker before the loop sleeps for the second, not after.
func TestPacedRecordsAreNotHeldForALinger(t *testing.T) {
	for _, tc := range []struct {
		name  string
		speed float64
	}{
		{"max speed caught up with the wall clock", 0},
		{"real time", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := newTestPipeline(t)
			cl := newTestClient(t, b.Addr(), kgo.ProducerLinger(time.Minute))
			cfg := DefaultProducerConfig()
			cfg.Speed = tc.speed
			p := newTestProducer(t, cl, cfg, nil)
			// not testCtx: its deadline would end the sleep and flush
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx, &clockSource{next: time.Now(), step: time.Hour}) }()
			waitUntil(t, "the first record acknowledged", func() bool { return total(p.Produced()) == 1 })
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run after cancel = %v, want nil", err)
			}
		})
	}
}

// TestWriterNeedsAllReplicas refuses a client that would not wait for the
// in-sync replicas: the writer's idempotence needs acks=all.
func TestWriterNeedsAllReplicas(t *testing.T) {
	b := newTestBroker(t, "")
	cl := newTestClient(t, b.Addr(), kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	_, err := NewProducer(cl, DefaultProducerConfig(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "ProducerOpts") {
		t.Fatalf("NewProducer with acks=1 = %v, want an error pointing at ProducerOpts", err)
	}
}

// TestWriterNamesTopicsWithoutIDs produces through a client whose metadata
// stops below v10, so it learns no topic ids while the broker takes Produce
// v13, which names topics by id only: the writer must fall back to v12.
func TestWriterNamesTopicsWithoutIDs(t *testing.T) {
	b, _ := newTestPipeline(t)
	versions := kversion.Stable()
	versions.SetMaxKeyVersion(kmsg.Metadata.Int16(), 9)
	cl := newTestClient(t, b.Addr(), kgo.MaxVersions(versions))
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, 500
	p := newTestProducer(t, cl, cfg, nil)
	if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkDelivered(t, b.Addr(), 500)
}

// moveLeaders moves every partition of topics to the other of two brokers
// each time another `every` records are acknowledged, `times` times, and
// reports how many moves it made and what stopped it early.
func moveLeaders(c *kfake.Cluster, topics []string, every, times int, acked func() int64) (int, error) {
	for k := 1; k <= times; k++ {
		for deadline := time.Now().Add(15 * time.Second); acked() < int64(k*every); {
			if time.Now().After(deadline) {
				return k - 1, fmt.Errorf("%d records acknowledged, waiting for %d", acked(), k*every)
			}
			time.Sleep(time.Millisecond) // polling a condition, not waiting for it
		}
		for _, topic := range topics {
			for part := range int32(3) {
				if err := c.MoveTopicPartition(topic, part, int32(k%2)); err != nil {
					return k - 1, err
				}
			}
		}
	}
	return times, nil
}

// TestWriterFollowsMovingLeaders produces to a two-broker cluster whose
// partitions all move to the other broker each time another 1,400 records
// are acknowledged: the batches queued then go to a broker that no longer
// leads, are refused, and the writer must find the new leader and resend
// them there, keeping every record once and in order.
func TestWriterFollowsMovingLeaders(t *testing.T) {
	const n = 15_000
	c, err := kfake.NewCluster(kfake.NumBrokers(2), kfake.SeedTopics(3, "trades", "quotes"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, n
	// no linger: small batches, so many are queued when the leaders move
	cl := newTestClient(t, addr, fastRetries, kgo.RecordRetries(1000), kgo.ProducerLinger(0))
	p := newTestProducer(t, cl, cfg, nil)
	type moved struct {
		n   int
		err error
	}
	mover := make(chan moved, 1)
	go func() {
		n, err := moveLeaders(c, []string{"trades", "quotes"}, 1400, 10, func() int64 { return total(p.Produced()) })
		mover <- moved{n, err}
	}()
	if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if m := <-mover; m.n != 10 {
		t.Fatalf("%d moves of 10: %v", m.n, m.err)
	}
	if got := total(p.Produced()); got != n {
		t.Fatalf("Produced %d records, want %d", got, n)
	}
	checkDelivered(t, addr, n)
}

// TestWriterStartHonoursCancel starts a producer on a port nobody listens
// on and cancels it: Run must return with the cancellation instead of
// trying to reach the cluster for minutes.
func TestWriterStartHonoursCancel(t *testing.T) {
	cl := newTestClient(t, "127.0.0.1:1")
	cfg := DefaultProducerConfig()
	cfg.Speed = 0
	p := newTestProducer(t, cl, cfg, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, newTestSim(t)) }()
	cancel()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("Run after cancel = %v, want the cancellation", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run ignored the cancellation while it looked for the cluster")
	}
}
